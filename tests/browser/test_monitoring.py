"""The government's view as its officers use it: the municipal officer reads the city's
indicators against the blueprint, with plots and their tables; a district officer sees only
her district and the city average; anyone opens the open data and its schema. Every page
visited is audited with axe, in Chinese and in English, on a desktop and on a phone."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.hashers import make_password
from playwright.sync_api import Page, expect

from learningcity.accounts.models import User
from learningcity.creditbank.tests.factories import make_bank, submit
from learningcity.monitoring import services
from learningcity.monitoring.tests.factories import make_blueprint, resident, set_population
from learningcity.network.tests.factories import City
from tests.browser.pages import PASSWORD, log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def monitored(city: City) -> City:
    set_population(city)
    make_blueprint(city)
    bank = make_bank(city)
    for age in range(30, 45):
        submit(bank, resident(city, age=age, district="a"))
    for age in (66, 70, 75):
        submit(bank, resident(city, age=age, district="b"))
    services.refresh(actor=city.root)
    for user in (city.municipal_officer, city.a.officer):
        User.objects.filter(pk=user.pk).update(password=make_password(PASSWORD))
    return city


def test_the_municipal_officer_reads_the_city_against_the_blueprint(
    english_page: Page, monitored: City, assert_accessible: Any
) -> None:
    page = english_page
    log_in(page, monitored.municipal_officer.username, "/monitoring/")

    expect(page.get_by_role("heading", level=1)).to_have_text("Learning city dashboard: Shanghai")
    expect(
        page.get_by_role("img", name=re.compile("Line chart: Participation rate"))
    ).to_be_visible()
    comparison = page.get_by_role("region", name=re.compile("Participation rate by area"))
    expect(comparison).to_contain_text("Huangpu")
    expect(comparison).to_contain_text("Xuhui")
    expect(page.locator(".cards")).to_contain_text("Behind the target")
    assert_accessible(page)

    page.get_by_role("link", name="Blueprint", exact=True).click()
    expect(page.get_by_role("heading", level=2, name=re.compile("Everyone learns"))).to_be_visible()
    expect(page.get_by_role("table").first).to_contain_text("Not due yet")
    assert_accessible(page)

    page.get_by_role("link", name="Indicator definitions").click()
    page.get_by_role("link", name="Elder coverage (60 and over)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Elder coverage (60 and over)")
    expect(page.get_by_text("What it measures")).to_be_visible()
    assert_accessible(page)


def test_a_district_officer_sees_her_district_and_the_city_average(
    page: Page, monitored: City, assert_accessible: Any
) -> None:
    log_in(page, monitored.a.officer.username, "/monitoring/")

    expect(page.get_by_role("heading", level=1)).to_contain_text("黄浦区")
    expect(page.locator("main")).not_to_contain_text("徐汇区")
    expect(page.get_by_role("combobox")).to_contain_text("上海市")
    assert_accessible(page)

    page.get_by_role("combobox").select_option(label="上海市")
    page.get_by_role("button", name="显示").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("上海市")
    expect(page.locator("main")).not_to_contain_text("徐汇区")
    assert_accessible(page)


def test_anyone_opens_the_open_data_and_its_schema_on_a_phone(
    phone_page: Page, monitored: City, assert_accessible: Any
) -> None:
    page = phone_page
    page.goto("/monitoring/open-data/")

    expect(page.get_by_role("link", name="下载CSV")).to_have_attribute(
        "href", "/monitoring/open-data/indicators.csv"
    )
    expect(page.locator("main table").first).to_contain_text("上海市")
    assert_accessible(page)

    page.locator("main a[href='/monitoring/open-data/schema/']").click()
    expect(page.locator("main code").first).to_have_text("indicator")
    assert_accessible(page)


def test_a_resident_is_pointed_to_open_data(
    english_page: Page, monitored: City, assert_accessible: Any
) -> None:
    page = english_page
    page.goto("/monitoring/")

    expect(page.get_by_role("heading", level=1)).to_have_text("Monitoring the learning city")
    page.get_by_role("link", name=re.compile("See the open data")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Open data: learning city indicators")
    assert_accessible(page)
