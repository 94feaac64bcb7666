from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from learningcity.network.tests.factories import City

pytestmark = pytest.mark.browser


def test_staff_log_in_with_the_keyboard_and_land_home(
    english_page: Page, city: City, assert_accessible: Any
) -> None:
    page = english_page
    page.goto("/")
    page.get_by_role("link", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    assert_accessible(page)

    # When the district officer types her name, Tabs to the password and presses Enter
    page.get_by_label("Username").fill("officer-310101")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type("a-long-test-passphrase")
    page.keyboard.press("Enter")

    # Then she is on the home page, logged in
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("button", name="Log out (officer-310101)")).to_be_visible()
    assert_accessible(page)


def test_a_wrong_password_is_explained_in_chinese(
    page: Page, city: City, assert_accessible: Any
) -> None:
    page.goto("/accounts/login/")

    page.get_by_label("用户名").fill("officer-310101")
    page.get_by_label("密码").fill("not-the-password")
    page.get_by_role("button", name="登录", exact=True).last.click()

    expect(page.get_by_role("alert")).to_contain_text("请输入一个正确的")
    assert_accessible(page)
