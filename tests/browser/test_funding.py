"""The money side as an elder sees it: before applying she reads what the class will cost
her after the subsidy and her allowance, and why; after taking the seat her allowance page
shows what is left of each grant and when it expires. Every page visited is audited with
axe, in Chinese and in English."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.hashers import make_password
from playwright.sync_api import Page, expect

from learningcity.accounts.models import User
from learningcity.funding.tests.factories import make_elder, make_funded, make_paid_class
from learningcity.network.tests.factories import City
from tests.browser.pages import PASSWORD, log_in

pytestmark = pytest.mark.browser


def test_an_elder_sees_her_price_and_spends_her_allowance(
    english_page: Page, city: City, assert_accessible: Any
) -> None:
    # Given an elder with a 60-yuan allowance and a 200-yuan class with a 50 % elder subsidy
    funded = make_funded(city)
    klass = make_paid_class(city)
    elder = make_elder(funded)
    user = elder.user
    assert user is not None
    User.objects.filter(pk=user.pk).update(password=make_password(PASSWORD))
    page = english_page

    # When she opens the class's application page
    log_in(page, user.username, f"/enrollment/apply/{klass.public_id}/")

    # Then she sees the price after subsidy and allowance before applying, and why
    price = page.get_by_role("region", name="What this class costs you")
    expect(price).to_contain_text("−¥100.00")
    expect(price).to_contain_text("−¥60.00")
    expect(page.locator("#price-to-pay")).to_have_text("¥40.00")
    page.get_by_text("Why this price").click()
    expect(price).to_contain_text("You are in the group: The aged.")
    assert_accessible(page)

    # When she takes the seat, her allowance is spent
    page.get_by_role("button", name="Apply and take a seat").click()
    expect(page.get_by_role("status")).to_contain_text("You have a place")
    page.goto("/funding/")
    expect(page.get_by_role("heading", level=1)).to_have_text("My learning allowance")
    expect(page.locator("#allowance-balance")).to_have_text("¥0.00")
    expect(page.get_by_role("table")).to_contain_text("2028")
    assert_accessible(page)


def test_the_allowance_page_in_chinese_is_accessible(
    page: Page, city: City, assert_accessible: Any
) -> None:
    funded = make_funded(city)
    elder = make_elder(funded)
    user = elder.user
    assert user is not None
    User.objects.filter(pk=user.pk).update(password=make_password(PASSWORD))

    log_in(page, user.username, "/funding/")

    expect(page.locator("#allowance-balance")).to_have_text("¥60.00")
    assert_accessible(page)
    page.goto("/funding/policies/")
    assert_accessible(page)
