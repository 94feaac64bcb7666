"""The provider's xAPI page as its administrator uses it: issue credentials (the secret shown
once), register an activity, read why a completion did not become a record, and let another
provider read its statements (and stop it). Every page visited is audited with axe, in
English and in Chinese."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.hashers import make_password
from playwright.sync_api import Page, expect

from learningcity.accounts.models import User
from learningcity.network.tests.factories import City
from learningcity.xapi import services
from learningcity.xapi.tests.factories import issue, statement
from tests.browser.pages import PASSWORD, log_in

pytestmark = pytest.mark.browser


def test_a_school_connects_its_platform_and_sees_why(
    english_page: Page, city: City, assert_accessible: Any
) -> None:
    # Given the school's administrator, and a completion its platform sent by an unknown learner
    admin = city.a.school_admin
    User.objects.filter(pk=admin.pk).update(password=make_password(PASSWORD))
    sent = issue(city, city.a.school)
    activity = "https://lms.example.org/phone"
    services.statements_store(
        credential=sent.credential,
        statements=[
            statement(
                actor={"account": {"homePage": settings.CREDENTIALS_BASE_URL, "name": "CB404"}},
                obj={"id": activity},
            )
        ],
    )
    services.statements_credit(provider_id=city.a.school.pk)
    page = english_page
    url = f"/xapi/manage/{city.a.school.code}/"

    # When she opens the page, she reads why the completion made no record
    log_in(page, admin.username, url)
    outcomes = page.get_by_role("table", name="The latest completions and what became of each")
    expect(outcomes).to_contain_text("The activity is not registered")
    assert_accessible(page)

    # When she issues credentials, the secret is shown once
    page.get_by_label("System name").fill("Moodle")
    page.get_by_role("button", name="Issue credentials").click()
    expect(page.get_by_role("status")).to_contain_text("Copy the secret now")
    assert_accessible(page)

    # When she registers the activity
    page.get_by_label("Activity id (IRI)").fill(activity)
    page.get_by_label("Title").fill("Smartphone basics")
    page.get_by_label("Credit category").select_option("digital")
    page.get_by_label("Hours").fill("6")
    page.get_by_role("button", name="Register the activity").click()
    expect(page.get_by_role("table", name="Activities that earn credit")).to_contain_text(
        "Smartphone basics"
    )
    assert_accessible(page)


def test_the_page_in_chinese_is_accessible(page: Page, city: City, assert_accessible: Any) -> None:
    admin = city.a.school_admin
    User.objects.filter(pk=admin.pk).update(password=make_password(PASSWORD))
    issue(city, city.a.school)
    services.read_grant_create(
        actor=city.root, provider=city.a.school, grantee_code=city.b.school.code, reason="合办课程"
    )
    services.read_grant_create(
        actor=city.root, provider=city.b.college, grantee_code=city.a.school.code
    )
    log_in(page, admin.username, f"/xapi/manage/{city.a.school.code}/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page)


def test_a_school_lets_another_provider_read_its_statements(
    english_page: Page, city: City, assert_accessible: Any
) -> None:
    # Given the school's administrator, and district B's college that lets the school read
    admin = city.a.school_admin
    User.objects.filter(pk=admin.pk).update(password=make_password(PASSWORD))
    services.read_grant_create(
        actor=city.root,
        provider=city.b.college,
        grantee_code=city.a.school.code,
        reason="Shared course",
    )
    page = english_page
    log_in(page, admin.username, f"/xapi/manage/{city.a.school.code}/")

    # She reads which provider lets her school read its statements
    expect(page.get_by_role("heading", name="Read grants", exact=True)).to_be_visible()
    received = page.get_by_role("table", name="Read grants you received")
    expect(received).to_contain_text(city.b.college.code)
    expect(received).to_contain_text("Shared course")
    assert_accessible(page)

    # A code nobody has is told on its field, with the summary above
    code = page.get_by_label("Code of the provider that may read")
    code.fill("NO-SUCH")
    page.get_by_role("button", name="Let this provider read").click()
    expect(page.get_by_role("alert")).to_contain_text("No provider has the code NO-SUCH.")
    assert_accessible(page)

    # By keyboard alone, she lets district B's school read (its code typed in lower case)
    code = page.get_by_label("Code of the provider that may read")
    code.fill(city.b.school.code.lower())
    code.press("Enter")
    given = page.get_by_role("table", name="Read grants you gave")
    expect(given).to_contain_text(city.b.school.code)
    assert_accessible(page)

    # And she stops it
    given.get_by_role("button", name="Stop").click()
    expect(page.get_by_role("table", name="Read grants you gave")).to_contain_text("Revoked")
    assert_accessible(page)
