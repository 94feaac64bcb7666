from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from learningcity.network.tests.factories import City

pytestmark = pytest.mark.browser


def test_home_shows_the_network_at_a_glance(page: Page, city: City, assert_accessible: Any) -> None:
    # Given the miniature city, when a resident opens the home page
    page.goto("/")

    # Then it speaks Chinese, shows the totals, the chart and the table per district
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(page.get_by_role("heading", level=1)).to_contain_text("上海市")
    expect(page.locator("svg[role=img]")).to_be_visible()
    expect(page.locator("svg[role=img] rect.bar")).to_have_count(2)
    table_rows = page.get_by_role("table").locator("tbody tr")
    expect(table_rows).to_have_count(2)
    expect(table_rows.first.get_by_role("rowheader")).to_have_text("黄浦区")
    assert_accessible(page)


def test_home_stylesheet_is_served(page: Page, city: City) -> None:
    response = page.goto("/static/core/site.css")
    assert response is not None
    assert response.status == 200

    page.goto("/")

    header_colour = page.locator(".site-header").evaluate(
        "el => getComputedStyle(el).backgroundColor"
    )
    assert header_colour == "rgb(11, 83, 148)"


def test_skip_link_is_the_first_tab_stop_and_moves_focus_to_main(
    page: Page, city: City, assert_accessible: Any
) -> None:
    page.goto("/")

    # When a keyboard user presses Tab once
    page.keyboard.press("Tab")

    # Then the skip link has focus and can be seen
    skip = page.locator("a.skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    assert_accessible(page)

    # And Enter takes focus to the main content
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/#main$"))
    expect(page.locator("main")).to_be_focused()


def test_home_on_a_phone_with_large_text_fits_the_screen(
    phone_page: Page, city: City, assert_accessible: Any
) -> None:
    phone_page.goto("/")

    # When a resident turns on large text on a narrow phone
    phone_page.get_by_role("button", name="大字体").click()

    # Then the page is larger and still needs no sideways scrolling
    expect(phone_page.locator("html")).to_have_class("large-text")
    overflow = phone_page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow == 0
    assert_accessible(phone_page)
