from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from learningcity.catalog.tests.factories import make_catalog
from learningcity.network.tests.factories import City

pytestmark = pytest.mark.browser


def test_resident_finds_a_photography_class_in_her_district_and_opens_it(
    page: Page, city: City, assert_accessible: Any
) -> None:
    catalog = make_catalog(city)
    page.goto("/")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="课程").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("找课程")
    assert_accessible(page)

    # When she searches for 摄影
    page.get_by_label("搜索", exact=True).fill("摄影")
    page.get_by_role("button", name="搜索", exact=True).click()

    # Then both photography courses are found, and each district's option counts its classes
    expect(page.get_by_role("status")).to_contain_text("找到 5 条结果")
    expect(page.locator("#id_district option[value='310101']")).to_have_text("黄浦区（1）")
    assert_accessible(page)

    # When she keeps only Huangpu
    page.get_by_label("区", exact=True).select_option("310101")
    page.get_by_role("button", name="搜索", exact=True).click()

    # Then the one Huangpu class is listed with its day, seats and fee in words
    expect(page.get_by_role("status")).to_contain_text("找到 1 条结果")
    result = page.locator("ol.results > li")
    expect(result).to_have_count(1)
    expect(result).to_contain_text("每星期二 09:00–11:00")
    expect(result).to_contain_text("剩余 30 个座位（共 30 个）")
    expect(result).to_contain_text("免费")
    assert_accessible(page)

    # And opening it shows what she needs to decide
    result.get_by_role("link", name="摄影入门").click()
    expect(page).to_have_url(re.compile(rf"/catalog/classes/{catalog.photo_class.public_id}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("摄影入门")
    expect(page.locator("main")).to_contain_text("公平摇号")
    expect(page.locator("main")).to_contain_text("无障碍通道：有")
    expect(page.get_by_role("link", name="黄浦区一居委学习点")).to_be_visible()
    assert_accessible(page)


def test_a_bad_filter_is_explained_next_to_the_field(
    english_page: Page, city: City, assert_accessible: Any
) -> None:
    make_catalog(city)
    page = english_page

    page.goto("/catalog/?weekday=9")

    expect(page.get_by_role("alert")).to_contain_text("Day of the week")
    expect(page.get_by_label("Day of the week")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)
