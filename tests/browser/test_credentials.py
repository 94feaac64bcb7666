"""Verifiable credentials as people use them: a resident opens her wallet and the verification
page of a certificate; an employer pastes a credential and sees it is genuine, then a tampered
one and sees it is not. Every page is audited with axe, in Chinese and in English."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from learningcity.accounts.services import user_create
from learningcity.creditbank import services as bank_services
from learningcity.creditbank.tests.factories import make_bank, submit
from learningcity.learners.tests.factories import make_learner
from learningcity.network.tests.factories import City
from tests.browser.pages import PASSWORD, log_in

pytestmark = pytest.mark.browser


def test_a_resident_shows_a_credential_and_an_employer_verifies_it(
    page: Page, english_page: Page, city: City, assert_accessible: Any
) -> None:
    # Given a resident with a verified record issued as a credential
    bank = make_bank(city)
    user = user_create(actor=None, username="wang", password=PASSWORD)
    learner = make_learner(actor=city.root, area=city.a.neighbourhood, name="王秀英", user=user)
    record = submit(bank, learner, title="书法入门")
    credential = bank_services.record_credential_issue(actor=bank.assessor, record=record)

    # When she opens her wallet (in Chinese once the catalogue has the new messages)
    log_in(page, "wang", "/credentials/wallet/")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("我的证书|My credentials"))
    expect(page.get_by_role("heading", name="书法入门")).to_be_visible()
    expect(page.get_by_role("img", name="书法入门")).to_be_visible()
    assert_accessible(page)

    # And makes a share link
    page.get_by_role("button", name="书法入门").click()
    expect(page.locator("#new-link a")).to_be_visible()
    assert_accessible(page)

    # Then the verification page (what the QR code opens) says it is genuine
    page.get_by_role("link", name="书法入门").last.click()
    expect(page.get_by_role("status").last).to_contain_text(re.compile("有效|Valid"))
    assert_accessible(page)

    # When an employer pastes the credential, in English
    other = english_page
    other.goto("/credentials/verify/")
    assert_accessible(other)
    other.get_by_label("Credential (JSON)").fill(credential.document)
    other.get_by_role("button", name="Verify", exact=True).click()
    expect(other.locator(".verdict")).to_contain_text("Valid")
    expect(other.locator(".facts").get_by_text("王秀英")).to_be_visible()
    assert_accessible(other)

    # And a tampered copy
    tampered = json.loads(credential.document)
    tampered["credentialSubject"]["achievement"]["name"] = "钢琴十级"
    other.get_by_label("Credential (JSON)").fill(json.dumps(tampered, ensure_ascii=False))
    other.get_by_role("button", name="Verify", exact=True).click()
    expect(other.locator(".verdict")).to_contain_text("Not valid")
    expect(other.get_by_text("It was changed after it was signed.").first).to_be_visible()
    assert_accessible(other)
