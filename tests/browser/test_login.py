from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from learningcity.accounts.services import totp_check, totp_enrol
from learningcity.core import clock, totp
from learningcity.network.tests.factories import City
from tests.browser.pages import PASSWORD, one_time_code

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

    # Then, because her work changes records, she sets up an authenticator app first
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up your authenticator app")
    expect(page.get_by_role("img", name=re.compile("QR code"))).to_be_visible()
    assert_accessible(page)
    key = page.locator("code.secret").inner_text().replace(" ", "")
    page.get_by_label("The six-digit code").fill(totp.code_at(key, totp.step_at(clock.now())))
    page.keyboard.press("Enter")

    # And then she is on the home page, logged in
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("button", name="Log out (officer-310101)")).to_be_visible()
    assert_accessible(page)


def test_a_staff_login_asks_for_the_code_each_time(
    english_page: Page, city: City, assert_accessible: Any
) -> None:
    page = english_page
    secret = totp_enrol(user=city.a.officer)  # set up at an earlier login
    assert totp_check(user=city.a.officer, code=totp.code_at(secret, totp.step_at(clock.now()) - 1))

    page.goto("/accounts/login/?next=/network/")
    page.get_by_label("Username").fill("officer-310101")
    page.get_by_label("Password").fill(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Type your one-time code")
    assert_accessible(page)
    page.get_by_label("The six-digit code").fill("123456")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert").or_(page.locator(".errorlist"))).to_contain_text(
        "That code is not right."
    )
    page.get_by_label("The six-digit code").fill(one_time_code("officer-310101"))
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/network/$"))


def test_a_wrong_password_is_explained_in_chinese(
    page: Page, city: City, assert_accessible: Any
) -> None:
    page.goto("/accounts/login/")

    page.get_by_label("用户名").fill("officer-310101")
    page.get_by_label("密码").fill("not-the-password")
    page.get_by_role("button", name="登录", exact=True).last.click()

    expect(page.get_by_role("alert")).to_contain_text("请输入一个正确的")
    assert_accessible(page)
