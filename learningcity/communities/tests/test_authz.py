"""Regressions from the authorization matrix (tests/authz/test_communities.py): who sees a
closed team, who joins, what staff who only read are shown, who reads hours."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from learningcity.communities import services
from learningcity.communities.choices import TeamStatus
from learningcity.communities.models import LearningTeam, TeamMembership
from learningcity.communities.tests.factories import (
    make_award,
    make_member,
    make_resident,
    make_team,
)
from learningcity.core import clock
from learningcity.network.choices import StaffRoleKind
from learningcity.network.tests.factories import City, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_refused_requester_does_not_see_a_dissolved_team(city: City) -> None:
    team = make_team(city)
    refused = make_resident(city, name="孙美玲")
    asked = services.team_join(actor=refused.user, public_id=team.public_id)
    services.membership_decide(actor=team.founder.user, public_id=asked.public_id, accept=False)
    LearningTeam.objects.filter(pk=team.pk).update(status=TeamStatus.DISSOLVED)
    path = f"/communities/teams/{team.public_id}/"

    assert logged_in(refused.user).get(path).status_code == 404
    assert logged_in(team.founder.user).get(path).status_code == 200


def test_a_login_without_a_learner_record_cannot_join_a_team(city: City) -> None:
    team = make_team(city)

    response = logged_in(city.a.school_admin).post(f"/communities/teams/{team.public_id}/join/")

    assert response.status_code == 403
    assert TeamMembership.objects.filter(team=team).count() == 1


def test_asking_to_join_a_team_one_cannot_see_is_not_found(city: City) -> None:
    team = make_team(city, approve=False)

    response = logged_in(make_resident(city).user).post(
        f"/communities/teams/{team.public_id}/join/"
    )

    assert response.status_code == 404


def test_a_viewer_at_the_school_sees_members_and_requests_but_no_buttons(city: City) -> None:
    team = make_team(city)
    make_member(city, team)
    asking = make_resident(city, name="孙美玲")
    request = services.team_join(actor=asking.user, public_id=team.public_id)
    viewer = make_staff(actor=city.root, organization=city.a.school, role=StaffRoleKind.VIEWER)

    page = logged_in(viewer).get(f"/communities/teams/{team.public_id}/").content.decode()

    assert "李建国" in page and "孙美玲" in page
    assert f"/communities/memberships/{request.public_id}/decision/" not in page


def test_one_who_only_asked_to_join_cannot_open_the_activity_form(city: City) -> None:
    team = make_team(city)
    asking = make_resident(city, name="孙美玲")
    services.team_join(actor=asking.user, public_id=team.public_id)

    response = logged_in(asking.user).get(f"/communities/teams/{team.public_id}/activities/new/")

    assert response.status_code == 404


def test_the_district_office_reads_a_schools_invitation_and_only_its_admin_records(
    city: City,
) -> None:
    volunteer = services.volunteer_offer(
        actor=make_resident(city).user,
        display_name="钱老师",
        skills="书法",
        languages=["zh"],
        availability=["weekend"],
        district_codes=[city.a.area.code],
    )
    invitation = services.volunteer_invite(
        actor=city.a.school_admin,
        volunteer_id=volunteer.public_id,
        subject="教书法",
        organization=city.a.school,
    )
    services.invitation_respond(
        actor=volunteer.learner.user, public_id=invitation.public_id, accept=True
    )
    viewer = make_staff(actor=city.root, organization=city.a.office, role=StaffRoleKind.VIEWER)
    path = f"/communities/staff/invitations/{invitation.public_id}/hours/"
    form = {"taught_on": clock.today().isoformat(), "hours": "2.0"}

    listed = logged_in(viewer).get("/api/v1/communities/invitations").json()
    page = logged_in(viewer).get(path)
    posted = logged_in(viewer).post(path, form)
    recorded = logged_in(city.a.officer).post(path, form)

    assert [item["id"] for item in listed["items"]] == [str(invitation.public_id)]
    assert page.status_code == 200 and 'name="hours"' not in page.content.decode()
    assert (posted.status_code, recorded.status_code) == (404, 302)
    assert (
        logged_in(make_staff(actor=city.root, organization=city.b.office)).get(path).status_code
        == 404
    )


def test_a_viewer_of_the_district_reads_a_nomination_and_only_an_admin_decides(
    city: City,
) -> None:
    award = make_award(city)
    nominee = make_resident(city)
    nomination = services.nomination_create(
        actor=city.a.officer, award=award, learner=nominee, story="每天学习"
    )
    viewer = make_staff(actor=city.root, organization=city.a.office, role=StaffRoleKind.VIEWER)
    admin = make_staff(actor=city.root, organization=city.a.town_office)
    path = f"/communities/staff/nominations/{nomination.public_id}/"
    form = {"decision": "award", "reason": "坚持学习"}

    page = logged_in(viewer).get(path)
    posted = logged_in(viewer).post(path, form)
    decided = logged_in(admin).post(path, form)

    assert page.status_code == 200 and 'name="reason"' not in page.content.decode()
    assert (posted.status_code, decided.status_code) == (404, 302)
    assert logged_in(city.b.officer).get(path).status_code == 404
