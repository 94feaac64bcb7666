from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from learningcity.network.tests.factories import City

pytestmark = pytest.mark.browser


def test_language_switch_turns_the_page_into_english_and_back(
    page: Page, city: City, assert_accessible: Any
) -> None:
    page.goto("/network/?district=310101")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")

    # When the visitor presses "English"
    page.get_by_role("button", name="English").click()

    # Then the same page, with the same filter, is in English
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Find a provider or a learning site")
    expect(page.get_by_label("District")).to_have_value("310101")
    assert_accessible(page)

    # And "简体中文" brings Chinese back
    page.get_by_role("button", name="简体中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(page.get_by_role("link", name="黄浦区社区学院")).to_be_visible()


def test_large_text_toggle_enlarges_the_page_and_turns_off_again(
    english_page: Page, city: City, assert_accessible: Any
) -> None:
    page = english_page
    page.goto("/network/")
    root_size = "getComputedStyle(document.documentElement).fontSize"
    assert page.evaluate(root_size) == "18px"

    # When the visitor presses "Large text"
    page.get_by_role("button", name="Large text").click()

    # Then every letter is larger, the button shows it is on, and she stays on the page
    expect(page.locator("html")).to_have_class("large-text")
    assert page.evaluate(root_size) == "24px"
    expect(page.get_by_role("button", name="Large text")).to_have_attribute("aria-pressed", "true")
    assert page.url.endswith("/network/")
    assert_accessible(page)

    # And pressing it again restores normal text
    page.get_by_role("button", name="Large text").click()
    expect(page.get_by_role("button", name="Large text")).to_have_attribute("aria-pressed", "false")
    assert page.evaluate(root_size) == "18px"
