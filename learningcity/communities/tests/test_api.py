"""The communities API: public lists, residents' writes, schools' decisions, and scope."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from learningcity.accounts.services import api_token_create
from learningcity.communities import services
from learningcity.communities.choices import OrganizationType, TeamStatus
from learningcity.communities.models import LearningTeam, TeamActivity, VolunteerHours
from learningcity.communities.tests.factories import (
    make_award,
    make_criteria,
    make_member,
    make_resident,
    make_team,
)
from learningcity.core import clock
from learningcity.network.tests.factories import City

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


def bearer(user: Any, **extra: str) -> dict[str, str]:
    token = api_token_create(actor=None, user=user, name="t").plaintext
    return {"Authorization": f"Bearer {token}", **extra}


def test_anyone_lists_approved_teams_with_filters(city: City, client: Client) -> None:
    choir = make_team(city)
    make_team(city, district="b", name_zh="徐汇读书会", topic="reading")
    make_team(city, approve=False, name_zh="未批准")

    body = client.get(f"/api/v1/communities/teams?district={city.a.area.code}").json()

    assert body["count"] == 1
    item = body["items"][0]
    assert (item["id"], item["name_zh"], item["town"], item["district"], item["members"]) == (
        str(choir.public_id),
        "外滩合唱团",
        city.a.town.code,
        city.a.area.code,
        1,
    )
    assert item["step_free"] is True


def test_the_team_list_runs_a_fixed_number_of_queries(
    city: City, client: Client, django_assert_max_num_queries: Any
) -> None:
    for n in range(5):
        make_team(city, name_zh=f"团队{n}")

    with django_assert_max_num_queries(2):
        response = client.get("/api/v1/communities/teams?limit=50")

    assert response.json()["count"] == 5


def test_a_pending_team_is_hidden_from_the_public(city: City, client: Client) -> None:
    team = make_team(city, approve=False)
    path = f"/api/v1/communities/teams/{team.public_id}"

    assert client.get(path).status_code == 404
    assert client.get(path, headers=bearer(team.founder.user)).status_code == 200
    assert client.get(path, headers=bearer(city.a.school_admin)).status_code == 200
    assert client.get(path, headers=bearer(city.b.school_admin)).status_code == 404


def test_a_resident_applies_once_per_idempotency_key(city: City, client: Client) -> None:
    founder = make_resident(city)
    headers = bearer(founder.user, **{"Idempotency-Key": "found-1"})
    body = {
        "name_zh": "太极队",
        "topic": "fitness",
        "town": city.a.town.code,
        "meeting_place": "公园",
        "schedule": "每天早上7点",
    }

    first = client.post("/api/v1/communities/teams", body, "application/json", headers=headers)
    second = client.post("/api/v1/communities/teams", body, "application/json", headers=headers)

    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert first.json()["status"] == "pending"
    assert LearningTeam.objects.filter(founder=founder).count() == 1


def test_a_bad_application_gets_field_messages_in_english(city: City, client: Client) -> None:
    founder = make_resident(city)
    body = {"name_zh": "x", "topic": "fitness", "town": city.a.area.code, "schedule": "x"}

    response = client.post(
        "/api/v1/communities/teams",
        body,
        "application/json",
        headers=bearer(founder.user, **{"Accept-Language": "en"}),
    )

    assert response.status_code == 400
    assert response.json()["fields"] == {
        "town": ["Choose the town or subdistrict where the team meets."],
        "meeting_place": ["Say where the team meets, or choose a learning site."],
    }


def test_the_school_sees_and_decides_its_pending_teams_only(city: City, client: Client) -> None:
    team = make_team(city, approve=False)
    make_team(city, district="b", approve=False, name_zh="徐汇")

    mine = client.get(
        "/api/v1/communities/staff/teams?status=pending", headers=bearer(city.a.school_admin)
    ).json()
    other = client.post(
        f"/api/v1/communities/teams/{team.public_id}/decision",
        {"approve": True},
        "application/json",
        headers=bearer(city.b.school_admin),
    )
    decided = client.post(
        f"/api/v1/communities/teams/{team.public_id}/decision",
        {"approve": True},
        "application/json",
        headers=bearer(city.a.school_admin),
    )

    assert [t["id"] for t in mine["items"]] == [str(team.public_id)]
    assert other.status_code == 404
    assert (decided.status_code, decided.json()["status"]) == (200, TeamStatus.ACTIVE)


def test_staff_team_list_is_empty_for_a_resident(city: City, client: Client) -> None:
    make_team(city, approve=False)
    resident = make_resident(city)

    body = client.get("/api/v1/communities/staff/teams", headers=bearer(resident.user)).json()

    assert body["count"] == 0


def test_join_requests_are_for_the_leader_and_the_school(city: City, client: Client) -> None:
    team = make_team(city)
    newcomer = make_resident(city)
    joined = client.post(
        f"/api/v1/communities/teams/{team.public_id}/join", headers=bearer(newcomer.user)
    )
    path = f"/api/v1/communities/teams/{team.public_id}/requests"

    leader = client.get(path, headers=bearer(team.founder.user))
    outsider = client.get(path, headers=bearer(make_resident(city).user))
    other_school = client.get(path, headers=bearer(city.b.school_admin))
    answer = client.post(
        f"/api/v1/communities/memberships/{joined.json()['id']}/decision",
        {"accept": True},
        "application/json",
        headers=bearer(team.founder.user),
    )

    assert joined.status_code == 201
    assert [r["status"] for r in leader.json()["items"]] == ["requested"]
    assert (outsider.status_code, other_school.status_code) == (404, 404)
    assert answer.json()["status"] == "active"


def test_a_member_logs_an_activity_with_photos_once(city: City, client: Client) -> None:
    team = make_team(city)
    member = make_member(city, team)
    headers = bearer(member.user, **{"Idempotency-Key": "act-1"})
    path = f"/api/v1/communities/teams/{team.public_id}/activities"

    def send() -> Any:
        return client.post(
            path,
            {
                "held_on": clock.today().isoformat(),
                "title": "户外写生",
                "attendees": "12",
                "photos": SimpleUploadedFile("p.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 32),
                "photo_descriptions": "湖边写生",
            },
            headers=headers,
        )

    first, second = send(), send()

    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert first.json()["photos"] == 1
    assert TeamActivity.objects.count() == 1


def test_an_outsider_cannot_log_an_activity(city: City, client: Client) -> None:
    team = make_team(city)

    response = client.post(
        f"/api/v1/communities/teams/{team.public_id}/activities",
        {"held_on": clock.today().isoformat(), "title": "x"},
        headers=bearer(make_resident(city).user),
    )

    assert response.status_code == 404


def test_recognition_scoring_is_scoped_and_results_public(city: City, client: Client) -> None:
    make_criteria(city)
    applicant = make_resident(city)
    applied = client.post(
        "/api/v1/communities/recognition",
        {
            "year": 2026,
            "organization_type": OrganizationType.ENTERPRISE,
            "name_zh": "黄浦学习型企业",
            "area": city.a.area.code,
            "statement": "读书会",
        },
        "application/json",
        headers=bearer(applicant.user, **{"Idempotency-Key": "r1"}),
    ).json()
    scores = f"/api/v1/communities/recognition/{applied['id']}/scores"

    other = client.post(
        scores,
        {"criterion": "PLAN", "score": 9},
        "application/json",
        headers=bearer(city.b.officer),
    )
    for code, value in (("PLAN", 10), ("HOURS", 20)):
        client.post(
            scores,
            {"criterion": code, "score": value},
            "application/json",
            headers=bearer(city.a.officer),
        )
    published = client.post(
        f"/api/v1/communities/recognition/{applied['id']}/publish",
        {},
        "application/json",
        headers=bearer(city.a.officer),
    ).json()
    public = client.get("/api/v1/communities/organizations?year=2026").json()
    b_list = client.get("/api/v1/communities/recognition", headers=bearer(city.b.officer)).json()

    assert other.status_code == 404
    assert (published["status"], published["total_score"]) == ("recognised", "100.00")
    assert [o["name_zh"] for o in public["items"]] == ["黄浦学习型企业"]
    assert b_list["count"] == 0


def test_the_showcase_never_shows_more_than_consented(city: City, client: Client) -> None:
    award = make_award(city)
    learner = make_resident(city, name="张美兰")
    nominated = client.post(
        "/api/v1/communities/nominations",
        {"award": award.code, "learner_id": str(learner.public_id), "story": "学会了摄影"},
        "application/json",
        headers=bearer(city.a.officer),
    )
    out_of_scope = client.post(
        "/api/v1/communities/nominations",
        {"award": award.code, "learner_id": str(learner.public_id), "story": "x"},
        "application/json",
        headers=bearer(city.b.officer),
    )
    nomination_id = nominated.json()["id"]
    client.post(
        f"/api/v1/communities/nominations/{nomination_id}/review",
        {"award": True, "reason": "突出"},
        "application/json",
        headers=bearer(city.root),
    )
    client.post(
        f"/api/v1/communities/nominations/{nomination_id}/consent",
        {"show_name": True, "show_story": False},
        "application/json",
        headers=bearer(learner.user),
    )

    body = client.get("/api/v1/communities/showcase?year=2026").json()

    assert (nominated.status_code, out_of_scope.status_code) == (201, 404)
    assert body["items"] == [
        {"award": "学习之星", "year": 2026, "district": "黄浦区", "name": "张美兰", "story": None}
    ]
    assert "id_number" not in str(body)


def test_volunteer_pool_invitation_and_hours(city: City, client: Client) -> None:
    volunteer = make_resident(city)
    offered = client.put(
        "/api/v1/communities/me/volunteer",
        {
            "display_name": "陈老师",
            "skills": "英语口语",
            "languages": ["en", "zh"],
            "availability": ["weekend"],
            "districts": [city.a.area.code],
        },
        "application/json",
        headers=bearer(volunteer.user),
    ).json()
    found = client.get(
        "/api/v1/communities/volunteers?language=en", headers=bearer(city.a.school_admin)
    ).json()
    refused = client.get("/api/v1/communities/volunteers", headers=bearer(make_resident(city).user))
    invited = client.post(
        f"/api/v1/communities/volunteers/{offered['id']}/invitations",
        {"subject": "英语角", "organization": city.a.school.code},
        "application/json",
        headers=bearer(city.a.school_admin, **{"Idempotency-Key": "i1"}),
    ).json()
    client.post(
        f"/api/v1/communities/invitations/{invited['id']}/answer",
        {"accept": True},
        "application/json",
        headers=bearer(volunteer.user),
    )
    hours_path = f"/api/v1/communities/invitations/{invited['id']}/hours"
    body = {"taught_on": (clock.today() - dt.timedelta(days=2)).isoformat(), "hours": "1.5"}
    school = bearer(city.a.school_admin, **{"Idempotency-Key": "h1"})
    first = client.post(hours_path, body, "application/json", headers=school)
    retry = client.post(hours_path, body, "application/json", headers=school)
    other = client.post(hours_path, body, "application/json", headers=bearer(city.b.school_admin))
    mine = client.get("/api/v1/communities/me/invitations", headers=bearer(volunteer.user)).json()

    assert [v["id"] for v in found["items"]] == [offered["id"]]
    assert sorted(offered["languages"]) == ["en", "zh"]
    assert refused.status_code == 403
    assert first.status_code == retry.status_code == 201
    assert first.json()["id"] == retry.json()["id"]
    assert other.status_code == 404
    assert VolunteerHours.objects.count() == 1
    assert (mine["items"][0]["status"], mine["items"][0]["hours_taught"]) == ("accepted", "1.5")


def test_review_a_team_and_list_star_teams(city: City, client: Client) -> None:
    team = make_team(city)
    year = clock.today().year

    reviewed = client.post(
        f"/api/v1/communities/teams/{team.public_id}/reviews",
        {"year": year, "outcome": "star", "comments": "优秀"},
        "application/json",
        headers=bearer(city.a.school_admin),
    )
    other = client.post(
        f"/api/v1/communities/teams/{team.public_id}/reviews",
        {"year": year, "outcome": "star", "comments": "x"},
        "application/json",
        headers=bearer(city.b.school_admin),
    )
    stars = client.get(f"/api/v1/communities/star-teams?year={year}").json()

    assert (reviewed.status_code, other.status_code) == (201, 404)
    assert [(t["id"], t["star"]) for t in stars["items"]] == [(str(team.public_id), True)]


def test_writes_need_a_login(city: City, client: Client) -> None:
    team = make_team(city)

    response = client.post(f"/api/v1/communities/teams/{team.public_id}/join")

    assert response.status_code == 401


def test_the_leader_hands_over_and_another_member_cannot(city: City, client: Client) -> None:
    team = make_team(city)
    member = make_member(city, team)
    other = make_member(city, team)
    membership = team.memberships.get(learner=member)
    path = f"/api/v1/communities/memberships/{membership.public_id}/role"

    refused = client.post(path, {"role": "leader"}, "application/json", headers=bearer(other.user))
    handed = client.post(
        path, {"role": "leader"}, "application/json", headers=bearer(team.founder.user)
    )

    assert refused.status_code == 404
    assert (handed.status_code, handed.json()["role"]) == (200, "leader")
    founder = team.memberships.get(learner=team.founder)
    assert founder.role == "deputy"


@pytest.mark.parametrize(
    ("path", "as_school", "most"),
    [
        ("/api/v1/communities/staff/teams", True, 4),
        ("/api/v1/communities/star-teams?year=2026", False, 2),
        ("/api/v1/communities/organizations?year=2026", False, 2),
        ("/api/v1/communities/showcase", False, 1),
        ("/api/v1/communities/volunteers", True, 5),
    ],
)
def test_lists_run_a_fixed_number_of_queries(
    city: City,
    client: Client,
    django_assert_max_num_queries: Any,
    path: str,
    as_school: bool,
    most: int,
) -> None:
    award = make_award(city)
    for n in range(4):
        team = make_team(city, approve=n % 2 == 0, name_zh=f"团队{n}")
        founder = team.founder
        services.volunteer_offer(
            actor=founder.user,
            display_name=f"老师{n}",
            skills="书法",
            languages=["zh"],
            availability=["weekend"],
            district_codes=[city.a.area.code],
        )
        nomination = services.nomination_create(
            actor=city.a.officer, award=award, learner=founder, story="x"
        )
        services.nomination_review(
            actor=city.root, public_id=nomination.public_id, award=True, reason="x"
        )
    headers = bearer(city.a.school_admin) if as_school else {}

    with django_assert_max_num_queries(most):
        response = client.get(path, headers=headers)

    assert response.status_code == 200


def test_every_other_endpoint_refuses_those_out_of_scope(city: City, client: Client) -> None:
    team = make_team(city)
    pending = make_team(city, approve=False, name_zh="待批")
    stranger = make_resident(city)
    award = make_award(city)
    nominee = make_resident(city)
    nomination = services.nomination_create(
        actor=city.a.officer, award=award, learner=nominee, story="x"
    )
    make_criteria(city)
    application = services.recognition_apply(
        actor=stranger.user,
        year=2026,
        organization_type=OrganizationType.ENTERPRISE,
        name_zh="企业",
        area=city.a.area,
        statement="x",
    )
    volunteer = make_resident(city)
    profile = services.volunteer_offer(
        actor=volunteer.user,
        display_name="v",
        skills="x",
        languages=["zh"],
        availability=["weekend"],
        district_codes=[city.a.area.code],
    )
    invitation = services.volunteer_invite(
        actor=city.a.school_admin,
        volunteer_id=profile.public_id,
        organization=city.a.school,
        subject="x",
    )

    def post(path: str, user: Any, body: dict[str, Any] | None = None) -> int:
        return client.post(path, body or {}, "application/json", headers=bearer(user)).status_code

    def get(path: str, user: Any | None = None) -> Any:
        return client.get(path, headers=bearer(user) if user else {})

    assert post(f"/api/v1/communities/teams/{team.public_id}/leave", stranger.user) == 404
    assert get("/api/v1/communities/me/teams", city.a.officer).status_code == 403
    assert get(f"/api/v1/communities/teams/{pending.public_id}/activities").status_code == 404
    assert (
        post(f"/api/v1/communities/recognition/{application.public_id}/publish", city.b.officer)
        == 404
    )
    assert (
        post(
            f"/api/v1/communities/nominations/{nomination.public_id}/consent",
            stranger.user,
            {"show_name": True, "show_story": True},
        )
        == 404
    )
    assert (
        post(
            f"/api/v1/communities/nominations/{nomination.public_id}/review",
            city.b.officer,
            {"award": True, "reason": "x"},
        )
        == 404
    )
    assert get("/api/v1/communities/nominations", city.b.officer).json()["count"] == 0
    assert get("/api/v1/communities/nominations", city.a.town_officer).json()["count"] == 1
    assert (
        post(
            f"/api/v1/communities/volunteers/{profile.public_id}/invitations",
            city.b.school_admin,
            {"subject": "x", "organization": city.a.school.code},
        )
        == 404
    )
    assert get("/api/v1/communities/invitations", city.b.school_admin).json()["count"] == 0
    assert get("/api/v1/communities/invitations", city.a.school_admin).json()["count"] == 1
    assert (
        post(
            f"/api/v1/communities/invitations/{invitation.public_id}/answer",
            stranger.user,
            {"accept": True},
        )
        == 404
    )


def test_only_the_municipal_administration_publishes_criteria(city: City, client: Client) -> None:
    body = {
        "year": 2027,
        "organization_type": "family",
        "code": "READ",
        "name_zh": "家庭藏书",
        "max_score": 10,
        "weight": 2,
    }

    district = client.post(
        "/api/v1/communities/criteria", body, "application/json", headers=bearer(city.a.officer)
    )
    city_wide = client.post(
        "/api/v1/communities/criteria", body, "application/json", headers=bearer(city.root)
    )
    public = client.get("/api/v1/communities/criteria?year=2027").json()

    assert (district.status_code, city_wide.status_code) == (403, 201)
    assert [c["code"] for c in public["items"]] == ["READ"]


def test_an_office_sets_up_an_award_only_for_itself(city: City, client: Client) -> None:
    body = {"code": "HP-STAR", "year": 2026, "name_zh": "黄浦学习之星", "owner": city.a.office.code}

    other = client.post(
        "/api/v1/communities/awards", body, "application/json", headers=bearer(city.b.officer)
    )
    own = client.post(
        "/api/v1/communities/awards", body, "application/json", headers=bearer(city.a.officer)
    )
    listed = client.get("/api/v1/communities/awards").json()

    assert (other.status_code, own.status_code) == (403, 201)
    assert [a["code"] for a in listed["items"]] == ["HP-STAR"]
