"""Learning teams as residents and schools use them: finding a team by district on the list
and the map, founding one, the school approving it, a neighbour joining, a member logging an
activity with a photo; the public pages of recognised organizations and learning stars.
Every page visited is audited with axe, in Chinese and in English, on a PC and a phone."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.hashers import make_password
from playwright.sync_api import FilePayload, Page, expect

from learningcity.accounts.models import User
from learningcity.communities import services
from learningcity.communities.tests.factories import (
    make_award,
    make_criteria,
    make_resident,
    make_team,
)
from learningcity.network.tests.factories import City
from tests.browser import pages
from tests.browser.pages import PASSWORD

pytestmark = pytest.mark.browser

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
    b"\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


def log_in(page: Page, user: Any, next_url: str) -> None:
    User.objects.filter(pk=user.pk).update(password=make_password(PASSWORD))
    page.context.clear_cookies()
    pages.log_in(page, user.username, next_url, password=PASSWORD)


def test_a_visitor_finds_a_team_by_district_on_the_list_and_the_map(
    english_page: Page, city: City, assert_accessible: Any
) -> None:
    # Given an approved team in each district
    make_team(city, name_en="Bund Choir")
    make_team(city, district="b", name_zh="徐汇读书会", name_en="Xuhui Readers", topic="reading")
    page = english_page

    # When a visitor filters the list by Xuhui
    page.goto("/communities/")
    assert_accessible(page)
    page.locator("#id_district").select_option(label="Xuhui")
    page.get_by_role("button", name="Show teams").click()

    # Then only Xuhui's team is listed, and its page tells where and when it meets
    expect(page.get_by_role("status")).to_have_text("1 team found")
    page.get_by_role("link", name="Xuhui Readers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Xuhui Readers")
    expect(page.locator("dl.facts")).to_contain_text("Step-free site")
    assert_accessible(page)

    # And the map shows both districts, with their towns listed
    page.goto("/communities/map/")
    expect(
        page.get_by_role("img", name=re.compile("Learning teams in each district"))
    ).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("Huangpu — 1 team"))).to_be_visible()
    assert_accessible(page)


def test_a_resident_founds_a_team_the_school_approves_and_a_neighbour_joins(
    page: Page, city: City, assert_accessible: Any
) -> None:
    founder = make_resident(city)
    neighbour = make_resident(city, name="李建国")

    # When the founder applies in two steps (town, then the team)
    log_in(page, founder.user, "/communities/teams/new/")
    assert_accessible(page)
    page.locator("#id_town").select_option(str(city.a.town.pk))
    page.get_by_role("button", name=re.compile("^(Next|下一步)$")).click()
    page.locator("#id_name_zh").fill("外滩剪纸社")
    page.locator("#id_topic").select_option("crafts")
    page.locator("#id_site").select_option(str(city.a.site.pk))
    page.locator("#id_schedule").fill("每周四 9:00")
    assert_accessible(page)
    page.get_by_role("button", name=re.compile("Send the application|提交申请")).click()

    # Then her team waits for the school
    expect(page.get_by_role("heading", level=1)).to_have_text("外滩剪纸社")
    expect(page.locator("dl.facts")).to_contain_text(re.compile("Waiting for approval|等待审批"))
    assert_accessible(page)
    team_url = page.url.replace(page.url.split("/communities/")[0], "")

    # When the town's community school approves it from its desk
    log_in(page, city.a.school_admin, "/communities/staff/")
    assert_accessible(page)
    page.get_by_role("link", name="外滩剪纸社").click()
    page.get_by_label(re.compile("Approve the team|批准成立")).check()
    page.get_by_role("button", name=re.compile("Record the decision|提交决定")).click()
    expect(page.locator("dl.facts")).to_contain_text(re.compile("Approved and active|已批准"))
    assert_accessible(page)

    # And a neighbour asks to join and the founder lets him in
    log_in(page, neighbour.user, team_url)
    page.get_by_role("button", name=re.compile("Ask to join this team|申请加入")).click()
    expect(page.get_by_role("status")).to_contain_text(re.compile("leader|负责人"))
    log_in(page, founder.user, team_url)
    page.get_by_role("button", name=re.compile("Let 李建国 in|同意李建国加入")).click()
    expect(page.get_by_role("list").filter(has_text="李建国")).to_be_visible()
    assert_accessible(page)

    # Then the neighbour logs an activity with a described photo
    log_in(page, neighbour.user, team_url)
    page.get_by_role("link", name=re.compile("Log an activity|记录活动")).click()
    page.locator("#id_title").fill("剪纸体验课")
    page.locator("#id_attendees").fill("12")
    page.locator("#id_photo").set_input_files(
        files=[FilePayload(name="class.png", mimeType="image/png", buffer=PNG)]
    )
    page.locator("#id_photo_description").fill("大家在剪窗花")
    assert_accessible(page)
    page.get_by_role("button", name=re.compile("Save to the log|保存到活动记录")).click()
    expect(page.get_by_role("img", name="大家在剪窗花")).to_be_visible()
    assert_accessible(page)


def test_the_public_pages_of_organizations_and_stars_on_a_phone(
    phone_page: Page, city: City, assert_accessible: Any
) -> None:
    make_criteria(city)
    learner = make_resident(city, name="张美兰")
    nomination = services.nomination_create(
        actor=city.a.officer, award=make_award(city), learner=learner, story="七十岁学会了摄影"
    )
    services.nomination_review(
        actor=city.root, public_id=nomination.public_id, award=True, reason="好"
    )
    services.nomination_consent(
        actor=learner.user, public_id=nomination.public_id, show_name=False, show_story=True
    )
    page = phone_page

    page.goto("/communities/organizations/?year=2026")
    expect(page.get_by_role("heading", level=1)).to_contain_text("2026")
    expect(page.get_by_role("table")).to_contain_text("学习规划")
    assert_accessible(page)

    page.goto("/communities/showcase/")
    expect(page.locator("main")).to_contain_text("七十岁学会了摄影")
    expect(page.locator("main")).not_to_contain_text("张美兰")
    assert_accessible(page)


def test_a_resident_offers_to_teach_and_sees_her_page(
    english_page: Page, city: City, assert_accessible: Any
) -> None:
    volunteer = make_resident(city)
    page = english_page

    log_in(page, volunteer.user, "/communities/volunteer/")
    assert_accessible(page)
    page.get_by_role("button", name="Save my offer").click()
    expect(page.get_by_role("alert")).to_contain_text("Please correct the fields below.")
    assert_accessible(page)
    page.get_by_label("What I can teach").fill("Paper cutting")
    page.get_by_label("Mandarin").check()
    page.get_by_label("Weekends").check()
    page.get_by_label("Huangpu").check()
    page.get_by_role("button", name="Save my offer").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("My teams")
    expect(page.locator("main")).to_contain_text("You offer to teach: Paper cutting.")
    assert_accessible(page)


def test_a_school_finds_a_volunteer_invites_her_and_records_hours(
    english_page: Page, city: City, assert_accessible: Any
) -> None:
    volunteer = make_resident(city, name="陈老师")
    services.volunteer_offer(
        actor=volunteer.user,
        display_name="Teacher Chen",
        skills="Paper cutting",
        languages=["zh"],
        availability=["weekend"],
        district_codes=[city.a.area.code],
    )
    page = english_page

    # The school searches the pool and invites her
    log_in(page, city.a.school_admin, "/communities/staff/volunteers/")
    page.get_by_label("Skill or words").fill("paper")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name="Teacher Chen")).to_be_visible()
    assert_accessible(page)
    page.get_by_text("Invite Teacher Chen").click()
    page.get_by_label("What to teach").fill("Paper cutting for beginners")
    assert_accessible(page)
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_role("status")).to_contain_text("The invitation is sent")
    assert_accessible(page)

    # She accepts on her page
    log_in(page, volunteer.user, "/communities/mine/")
    page.get_by_role("button", name="Accept: Paper cutting for beginners").click()
    expect(page.get_by_role("status")).to_contain_text("Your answer is recorded.")
    assert_accessible(page)

    # The school records the hours she taught
    log_in(page, city.a.school_admin, "/communities/staff/")
    page.get_by_role("link", name="Teacher Chen").click()
    page.get_by_label("Hours").fill("1.5")
    page.get_by_role("button", name="Record the hours").click()
    expect(page.get_by_role("table")).to_contain_text("1.5")
    assert_accessible(page)
