"""Community pages: who may see and do what, and the page answers they get."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation

from learningcity.communities import services
from learningcity.communities.choices import MembershipStatus, TeamStatus
from learningcity.communities.models import ActivityPhoto, LearningTeam, Nomination, TeamMembership
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

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


def logged_in(client: Client, user: Any) -> Client:
    client.force_login(user)
    return client


def test_anyone_finds_teams_with_filters(city: City, client: Client) -> None:
    make_team(city)
    make_team(city, district="b", name_zh="徐汇读书会", topic="reading")

    all_teams = client.get("/communities/")
    huangpu = client.get(f"/communities/?district={city.a.area.code}")
    xuhui_town = client.get(f"/communities/?town={city.b.town.code}&step_free=on")

    assert all_teams.status_code == 200
    assert "外滩合唱团" in all_teams.content.decode()
    assert "徐汇读书会" in all_teams.content.decode()
    assert "徐汇读书会" not in huangpu.content.decode()
    assert "徐汇读书会" in xuhui_town.content.decode()
    assert "外滩合唱团" not in xuhui_town.content.decode()


def test_the_team_list_page_runs_a_fixed_number_of_queries(
    city: City, client: Client, django_assert_max_num_queries: Any
) -> None:
    for n in range(6):
        make_team(city, name_zh=f"团队{n}")

    with django_assert_max_num_queries(6):
        response = client.get("/communities/")

    assert response.status_code == 200


def test_the_map_counts_teams_per_district_in_svg_and_a_list(city: City, client: Client) -> None:
    make_team(city)

    body = client.get("/communities/map/").content.decode()

    assert "<svg" in body
    assert "黄浦区一街道: 1" in body
    assert "徐汇区一街道: 0" in body


def test_a_pending_team_page_is_for_its_founder_and_its_school_only(
    city: City, client: Client
) -> None:
    team = make_team(city, approve=False)
    path = f"/communities/teams/{team.public_id}/"

    assert client.get(path).status_code == 404
    assert logged_in(Client(), team.founder.user).get(path).status_code == 200
    school_page = logged_in(Client(), city.a.school_admin).get(path)
    assert school_page.status_code == 200
    assert "communities/teams/" in school_page.content.decode()
    assert logged_in(Client(), city.b.school_admin).get(path).status_code == 404


def test_the_school_approves_from_the_team_page(city: City) -> None:
    team = make_team(city, approve=False)
    path = f"/communities/teams/{team.public_id}/decision/"

    other = logged_in(Client(), city.b.school_admin).post(path, {"decision": "approve"})
    mine = logged_in(Client(), city.a.school_admin).post(path, {"decision": "approve"})

    assert other.status_code == 404
    assert mine.status_code == 302
    team.refresh_from_db()
    assert team.status == TeamStatus.ACTIVE


def test_a_resident_founds_a_team_in_two_steps(city: City) -> None:
    founder = make_resident(city)
    client = logged_in(Client(), founder.user)

    step_one = client.get("/communities/teams/new/")
    step_two = client.get(f"/communities/teams/new/?town={city.a.town.pk}")
    sent = client.post(
        "/communities/teams/new/",
        {
            "name_zh": "摄影社",
            "topic": "photography",
            "town": city.a.town.pk,
            "site": city.a.site.pk,
            "schedule": "每周六上午",
            "idempotency_key": "form-1",
        },
    )
    again = client.post(
        "/communities/teams/new/",
        {
            "name_zh": "摄影社",
            "topic": "photography",
            "town": city.a.town.pk,
            "site": city.a.site.pk,
            "schedule": "每周六上午",
            "idempotency_key": "form-1",
        },
    )

    assert step_one.status_code == step_two.status_code == 200
    assert city.a.site.name_zh in step_two.content.decode()
    assert sent.status_code == again.status_code == 302
    assert LearningTeam.objects.filter(founder=founder).count() == 1


def test_a_bad_application_shows_field_errors(city: City) -> None:
    client = logged_in(Client(), make_resident(city).user)

    with translation.override("en"):
        response = client.post(
            "/communities/teams/new/",
            {"name_zh": "x", "topic": "photography", "town": city.a.town.pk, "schedule": "x"},
            HTTP_ACCEPT_LANGUAGE="en",
        )

    assert response.status_code == 400
    assert "Say where the team meets, or choose a learning site." in response.content.decode()


def test_staff_without_a_learner_cannot_found_a_team(city: City) -> None:
    response = logged_in(Client(), city.a.officer).get("/communities/teams/new/")

    assert response.status_code == 403


def test_joining_and_leaving_from_the_page(city: City) -> None:
    team = make_team(city)
    neighbour = make_resident(city)
    client = logged_in(Client(), neighbour.user)

    client.post(f"/communities/teams/{team.public_id}/join/")
    requested = TeamMembership.objects.get(team=team, learner=neighbour)
    leader = logged_in(Client(), team.founder.user)
    outsider = logged_in(Client(), make_resident(city).user)
    refused = outsider.post(
        f"/communities/memberships/{requested.public_id}/decision/", {"accept": "yes"}
    )
    leader.post(f"/communities/memberships/{requested.public_id}/decision/", {"accept": "yes"})
    client.post(f"/communities/teams/{team.public_id}/leave/")

    assert refused.status_code == 404
    requested.refresh_from_db()
    assert requested.status == MembershipStatus.LEFT


def test_join_needs_a_login(city: City, client: Client) -> None:
    team = make_team(city)

    response = client.post(f"/communities/teams/{team.public_id}/join/")

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_a_member_logs_an_activity_with_a_photo_anyone_sees(city: City) -> None:
    team = make_team(city)
    member = make_member(city, team)
    client = logged_in(Client(), member.user)

    form = client.get(f"/communities/teams/{team.public_id}/activities/new/")
    sent = client.post(
        f"/communities/teams/{team.public_id}/activities/new/",
        {
            "held_on": clock.today().isoformat(),
            "title": "公园写生",
            "attendees": 9,
            "photo": SimpleUploadedFile("p.jpg", JPEG),
            "photo_description": "湖边的画架",
        },
    )
    photo = ActivityPhoto.objects.get()
    public = Client().get(f"/communities/photos/{photo.public_id}/")
    page = Client().get(f"/communities/teams/{team.public_id}/").content.decode()

    assert form.status_code == 200
    assert sent.status_code == 302
    assert (public.status_code, public["Content-Type"]) == (200, "image/jpeg")
    assert 'alt="湖边的画架"' in page


def test_a_non_image_photo_is_refused_on_the_form(city: City) -> None:
    team = make_team(city)
    client = logged_in(Client(), team.founder.user)

    with translation.override("en"):
        response = client.post(
            f"/communities/teams/{team.public_id}/activities/new/",
            {
                "held_on": clock.today().isoformat(),
                "title": "x",
                "attendees": 1,
                "photo": SimpleUploadedFile("p.jpg", b"GIF89a not allowed"),
                "photo_description": "x",
            },
            HTTP_ACCEPT_LANGUAGE="en",
        )

    assert response.status_code == 400
    assert "Upload a photo as a JPEG or PNG file." in response.content.decode()


def test_an_outsider_cannot_open_the_activity_form(city: City) -> None:
    team = make_team(city)

    response = logged_in(Client(), make_resident(city).user).get(
        f"/communities/teams/{team.public_id}/activities/new/"
    )

    assert response.status_code == 404


def test_a_pending_teams_photo_is_not_public(city: City) -> None:
    team = make_team(city)
    services.activity_log(
        actor=team.founder.user,
        public_id=team.public_id,
        held_on=clock.today(),
        title="x",
        photos=[(SimpleUploadedFile("p.jpg", JPEG), "x")],
    )
    LearningTeam.objects.filter(pk=team.pk).update(status=TeamStatus.DISSOLVED)
    photo = ActivityPhoto.objects.get()

    assert Client().get(f"/communities/photos/{photo.public_id}/").status_code == 404
    member_view = logged_in(Client(), team.founder.user).get(
        f"/communities/photos/{photo.public_id}/"
    )
    assert member_view.status_code == 200


def test_the_school_reviews_and_names_a_star_team(city: City) -> None:
    team = make_team(city)
    year = clock.today().year
    path = f"/communities/teams/{team.public_id}/review/"
    body = {"year": year, "outcome": "star", "comments": "很好"}

    other = logged_in(Client(), city.b.school_admin).post(path, body)
    mine = logged_in(Client(), city.a.school_admin).post(path, body)
    public = Client().get(f"/communities/organizations/?year={year}").content.decode()

    assert (other.status_code, mine.status_code) == (404, 302)
    assert team.name_zh in public


def test_my_page_answers_invitations_and_consents(city: City) -> None:
    volunteer = make_resident(city)
    client = logged_in(Client(), volunteer.user)
    offered = client.post(
        "/communities/volunteer/",
        {
            "display_name": "陈老师",
            "skills": "剪纸",
            "languages": ["zh"],
            "availability": ["weekend"],
            "districts": [city.a.area.code],
            "is_active": "on",
        },
    )
    profile = volunteer.volunteer_profile
    invitation = services.volunteer_invite(
        actor=city.a.school_admin,
        volunteer_id=profile.public_id,
        organization=city.a.school,
        subject="剪纸课",
    )
    nomination = services.nomination_create(
        actor=city.a.officer, award=make_award(city), learner=volunteer, story="热心教学"
    )

    page = client.get("/communities/mine/")
    stranger = logged_in(Client(), make_resident(city).user)
    refused = stranger.post(
        f"/communities/invitations/{invitation.public_id}/answer/", {"accept": "yes"}
    )
    client.post(f"/communities/invitations/{invitation.public_id}/answer/", {"accept": "yes"})
    not_mine = stranger.post(f"/communities/nominations/{nomination.public_id}/consent/", {})
    client.post(f"/communities/nominations/{nomination.public_id}/consent/", {"show_story": "on"})

    assert offered.status_code == 302
    assert "剪纸课" in page.content.decode()
    assert (refused.status_code, not_mine.status_code) == (404, 404)
    invitation.refresh_from_db()
    nomination.refresh_from_db()
    assert invitation.status == "accepted"
    assert (nomination.show_name, nomination.show_story) == (False, True)


def test_the_school_desk_lists_only_its_own_queue(city: City) -> None:
    make_team(city, approve=False, name_zh="黄浦待批")
    make_team(city, district="b", approve=False, name_zh="徐汇待批")

    a = logged_in(Client(), city.a.school_admin).get("/communities/staff/").content.decode()
    resident = logged_in(Client(), make_resident(city).user).get("/communities/staff/")

    assert "黄浦待批" in a
    assert "徐汇待批" not in a
    assert "徐汇待批" not in resident.content.decode()


def test_the_showcase_page_shows_only_consented_details(city: City, client: Client) -> None:
    learner = make_resident(city, name="张美兰")
    nomination = services.nomination_create(
        actor=city.a.officer, award=make_award(city), learner=learner, story="七十岁学摄影"
    )
    services.nomination_review(
        actor=city.root, public_id=nomination.public_id, award=True, reason="好"
    )

    body = client.get("/communities/showcase/").content.decode()

    assert "张美兰" not in body
    assert "七十岁学摄影" not in body
    assert "黄浦区" in body


def test_the_organizations_page_lists_criteria(city: City, client: Client) -> None:
    make_criteria(city)

    body = client.get("/communities/organizations/?year=2026").content.decode()

    assert "学习规划" in body


def test_resident_pages_refuse_a_login_without_a_learner(city: City) -> None:
    staff = logged_in(Client(), city.a.officer)

    assert staff.get("/communities/mine/").status_code == 403
    assert staff.get("/communities/volunteer/").status_code == 403


def test_pages_that_write_need_a_login(city: City, client: Client) -> None:
    for path in ("/communities/recognition/apply/", "/communities/mine/", "/communities/staff/"):
        response = client.get(path)
        assert (response.status_code, response["Location"].split("?")[0]) == (
            302,
            "/accounts/login/",
        )


def test_leaving_a_team_one_is_not_in_changes_nothing(city: City) -> None:
    team = make_team(city)
    stranger = make_resident(city)

    response = logged_in(Client(), stranger.user).post(
        f"/communities/teams/{team.public_id}/leave/"
    )

    assert response.status_code == 302
    assert TeamMembership.objects.filter(team=team).count() == 1


def test_the_leader_changes_roles_from_the_team_page(city: City) -> None:
    team = make_team(city)
    member = make_member(city, team)
    membership = TeamMembership.objects.get(team=team, learner=member)
    path = f"/communities/memberships/{membership.public_id}/role/"

    page = logged_in(Client(), team.founder.user).get(f"/communities/teams/{team.public_id}/")
    other = logged_in(Client(), make_resident(city).user).post(path, {"role": "deputy"})
    done = logged_in(Client(), team.founder.user).post(path, {"role": "deputy"})

    assert path in page.content.decode()
    assert (other.status_code, done.status_code) == (404, 302)
    membership.refresh_from_db()
    assert membership.role == "deputy"


def test_the_leader_nominates_a_member_for_this_years_award(city: City) -> None:
    services.award_create(
        actor=city.root,
        code="STAR-NOW",
        year=clock.today().year,
        name_zh="学习之星",
        owner=city.commission,
    )
    team = make_team(city)
    member = make_member(city, team)
    membership = TeamMembership.objects.get(team=team, learner=member)
    path = f"/communities/memberships/{membership.public_id}/nominate/"

    plain = logged_in(Client(), make_member(city, team).user).get(path)
    form = logged_in(Client(), team.founder.user).get(path)
    award = form.context["form"].fields["award"].queryset.get()
    sent = logged_in(Client(), team.founder.user).post(
        path, {"award": award.pk, "story": "每周都来"}
    )

    assert (plain.status_code, form.status_code, sent.status_code) == (404, 200, 302)
    assert Nomination.objects.get().team == team


def test_the_admin_lists_only_teams_in_scope(city: City) -> None:
    make_team(city, name_zh="黄浦团队")
    make_team(city, district="b", name_zh="徐汇团队")
    officer = city.a.officer
    officer.is_staff = True
    officer.save(update_fields=["is_staff"])
    officer.user_permissions.add(Permission.objects.get(codename="view_learningteam"))

    body = logged_in(Client(), officer).get("/admin/communities/learningteam/").content.decode()

    assert "黄浦团队" in body
    assert "徐汇团队" not in body
