from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from learningcity.network.tests.factories import City, make_site

pytestmark = pytest.mark.browser


def test_search_and_filter_organizations_then_open_one(
    english_page: Page, city: City, assert_accessible: Any
) -> None:
    page = english_page
    page.goto("/")
    page.get_by_role("link", name="Find a provider or a learning site").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Find a provider or a learning site")
    assert_accessible(page)

    # When she searches for "community" in Xuhui
    page.get_by_label("Search", exact=True).fill("community")
    page.get_by_label("District").select_option(label="Xuhui")
    page.get_by_role("button", name="Search").click()

    # Then only Xuhui's college and school are listed, and the count says so
    expect(page.get_by_role("status")).to_contain_text("2 organizations found.")
    results = page.locator("ol.results > li")
    expect(results).to_have_count(2)
    expect(results.get_by_role("link")).to_have_text(
        ["Xuhui Community College", "Xuhui Community School"]
    )
    expect(page.get_by_label("District")).to_have_value("310104")
    assert_accessible(page)

    # And opening a result shows that organization
    page.get_by_role("link", name="Xuhui Community College").click()
    expect(page).to_have_url(re.compile(r"/network/organizations/310104-CC/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Xuhui Community College")
    expect(page.get_by_role("link", name="Xuhui Community School")).to_be_visible()
    assert_accessible(page)


def test_find_a_step_free_site_and_open_it(
    english_page: Page, city: City, assert_accessible: Any
) -> None:
    make_site(
        actor=city.root, organization=city.b.school, name_en="Stairs Only Hall", step_free=False
    )
    page = english_page
    page.goto("/network/")

    # When he switches to learning sites and ticks step-free access
    page.get_by_role("link", name="Learning sites").click()
    expect(page.get_by_role("link", name="Learning sites")).to_have_attribute(
        "aria-current", "page"
    )
    page.get_by_label("Step-free access").check()
    page.get_by_label("District").select_option(label="Xuhui")
    page.get_by_role("button", name="Search").click()

    # Then the one step-free site in Xuhui is listed
    expect(page.get_by_role("status")).to_contain_text("1 learning site found.")
    assert_accessible(page)
    page.get_by_role("link", name="Xuhui Learning Point").click()

    # And its page states its access in words
    expect(page.get_by_role("heading", level=1)).to_have_text("Xuhui Learning Point")
    features = page.locator("ul.features")
    expect(features).to_contain_text("Step-free access: yes")
    expect(features).to_contain_text("Hearing loop: no")
    expect(page.get_by_role("link", name="Xuhui Community School").first).to_be_visible()
    assert_accessible(page)


def test_a_bad_filter_value_is_explained_next_to_the_field(
    english_page: Page, city: City, assert_accessible: Any
) -> None:
    page = english_page

    response = page.goto("/network/?district=999999")

    assert response is not None
    assert response.status == 400
    expect(page.get_by_role("alert")).to_contain_text("Please correct the fields below.")
    expect(page.get_by_label("District")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)


def test_results_page_through_with_next_and_previous(
    english_page: Page, city: City, assert_accessible: Any
) -> None:
    for i in range(20):
        make_site(actor=city.root, organization=city.a.school, name_en=f"Extra site {i:02d}")
    page = english_page
    page.goto("/network/?show=sites")
    expect(page.get_by_role("status")).to_contain_text("22 learning sites found. Page 1 of 2")

    page.get_by_role("link", name="Next page").click()

    expect(page.get_by_role("status")).to_contain_text("Page 2 of 2")
    expect(page.locator("ol.results > li")).to_have_count(2)
    expect(page.get_by_role("link", name="Previous page")).to_be_visible()
    assert_accessible(page)
