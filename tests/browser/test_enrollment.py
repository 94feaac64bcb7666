"""Enrollment as people do it: a resident applies from a class page and answers her offer;
the municipal office runs the draw; a registrar takes the roll on a phone."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from learningcity.enrollment.models import Attendance
from learningcity.enrollment.tests.factories import (
    close_window,
    make_class,
    make_course,
    make_resident,
    make_term,
)
from learningcity.enrollment.tests.pages import (
    make_admin_login,
    make_registrar_login,
    make_resident_login,
    make_taught_class,
    submit,
)
from learningcity.network.tests.factories import City
from tests.browser.conftest import new_context
from tests.browser.pages import log_in

pytestmark = pytest.mark.browser


def test_a_resident_applies_the_city_draws_and_she_accepts_her_offer(
    english_page: Page, browser: Browser, live_server: Any, city: City, assert_accessible: Any
) -> None:
    # Given a term with two lottery classes; a neighbour already wants the piano class
    term = make_term(city, cap=1, choices=3)
    piano = make_class(city, term, capacity=1)
    calligraphy = make_class(
        city, term, capacity=5, course=make_course(city, title_zh="书法", title_en="Calligraphy")
    )
    submit(make_resident(city), piano)
    make_resident_login(city, "lin")
    page = english_page

    # When she logs in, searches the catalog for piano, opens the class and applies from it,
    # as her first choice
    log_in(page, "lin", "/catalog/")
    page.get_by_role("searchbox", name="Search").fill("piano")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page).to_have_url(re.compile(r"[?&]q=piano"))
    assert_accessible(page)
    page.locator(f'a.result-title[href="/catalog/classes/{piano.public_id}/"]').click()
    expect(page).to_have_url(re.compile(f"/catalog/classes/{piano.public_id}/$"))
    assert_accessible(page)
    page.get_by_role("link", name="Apply for this class").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Apply for Piano for beginners")
    expect(page.get_by_text("How the lottery works")).to_be_visible()
    expect(page.locator(".hash").first).to_have_text(re.compile(r"^[0-9a-f]{64}$"))
    assert_accessible(page)
    page.get_by_label("Choice 1: the class I want most").check()
    page.get_by_role("button", name="Apply for the lottery").click()
    expect(page.get_by_role("status")).to_contain_text("as choice 1")
    assert_accessible(page)

    # And calligraphy as her second: choice 1 is no longer offered
    page.goto(f"/enrollment/apply/{calligraphy.public_id}/")
    expect(page.get_by_label("Choice 1: the class I want most")).to_have_count(0)
    chosen = page.locator("#choices-heading + ul > li")
    expect(chosen).to_have_count(1)
    expect(chosen.locator("strong")).to_have_text("Choice 1")
    expect(chosen.get_by_role("link")).to_have_text("Piano for beginners")
    page.get_by_label("Choice 2", exact=True).check()
    page.get_by_role("button", name="Apply for the lottery").click()
    expect(page.get_by_role("status")).to_contain_text("as choice 2")

    # When the windows have closed and the municipal office runs the draw, confirming first
    close_window(piano)
    close_window(calligraphy)
    make_admin_login("city-admin")
    admin_context = new_context(browser, live_server, locale="en-GB")
    office = admin_context.new_page()
    log_in(office, "city-admin", f"/enrollment/staff/terms/{term.code}/draw/")
    assert_accessible(office)
    office.get_by_role("button", name="Run and publish the draw…").click()
    expect(office.get_by_role("heading", level=1)).to_have_text("Run and publish the draw?")
    assert_accessible(office)
    office.get_by_role("button", name="Yes, run and publish the draw").click()
    expect(office.get_by_role("status")).to_contain_text("The draw is published: 3 applications")
    expect(office.get_by_role("heading", name="Published result")).to_be_visible()
    assert_accessible(office)
    admin_context.close()

    # Then she sees exactly one offer among her applications (the term allows one class)
    page.get_by_role("link", name="My applications").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My applications")
    offered = page.locator(".cards-list > li").filter(has_text="Offered a place")
    expect(offered).to_have_count(1)
    expect(page.get_by_role("button", name=re.compile("^Accept the place"))).to_have_count(1)
    assert_accessible(page)

    # And its page explains the draw and how to check it
    offered.get_by_role("heading").get_by_role("link").click()
    expect(page.locator(".result")).to_contain_text("You were offered")
    expect(page.get_by_text(f"learningcity lottery verify {term.code}")).to_be_visible()
    expect(page.get_by_text("Your lottery number begins")).to_be_visible()
    assert_accessible(page)

    # When she accepts it
    page.get_by_role("button", name=re.compile("^Accept the place")).click()

    # Then the place is hers
    expect(page.get_by_role("status")).to_contain_text("You accepted your place in")
    expect(page.locator(".panel.highlight .status")).to_have_text("Place accepted")
    assert_accessible(page)


def test_a_registrar_takes_the_roll_on_a_phone_with_the_keyboard(
    phone_page: Page, city: City, assert_accessible: Any
) -> None:
    # Given a class with three enrolled learners, and the school's registrar
    learners = [
        make_resident_login(city, f"learner{i}", name=name)
        for i, name in enumerate(["王秀英", "李建国", "张桂兰"])
    ]
    taught = make_taught_class(city, learners)
    make_registrar_login(city, "registrar-a")
    session = taught.sessions[0]
    page = phone_page

    # When she opens the first session's roll call on her phone
    log_in(page, "registrar-a", f"/enrollment/staff/sessions/{session.pk}/roll-call/")
    expect(page.get_by_role("heading", level=1)).to_have_text("第 1 次课点名")
    assert_accessible(page)

    # And ticks the first two names with Tab and Space, then saves with Enter
    page.get_by_role("button", name=re.compile("全部到齐")).focus()
    boxes = page.get_by_role("checkbox")
    expect(boxes).to_have_count(3)
    page.keyboard.press("Tab")
    expect(boxes.nth(0)).to_be_focused()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    expect(boxes.nth(1)).to_be_focused()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="保存点名")).to_be_focused()
    page.keyboard.press("Enter")

    # Then two are present and one absent, and the page says so
    expect(page.get_by_role("status")).to_contain_text("2 人出席，1 人缺席")
    expect(boxes.nth(0)).to_be_checked()
    expect(boxes.nth(1)).to_be_checked()
    expect(boxes.nth(2)).not_to_be_checked()
    assert sorted(Attendance.objects.values_list("present", flat=True)) == [False, True, True]
    assert_accessible(page)
