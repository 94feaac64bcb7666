"""The desk pages: the volunteer pool, hours taught, learning-organization scores and
nominations, each only for those whose scope covers them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from learningcity.communities import services
from learningcity.communities.choices import InvitationStatus, NominationStatus, RecognitionStatus
from learningcity.communities.models import (
    CriterionScore,
    RecognitionApplication,
    VolunteerHours,
    VolunteerInvitation,
)
from learningcity.communities.tests.factories import (
    make_award,
    make_criteria,
    make_resident,
    make_team,
)
from learningcity.core import clock
from learningcity.network.tests.factories import City

pytestmark = pytest.mark.django_db


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _volunteer(city: City) -> Any:
    learner = make_resident(city, name="陈老师")
    return services.volunteer_offer(
        actor=learner.user,
        display_name="陈老师",
        skills="剪纸",
        languages=["zh"],
        availability=["weekend"],
        district_codes=[city.a.area.code],
    )


def test_the_pool_page_is_for_schools_and_team_leaders(city: City) -> None:
    _volunteer(city)
    team = make_team(city)

    school = logged_in(city.a.school_admin).get("/communities/staff/volunteers/?q=剪纸")
    leader = logged_in(team.founder.user).get("/communities/staff/volunteers/")
    resident = logged_in(make_resident(city).user).get("/communities/staff/volunteers/")

    assert school.status_code == leader.status_code == 200
    assert "陈老师" in school.content.decode()
    assert f"org:{city.a.school.code}" in school.content.decode()
    assert f"team:{team.public_id}" in leader.content.decode()
    assert resident.status_code == 403


def test_a_school_invites_from_the_pool_page_but_not_for_another_school(city: City) -> None:
    profile = _volunteer(city)
    path = f"/communities/staff/volunteers/{profile.public_id}/invite/"

    sent = logged_in(city.a.school_admin).post(
        path, {"inviter": f"org:{city.a.school.code}", "subject": "剪纸课", "idempotency_key": "x"}
    )
    foreign = logged_in(city.b.school_admin).post(
        path, {"inviter": f"org:{city.a.school.code}", "subject": "剪纸课"}
    )

    assert (sent.status_code, foreign.status_code) == (302, 302)
    assert [i.organization for i in VolunteerInvitation.objects.all()] == [city.a.school]


def test_the_inviting_school_records_hours_on_its_page(city: City) -> None:
    profile = _volunteer(city)
    invitation = services.volunteer_invite(
        actor=city.a.school_admin,
        volunteer_id=profile.public_id,
        organization=city.a.school,
        subject="剪纸课",
    )
    services.invitation_respond(
        actor=profile.learner.user, public_id=invitation.public_id, accept=True
    )
    path = f"/communities/staff/invitations/{invitation.public_id}/hours/"
    body = {
        "taught_on": (clock.today() - dt.timedelta(days=1)).isoformat(),
        "hours": "2.5",
        "idempotency_key": "form-1",
    }

    other = logged_in(city.b.school_admin).get(path)
    page = logged_in(city.a.school_admin).get(path)
    first = logged_in(city.a.school_admin).post(path, body)
    again = logged_in(city.a.school_admin).post(path, body)

    assert (other.status_code, page.status_code) == (404, 200)
    assert (first.status_code, again.status_code) == (302, 302)
    assert [h.hours for h in VolunteerHours.objects.all()] == [Decimal("2.5")]
    assert invitation.status != InvitationStatus.DECLINED


def test_an_organization_applies_and_the_district_office_scores_and_publishes(
    city: City,
) -> None:
    make_criteria(city, year=clock.today().year)
    applicant = make_resident(city)
    applied = logged_in(applicant.user).post(
        "/communities/recognition/apply/",
        {
            "organization_type": "enterprise",
            "name_zh": "黄浦学习型企业",
            "area": city.a.area.pk,
            "statement": "每月读书会",
            "idempotency_key": "r1",
        },
    )
    application = RecognitionApplication.objects.get()
    path = f"/communities/recognition/{application.public_id}/"

    own = logged_in(applicant.user).get(path)
    other = logged_in(city.b.officer).get(path)
    scored = logged_in(city.a.officer).post(path, {"score-PLAN": "10", "score-HOURS": "20"})
    published = logged_in(city.a.officer).post(path, {"publish": "1"})
    applicant_post = logged_in(applicant.user).post(path, {"publish": "1"})

    assert applied.status_code == 302
    assert (own.status_code, other.status_code) == (200, 404)
    assert (scored.status_code, published.status_code) == (302, 302)
    assert applicant_post.status_code == 404
    assert CriterionScore.objects.count() == 2
    application.refresh_from_db()
    assert (application.status, application.total_score) == (
        RecognitionStatus.RECOGNISED,
        Decimal("100.00"),
    )


def test_a_nomination_is_reviewed_on_its_page_by_staff_in_scope(city: City) -> None:
    learner = make_resident(city)
    nomination = services.nomination_create(
        actor=city.a.officer, award=make_award(city), learner=learner, story="坚持学习"
    )
    path = f"/communities/staff/nominations/{nomination.public_id}/"

    other = logged_in(city.b.officer).get(path)
    decided = logged_in(city.a.town_officer).post(path, {"decision": "award", "reason": "好"})

    assert (other.status_code, decided.status_code) == (404, 302)
    nomination.refresh_from_db()
    assert nomination.status == NominationStatus.AWARDED


def test_the_desk_links_the_schools_work(city: City) -> None:
    make_team(city, approve=False, name_zh="待批团队")

    body = logged_in(city.a.school_admin).get("/communities/staff/").content.decode()

    assert "待批团队" in body
    assert "/communities/staff/volunteers/" in body
