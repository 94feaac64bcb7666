"""Learning teams, organizations, awards and volunteers: the services' rules."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from learningcity.communities import selectors, services
from learningcity.communities.choices import (
    Availability,
    InvitationStatus,
    MemberRole,
    MembershipStatus,
    NominationStatus,
    OrganizationType,
    RecognitionStatus,
    ReviewOutcome,
    TeamStatus,
    TeamTopic,
)
from learningcity.communities.models import CriterionScore, LearningTeam, VolunteerHours
from learningcity.communities.tests.factories import (
    make_award,
    make_criteria,
    make_member,
    make_resident,
    make_team,
)
from learningcity.core import clock
from learningcity.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from learningcity.core.models import AuditEntry
from learningcity.network.tests.factories import City

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


# Founding and approval -----------------------------------------------------------------------


def test_a_resident_founds_a_team_and_leads_it_while_the_school_decides(city: City) -> None:
    founder = make_resident(city)

    team = make_team(city, founder=founder, approve=False)

    assert (team.status, team.area, team.school) == (TeamStatus.PENDING, city.a.town, city.a.school)
    membership = selectors.membership_of(viewer=founder.user, team=team)
    assert membership is not None
    assert (membership.role, membership.status) == (MemberRole.LEADER, MembershipStatus.ACTIVE)
    assert AuditEntry.objects.filter(action="communities.team_apply").count() == 1


def test_founding_again_with_the_same_key_returns_the_first_team(city: City) -> None:
    founder = make_resident(city)
    fields: dict[str, Any] = {
        "actor": founder.user,
        "name_zh": "书法社",
        "topic": TeamTopic.CALLIGRAPHY,
        "town": city.a.town,
        "meeting_place": "小区活动室",
        "schedule": "每周五下午",
        "idempotency_key": "k1",
    }

    first = services.team_apply(**fields)
    second = services.team_apply(**fields)

    assert first.pk == second.pk
    assert LearningTeam.objects.filter(founder=founder).count() == 1


def test_a_team_needs_a_town_a_place_and_a_schedule(city: City) -> None:
    founder = make_resident(city)

    with translation.override("en"), pytest.raises(ValidationFailed) as error:
        services.team_apply(
            actor=founder.user,
            name_zh="",
            topic="knitting",
            town=city.a.area,
            schedule="",
        )

    assert error.value.fields == {
        "name_zh": ["Give the team a name."],
        "topic": ["Select a valid choice."],
        "town": ["Choose the town or subdistrict where the team meets."],
        "meeting_place": ["Say where the team meets, or choose a learning site."],
        "schedule": ["Say when the team meets, for example every Wednesday 9:00."],
    }


def test_a_site_outside_the_town_is_refused(city: City) -> None:
    founder = make_resident(city)

    with pytest.raises(ValidationFailed) as error:
        make_team(city, founder=founder, approve=False, site=city.b.site)

    assert list(error.value.fields) == ["site"]


def test_a_login_without_a_learner_cannot_found_a_team(city: City) -> None:
    with pytest.raises(PermissionDenied):
        services.team_apply(
            actor=city.a.officer,
            name_zh="x",
            topic=TeamTopic.OTHER,
            town=city.a.town,
            meeting_place="x",
            schedule="x",
        )


def test_only_the_towns_school_or_office_decides(city: City) -> None:
    team = make_team(city, approve=False)

    with pytest.raises(NotFound):
        services.team_decide(actor=city.b.school_admin, public_id=team.public_id, approve=True)
    decided = services.team_decide(
        actor=city.a.town_officer, public_id=team.public_id, approve=True
    )

    assert decided.status == TeamStatus.ACTIVE
    assert decided.decided_by == city.a.town_officer


def test_a_rejection_needs_a_reason_and_is_final(city: City) -> None:
    team = make_team(city, approve=False)

    with pytest.raises(ValidationFailed):
        services.team_decide(actor=city.a.school_admin, public_id=team.public_id, approve=False)
    rejected = services.team_decide(
        actor=city.a.school_admin, public_id=team.public_id, approve=False, reason="地点不明"
    )
    with pytest.raises(Conflict):
        services.team_decide(actor=city.a.school_admin, public_id=team.public_id, approve=True)

    assert (rejected.status, rejected.decision_reason) == (TeamStatus.REJECTED, "地点不明")
    assert AuditEntry.objects.filter(action="communities.team_reject").count() == 1


def test_approving_twice_answers_with_the_team(city: City) -> None:
    team = make_team(city)

    again = services.team_decide(actor=city.a.school_admin, public_id=team.public_id, approve=True)

    assert again.status == TeamStatus.ACTIVE
    assert AuditEntry.objects.filter(action="communities.team_approve").count() == 1


# Members ---------------------------------------------------------------------------------------


def test_joining_twice_makes_one_request_and_the_leader_lets_her_in(city: City) -> None:
    team = make_team(city)
    neighbour = make_resident(city)

    first = services.team_join(actor=neighbour.user, public_id=team.public_id)
    second = services.team_join(actor=neighbour.user, public_id=team.public_id)
    accepted = services.membership_decide(
        actor=team.founder.user, public_id=first.public_id, accept=True
    )

    assert first.pk == second.pk
    assert accepted.status == MembershipStatus.ACTIVE
    assert [m.learner for m in selectors.team_members(team=team)] == [team.founder, neighbour]


def test_a_pending_team_cannot_be_joined(city: City) -> None:
    team = make_team(city, approve=False)
    neighbour = make_resident(city)

    with pytest.raises(NotFound):
        services.team_join(actor=neighbour.user, public_id=team.public_id)


def test_a_plain_member_cannot_let_others_in(city: City) -> None:
    team = make_team(city)
    member = make_member(city, team)
    newcomer = make_resident(city)
    request = services.team_join(actor=newcomer.user, public_id=team.public_id)

    with pytest.raises(NotFound):
        services.membership_decide(actor=member.user, public_id=request.public_id, accept=True)


def test_the_leader_hands_over_before_leaving(city: City) -> None:
    team = make_team(city)
    member = make_member(city, team)

    with pytest.raises(Conflict):
        services.team_leave(actor=team.founder.user, public_id=team.public_id)
    membership = selectors.membership_of(viewer=member.user, team=team)
    assert membership is not None
    services.member_role_set(
        actor=team.founder.user, public_id=membership.public_id, role=MemberRole.LEADER
    )
    left = services.team_leave(actor=team.founder.user, public_id=team.public_id)

    assert left.status == MembershipStatus.LEFT
    assert [(m.learner, m.role) for m in selectors.team_members(team=team)] == [
        (member, MemberRole.LEADER)
    ]


# Activity log ----------------------------------------------------------------------------------


def test_a_member_logs_an_activity_with_a_described_photo(city: City) -> None:
    team = make_team(city)
    member = make_member(city, team)

    activity = services.activity_log(
        actor=member.user,
        public_id=team.public_id,
        held_on=clock.today(),
        title="合唱排练",
        attendees=18,
        photos=[(SimpleUploadedFile("a.png", PNG), "大家在排练")],
        idempotency_key="log-1",
    )
    again = services.activity_log(
        actor=member.user,
        public_id=team.public_id,
        held_on=clock.today(),
        title="合唱排练",
        attendees=18,
        photos=[(SimpleUploadedFile("a.png", PNG), "大家在排练")],
        idempotency_key="log-1",
    )

    assert again.pk == activity.pk
    photo = activity.photos.get()
    assert (photo.content_type, photo.description) == ("image/png", "大家在排练")
    name = str(photo.image.name)
    assert name.startswith("communities/photos/")
    assert name.endswith(".png")


def test_a_photo_that_is_not_an_image_or_too_big_is_refused(city: City, settings: Any) -> None:
    settings.COMMUNITIES_PHOTO_MAX_BYTES = 1024 * 1024
    team = make_team(city)
    fake = SimpleUploadedFile("a.png", b"%PDF-1.4 not a photo", content_type="image/png")
    big = SimpleUploadedFile("b.jpg", b"\xff\xd8\xff" + b"\x00" * (1024 * 1024))

    with translation.override("en"):
        with pytest.raises(ValidationFailed) as not_image:
            services.activity_log(
                actor=team.founder.user,
                public_id=team.public_id,
                held_on=clock.today(),
                title="x",
                photos=[(fake, "x")],
            )
        with pytest.raises(ValidationFailed) as too_big:
            services.activity_log(
                actor=team.founder.user,
                public_id=team.public_id,
                held_on=clock.today(),
                title="x",
                photos=[(big, "x")],
            )

    assert not_image.value.fields == {"photos": ["Upload a photo as a JPEG or PNG file."]}
    assert too_big.value.fields == {"photos": ["A photo may be at most 1 MB."]}
    assert team.activities.count() == 0


def test_an_outsider_cannot_log_an_activity(city: City) -> None:
    team = make_team(city)
    outsider = make_resident(city)

    with pytest.raises(NotFound):
        services.activity_log(
            actor=outsider.user, public_id=team.public_id, held_on=clock.today(), title="x"
        )


# Yearly review and star teams -----------------------------------------------------------------


def test_the_school_names_a_star_team_once_a_year(city: City) -> None:
    team = make_team(city)
    year = clock.today().year

    services.team_review(
        actor=city.a.school_admin,
        public_id=team.public_id,
        year=year,
        outcome=ReviewOutcome.STAR,
        comments="活动丰富",
    )
    with pytest.raises(Conflict):
        services.team_review(
            actor=city.a.school_admin,
            public_id=team.public_id,
            year=year,
            outcome=ReviewOutcome.GOOD,
            comments="again",
        )

    assert list(selectors.star_teams(year=year)) == [team]
    assert [t.star for t in selectors.team_list()] == [True]  # type: ignore[attr-defined]
    assert list(selectors.star_teams(year=year - 1)) == []


def test_another_districts_school_cannot_review(city: City) -> None:
    team = make_team(city)

    with pytest.raises(NotFound):
        services.team_review(
            actor=city.b.school_admin,
            public_id=team.public_id,
            year=2026,
            outcome=ReviewOutcome.STAR,
            comments="x",
        )


# Learning organizations -----------------------------------------------------------------------


def _application(city: City, applicant: Any) -> Any:
    return services.recognition_apply(
        actor=applicant,
        year=2026,
        organization_type=OrganizationType.ENTERPRISE,
        name_zh="黄浦制造有限公司",
        area=city.a.area,
        statement="每月读书会",
    )


def test_scores_are_weighted_and_the_result_published(city: City) -> None:
    make_criteria(city)
    applicant = make_resident(city).user
    application = _application(city, applicant)

    services.criterion_score(
        actor=city.a.officer, public_id=application.public_id, criterion_code="PLAN", score=8
    )
    services.criterion_score(
        actor=city.a.officer, public_id=application.public_id, criterion_code="HOURS", score=10
    )
    published = services.recognition_publish(actor=city.a.officer, public_id=application.public_id)

    # (8/10 * 1 + 10/20 * 3) / 4 * 100 = 57.5: below the pass mark.
    assert published.total_score == Decimal("57.50")
    assert published.status == RecognitionStatus.NOT_RECOGNISED
    assert list(selectors.recognised_organizations(year=2026)) == []


def test_rescoring_replaces_the_reviewers_score_and_each_change_is_audited(city: City) -> None:
    make_criteria(city)
    application = _application(city, make_resident(city).user)

    for score in (5, 9, 9):
        services.criterion_score(
            actor=city.a.officer,
            public_id=application.public_id,
            criterion_code="PLAN",
            score=score,
        )

    assert CriterionScore.objects.get(application=application).score == 9
    audits = AuditEntry.objects.filter(action="communities.criterion_score").order_by("id")
    assert [(a.data["score"], a.data["before"]) for a in audits] == [(5, None), (9, 5)]


def test_publishing_needs_every_criterion_scored(city: City) -> None:
    make_criteria(city)
    application = _application(city, make_resident(city).user)
    services.criterion_score(
        actor=city.a.officer, public_id=application.public_id, criterion_code="PLAN", score=10
    )

    with pytest.raises(Conflict):
        services.recognition_publish(actor=city.a.officer, public_id=application.public_id)


def test_a_recognised_organization_is_on_the_public_list(city: City) -> None:
    make_criteria(city)
    application = _application(city, make_resident(city).user)
    for code, score in (("PLAN", 9), ("HOURS", 16)):
        services.criterion_score(
            actor=city.a.officer, public_id=application.public_id, criterion_code=code, score=score
        )

    services.recognition_publish(actor=city.a.officer, public_id=application.public_id)

    assert [a.name_zh for a in selectors.recognised_organizations(year=2026)] == [
        "黄浦制造有限公司"
    ]


def test_a_score_above_the_maximum_or_out_of_scope_is_refused(city: City) -> None:
    make_criteria(city)
    application = _application(city, make_resident(city).user)

    with pytest.raises(ValidationFailed):
        services.criterion_score(
            actor=city.a.officer, public_id=application.public_id, criterion_code="PLAN", score=11
        )
    with pytest.raises(NotFound):
        services.criterion_score(
            actor=city.b.officer, public_id=application.public_id, criterion_code="PLAN", score=5
        )


def test_applying_needs_published_criteria(city: City) -> None:
    with pytest.raises(ValidationFailed) as error:
        _application(city, make_resident(city).user)

    assert list(error.value.fields) == ["year"]


# Awards ---------------------------------------------------------------------------------------


def test_the_showcase_shows_only_what_the_awardee_consented_to(city: City) -> None:
    award = make_award(city)
    learner = make_resident(city, name="张美兰")
    nomination = services.nomination_create(
        actor=city.a.officer, award=award, learner=learner, story="七十岁学会了摄影"
    )
    services.nomination_review(
        actor=city.root, public_id=nomination.public_id, award=True, reason="事迹突出"
    )

    hidden = selectors.showcase(year=2026)
    services.nomination_consent(
        actor=learner.user, public_id=nomination.public_id, show_name=False, show_story=True
    )
    story_only = selectors.showcase(year=2026)

    assert [(e.name, e.story) for e in hidden] == [(None, None)]
    assert [(e.name, e.story, e.district) for e in story_only] == [
        (None, "七十岁学会了摄影", "黄浦区")
    ]


def test_a_team_leader_nominates_a_member_but_not_a_stranger(city: City) -> None:
    award = make_award(city)
    team = make_team(city)
    member = make_member(city, team)
    stranger = make_resident(city)

    nomination = services.nomination_create(
        actor=team.founder.user, award=award, learner=member, story="坚持学习", team=team
    )
    with pytest.raises(NotFound):
        services.nomination_create(
            actor=team.founder.user, award=award, learner=stranger, story="x", team=team
        )

    assert nomination.status == NominationStatus.NOMINATED


def test_nobody_reviews_their_own_nomination(city: City) -> None:
    award = make_award(city)
    learner = make_resident(city)
    nomination = services.nomination_create(
        actor=city.a.officer, award=award, learner=learner, story="x"
    )

    with pytest.raises(PermissionDenied):
        services.nomination_review(
            actor=city.a.officer, public_id=nomination.public_id, award=True, reason="x"
        )
    with pytest.raises(NotFound):
        services.nomination_review(
            actor=city.b.officer, public_id=nomination.public_id, award=True, reason="x"
        )


# Volunteers -----------------------------------------------------------------------------------


def _volunteer(city: City) -> Any:
    learner = make_resident(city, name="陈老师")
    return services.volunteer_offer(
        actor=learner.user,
        display_name="陈老师",
        skills="书法 calligraphy",
        languages=["zh", "wuu"],
        availability=[Availability.WEEKEND],
        district_codes=[city.a.area.code],
    )


def test_a_school_finds_invites_and_records_hours_once(city: City) -> None:
    profile = _volunteer(city)

    found = selectors.volunteer_search(
        viewer=city.a.school_admin, q="书法", language="wuu", district_code=city.a.area.code
    )
    invitation = services.volunteer_invite(
        actor=city.a.school_admin,
        volunteer_id=profile.public_id,
        organization=city.a.school,
        subject="书法入门",
    )
    services.invitation_respond(
        actor=profile.learner.user, public_id=invitation.public_id, accept=True
    )
    first = services.hours_record(
        actor=city.a.school_admin,
        public_id=invitation.public_id,
        taught_on=clock.today() - dt.timedelta(days=1),
        hours=Decimal("2.0"),
        idempotency_key="h1",
    )
    retry = services.hours_record(
        actor=city.a.school_admin,
        public_id=invitation.public_id,
        taught_on=clock.today() - dt.timedelta(days=1),
        hours=Decimal("2.0"),
        idempotency_key="h1",
    )

    assert list(found) == [profile]
    assert first.pk == retry.pk
    assert VolunteerHours.objects.count() == 1
    audit = AuditEntry.objects.get(action="communities.volunteer_hours")
    assert (audit.actor, audit.data["hours"]) == (city.a.school_admin, "2.0")


def test_hours_wait_for_acceptance_and_only_the_inviter_records_them(city: City) -> None:
    profile = _volunteer(city)
    invitation = services.volunteer_invite(
        actor=city.a.school_admin,
        volunteer_id=profile.public_id,
        organization=city.a.school,
        subject="书法入门",
    )

    with pytest.raises(Conflict):
        services.hours_record(
            actor=city.a.school_admin,
            public_id=invitation.public_id,
            taught_on=clock.today(),
            hours=Decimal("1.5"),
        )
    services.invitation_respond(
        actor=profile.learner.user, public_id=invitation.public_id, accept=True
    )
    with pytest.raises(NotFound):
        services.hours_record(
            actor=city.b.school_admin,
            public_id=invitation.public_id,
            taught_on=clock.today(),
            hours=Decimal("1.5"),
        )


def test_the_pool_is_for_schools_and_team_leaders_only(city: City) -> None:
    _volunteer(city)
    resident = make_resident(city)
    team = make_team(city)

    with pytest.raises(PermissionDenied):
        selectors.volunteer_search(viewer=resident.user)
    assert selectors.volunteer_search(viewer=team.founder.user).count() == 1


def test_a_declined_invitation_stays_declined(city: City) -> None:
    profile = _volunteer(city)
    invitation = services.volunteer_invite(
        actor=city.a.school_admin,
        volunteer_id=profile.public_id,
        organization=city.a.school,
        subject="书法入门",
    )

    declined = services.invitation_respond(
        actor=profile.learner.user, public_id=invitation.public_id, accept=False
    )
    with pytest.raises(Conflict):
        services.invitation_respond(
            actor=profile.learner.user, public_id=invitation.public_id, accept=True
        )

    assert declined.status == InvitationStatus.DECLINED


# Discovery ------------------------------------------------------------------------------------


def test_the_public_list_filters_by_district_topic_and_step_free_site(city: City) -> None:
    choir = make_team(city)
    photo = make_team(
        city,
        district="b",
        name_zh="徐汇摄影社",
        topic=TeamTopic.PHOTOGRAPHY,
        site=None,
        meeting_place="公园门口",
    )
    make_team(city, approve=False, name_zh="未批准")

    assert list(selectors.team_list()) == [choir, photo]
    assert list(selectors.team_list(district_code=city.b.area.code)) == [photo]
    assert list(selectors.team_list(topic=TeamTopic.SINGING)) == [choir]
    assert list(selectors.team_list(step_free=True)) == [choir]
    assert list(selectors.team_list(hearing_loop=True)) == []
    assert list(selectors.team_list(town_code=city.a.town.code)) == [choir]
    assert list(selectors.team_list(q="摄影")) == [photo]
    counts = {d.code: d.teams for d in selectors.team_map()}
    assert counts == {city.a.area.code: 1, city.b.area.code: 1}


def test_leaving_twice_answers_with_the_membership_left(city: City) -> None:
    team = make_team(city)
    member = make_member(city, team)

    first = services.team_leave(actor=member.user, public_id=team.public_id)
    again = services.team_leave(actor=member.user, public_id=team.public_id)

    assert first.pk == again.pk
    assert again.status == MembershipStatus.LEFT


def test_the_same_review_sent_twice_is_one_review(city: City) -> None:
    team = make_team(city)
    fields: dict[str, Any] = {
        "actor": city.a.school_admin,
        "public_id": team.public_id,
        "year": 2026,
        "outcome": ReviewOutcome.GOOD,
        "comments": "正常",
    }

    first = services.team_review(**fields)
    again = services.team_review(**fields)

    assert first.pk == again.pk
    assert AuditEntry.objects.filter(action="communities.team_review").count() == 1
