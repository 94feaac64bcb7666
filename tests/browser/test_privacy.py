"""A resident's own data and the offices' privacy pages, as people use them: she downloads
her data and asks for a correction; her district office answers it and reads who saw full ID
numbers; someone who forgot a password asks for a reset. Every page is audited with axe."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from learningcity.accounts.services import user_create
from learningcity.learners.services import learner_id_number_reveal
from learningcity.learners.tests.factories import make_learner
from learningcity.network.tests.factories import City
from tests.browser.pages import PASSWORD, log_in

pytestmark = pytest.mark.browser


def test_a_resident_asks_for_a_correction_and_her_office_answers(
    english_page: Page, browser: Any, live_server: Any, city: City, assert_accessible: Any
) -> None:
    # Given a resident of the first district whose full ID number an officer once looked up
    user = user_create(actor=None, username="wang", password=PASSWORD)
    learner = make_learner(actor=city.root, area=city.a.neighbourhood, name="王秀英", user=user)
    learner_id_number_reveal(actor=city.a.officer, learner=learner, reason="allowance check")
    page = english_page

    # When she opens her data page, which offers the download, and asks for a correction
    log_in(page, "wang", "/my-data/")
    expect(page.get_by_role("link", name="Download all my data (JSON)")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("What is wrong, and what is right?").fill("My name is 王秀英, not 王秀音.")
    page.get_by_role("button", name="Send the request").click()
    expect(page.get_by_text("Your request is sent to your town office.")).to_be_visible()
    assert_accessible(page)

    # Then her district office sees it, answers it, and reads the ID-number access log
    office = browser.new_context(base_url=live_server.url, locale="en-GB").new_page()
    log_in(office, "officer-310101", "/privacy/corrections/")
    expect(office.get_by_text("My name is 王秀英, not 王秀音.")).to_be_visible()
    assert_accessible(office)
    office.get_by_label("Corrected").check()
    office.get_by_label("Answer to the resident").fill("Your name is corrected.")
    office.get_by_role("button", name="Save the answer").click()
    expect(office.get_by_text("Your answer is saved and shown to the resident.")).to_be_visible()
    office.goto("/privacy/id-access/")
    expect(office.get_by_role("cell", name="allowance check")).to_be_visible()
    assert_accessible(office)

    # And she sees the answer
    page.reload()
    expect(page.get_by_text("Your name is corrected.")).to_be_visible()


def test_a_forgotten_password_is_reset_by_e_mail(
    page: Page, city: City, assert_accessible: Any
) -> None:
    page.goto("/accounts/login/")
    page.get_by_role("link", name=re.compile("忘记密码")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("重置密码")
    assert_accessible(page)

    page.get_by_label("电子邮箱").fill("nobody@example.org")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("请查收邮件")
    assert_accessible(page)
