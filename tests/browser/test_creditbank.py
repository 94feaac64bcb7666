"""The credit bank as people use it: a learner reads her degree audit and transcript in both
languages and applies to convert credits; an assessor approves; her audit changes. Every page
visited is audited with axe."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from learningcity.accounts.services import user_create
from learningcity.creditbank.choices import ConversionStatus, CreditCategory
from learningcity.creditbank.models import ConversionApplication
from learningcity.creditbank.tests.factories import Bank, account_of, make_bank, submit
from learningcity.learners.models import Learner
from learningcity.learners.tests.factories import make_learner
from learningcity.network.choices import StaffRoleKind
from learningcity.network.tests.factories import City, make_staff
from tests.browser.conftest import new_context
from tests.browser.pages import PASSWORD, log_in

pytestmark = pytest.mark.browser

DEGREE: dict[str, Any] = {
    "category": CreditCategory.DEGREE,
    "score": Decimal("75"),
    "hours": Decimal("45"),
}


def learner_with_records(bank: Bank) -> Learner:
    """王秀英 passed ADM101 in the program, ADM102 at her district college, holds the NCRE-1
    certificate, and took a leisure class named like a program course."""
    user = user_create(actor=None, username="wang", password=PASSWORD)
    learner = make_learner(
        actor=bank.city.root, area=bank.city.a.neighbourhood, name="王秀英", user=user
    )
    submit(bank, learner, provider=bank.center, course_code="ADM101", title="管理学基础", **DEGREE)
    submit(bank, learner, course_code="ADM102", title="公共政策", **DEGREE)
    submit(
        bank,
        learner,
        category=CreditCategory.VOCATIONAL,
        certificate_code="NCRE-1",
        title="计算机等级考试一级",
        hours=0,
    )
    submit(bank, learner, course_code="GEN102", title="大学语文兴趣班")
    return learner


def test_a_learner_converts_credits_and_an_assessor_approves(
    english_page: Page, browser: Browser, live_server: Any, city: City, assert_accessible: Any
) -> None:
    # Given a learner with demo records, and an assessor of the awarding institution
    bank = make_bank(city)
    learner = learner_with_records(bank)
    make_staff(
        actor=city.root,
        organization=bank.center,
        role=StaffRoleKind.ASSESSOR,
        username="assessor",
        password=PASSWORD,
    )
    page = english_page

    # When she opens her credit bank from the navigation
    log_in(page, "wang", "/creditbank/")
    expect(page.get_by_role("heading", level=1)).to_have_text("My credit bank")
    expect(page.get_by_text(account_of(learner).number)).to_be_visible()
    expect(page.get_by_role("heading", name="大学语文兴趣班")).to_be_visible()
    assert_accessible(page)

    # Then the degree audit says what counts, what is missing and what could convert
    page.get_by_role("link", name="Toward a diploma").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Toward a diploma")
    assert_accessible(page)
    page.get_by_role("link", name=re.compile("^See the degree audit")).click()
    summary = page.locator("#audit-summary")
    expect(summary).to_contain_text("3.0 of 12.0 credits count toward this programme.")
    expect(summary).to_contain_text("Still missing: 9.0 credits.")
    expect(page.locator("#course-ADM101")).to_contain_text("Passed in the programme")
    expect(page.locator("#course-ADM102")).to_contain_text("Could be converted")
    expect(page.locator("#course-GEN101")).to_contain_text("the certificate NCRE-1")
    expect(page.locator("#course-GEN102")).to_contain_text("Not met yet")
    expect(page.get_by_role("heading", name="Learning that does not convert")).to_be_visible()
    assert_accessible(page)
    audit_url = page.url

    # And her transcript lists her verified learning
    page.get_by_role("link", name="Transcript", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Transcript of 王秀英")
    records = page.locator("#tr-records-heading + .table-scroll tbody tr")
    expect(records).to_have_count(4)
    expect(page.get_by_role("link", name="Download as PDF")).to_be_visible()
    assert_accessible(page)

    # In Chinese too
    page.get_by_role("button", name="简体中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(page.get_by_role("heading", level=1)).to_contain_text("王秀英")
    expect(page.locator("#tr-records-heading + .table-scroll tbody tr")).to_have_count(4)
    assert_accessible(page)
    page.goto(audit_url)
    expect(page.locator("#audit-summary")).to_contain_text("3.0")
    expect(page.locator("#audit-summary")).to_contain_text("12.0")
    assert_accessible(page)
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")

    # When she applies to convert everything the audit offers
    page.get_by_role("button", name="Apply to convert").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My conversions")
    expect(page.get_by_role("status")).to_contain_text("Your application to convert credits")
    expect(page.locator(".cards-list > li")).to_contain_text("Submitted")
    assert_accessible(page)

    # And the assessor approves it with a reason
    assessor_context = new_context(browser, live_server, locale="en-GB")
    office = assessor_context.new_page()
    log_in(office, "assessor", "/creditbank/staff/")
    assert_accessible(office)
    office.get_by_role("link", name="Conversion applications").click()
    assert_accessible(office)
    office.get_by_role("link", name=re.compile("王秀英")).click()
    expect(office.get_by_role("heading", level=1)).to_have_text("Decide a conversion")
    assert_accessible(office)
    office.get_by_role("button", name="Record the decision").click()
    expect(office.locator("#error-summary")).to_be_visible()
    assert_accessible(office)
    office.get_by_label("Approve").check()
    office.get_by_label("Reason").fill("Course content matches; certificate is listed.")
    office.get_by_role("button", name="Record the decision").click()
    expect(office.get_by_role("status")).to_contain_text("is approved")
    assessor_context.close()
    application = ConversionApplication.objects.get(account__learner=learner)
    assert application.status == ConversionStatus.APPROVED

    # Then her audit counts the converted courses
    page.goto(audit_url)
    summary = page.locator("#audit-summary")
    expect(summary).to_contain_text("9.0 of 12.0 credits count toward this programme.")
    expect(page.locator("#course-ADM102")).to_contain_text("Met by conversion")
    expect(page.locator("#course-GEN101")).to_contain_text("Met by conversion")
    assert_accessible(page)
    page.get_by_role("link", name="My conversions").click()
    expect(page.locator(".cards-list > li")).to_contain_text("Course content matches")
    assert_accessible(page)
