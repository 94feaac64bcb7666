"""Learning Week as people do it: a resident finds an event in the calendar, registers and
shows her QR ticket; staff at the door check her in on a phone whose network drops, and the
check-in is sent when it comes back; her attendance is then in her credit bank."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from learningcity.creditbank.choices import RecordChannel
from learningcity.creditbank.models import LearningRecord
from learningcity.creditbank.tests.factories import make_bank
from learningcity.events import services
from learningcity.events.choices import RegistrationStatus
from learningcity.events.models import Event, Registration
from learningcity.events.tests.factories import PASSWORD, make_edition, make_event, make_resident
from learningcity.network.choices import StaffRoleKind
from learningcity.network.tests.factories import City, make_staff
from tests.browser.conftest import MOBILE, new_context
from tests.browser.pages import log_in

pytestmark = pytest.mark.browser


def test_register_show_the_ticket_and_check_in_through_a_network_outage(
    english_page: Page, browser: Browser, live_server: Any, city: City, assert_accessible: Any
) -> None:
    # Given this year's Learning Week with a walk in Xuhui and a lecture in Huangpu that
    # counts in the credit bank
    make_bank(city)
    edition = make_edition(city)
    make_event(city, district="b", edition=edition, title_zh="城市行走", title_en="City walk")
    lecture = make_event(
        city,
        district="a",
        edition=edition,
        counts_for_credit=True,
        title_zh="城市记忆讲座",
        title_en="A lecture on the city's memory",
    )
    make_resident(city, name="Wang Xiuying", username="wang")
    make_staff(
        actor=city.root,
        organization=city.a.school,
        role=StaffRoleKind.REGISTRAR,
        username="door",
        password=PASSWORD,
    )
    page = english_page

    # When she logs in, filters the calendar to Huangpu and opens the lecture
    log_in(page, "wang", "/events/")
    assert_accessible(page)
    page.get_by_label("District").select_option("310101")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page).to_have_url(re.compile(r"district=310101"))
    expect(page.get_by_role("link", name="City walk")).to_have_count(0)
    assert_accessible(page)
    page.get_by_role("link", name="A lecture on the city's memory").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("A lecture on the city's memory")
    assert_accessible(page)

    # and registers
    page.get_by_role("button", name="Register").click()

    # Then her ticket shows a QR code and its typed code
    expect(page.get_by_text("You are registered. Show this ticket at the door.")).to_be_visible()
    registration = Registration.objects.get(learner__user__username="wang")
    qr = page.get_by_role("img", name=re.compile("QR code of your ticket"))
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.decode().then(() => img.naturalWidth)") > 0
    expect(page.get_by_text(registration.ticket_code)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="My event tickets").first.click()
    expect(page.get_by_role("link", name="A lecture on the city's memory")).to_be_visible()
    assert_accessible(page)

    # When staff at the door open the scanner on a phone and the network drops
    door = new_context(
        browser, live_server, locale="en-GB", viewport=MOBILE, is_mobile=True, has_touch=True
    )
    phone = door.new_page()
    log_in(phone, "door", f"/events/organize/{lecture.public_id}/scan/")
    assert_accessible(phone)
    door.set_offline(True)
    phone.get_by_label("Ticket code").fill(registration.ticket_code)
    phone.get_by_role("button", name="Check in", exact=True).click()

    # Then the check-in waits on the phone
    expect(phone.locator("#scan-result")).to_contain_text("No network: saved on this phone")
    expect(phone.locator("#scan-pending")).to_have_text("Waiting to be sent: 1")
    assert Registration.objects.get(pk=registration.pk).status == RegistrationStatus.REGISTERED
    assert_accessible(phone)

    # When the network comes back, it is sent
    door.set_offline(False)
    expect(phone.locator("#scan-result")).to_contain_text("Checked in: Wang Xiuying")
    expect(phone.locator("#scan-result")).to_contain_text("Network back: all check-ins sent.")
    expect(phone.locator("#scan-pending")).to_have_text("")
    assert_accessible(phone)
    door.close()

    # Then she is checked in, and the lecture is in her credit bank
    assert Registration.objects.get(pk=registration.pk).status == RegistrationStatus.ATTENDED
    record = LearningRecord.objects.get(source=f"events:{registration.public_id}")
    assert record.channel == RecordChannel.EVENT
    page.goto(f"/events/tickets/{registration.public_id}/")
    expect(page.get_by_text("Your attendance is in your credit bank.")).to_be_visible()
    assert_accessible(page)


def test_an_organizer_publishes_an_event_and_reads_its_registrations(
    english_page: Page, city: City, assert_accessible: Any
) -> None:
    make_staff(
        actor=city.root,
        organization=city.a.school,
        role=StaffRoleKind.ADMIN,
        username="organizer",
        password=PASSWORD,
    )
    page = english_page

    log_in(page, "organizer", "/events/organize/")
    assert_accessible(page)
    page.get_by_role("link", name="Publish an event").click()
    assert_accessible(page)
    page.get_by_label("Title (Chinese)").fill("开放日")
    page.get_by_label("Title (English)").fill("Open day")
    page.get_by_label("Kind of event").select_option("open_day")
    page.get_by_label("Starts (Beijing time)").fill("2030-10-21T09:00")
    page.get_by_label("Ends (Beijing time)").fill("2030-10-21T08:00")
    page.get_by_label("Places").fill("40")
    page.get_by_role("button", name="Publish the event").click()

    # A refusal is shown on the field, with a summary
    expect(page.get_by_role("alert")).to_contain_text("The event must end after it starts.")
    assert_accessible(page)
    page.get_by_label("Ends (Beijing time)").fill("2030-10-21T11:00")
    page.get_by_role("button", name="Publish the event").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Registrations: Open day")
    expect(page.get_by_text("No one has registered yet.")).to_be_visible()
    assert_accessible(page)

    # When a resident registers and comes without her ticket, staff find her on the list
    event = Event.objects.get(title_en="Open day")
    resident = make_resident(city, name="Li Ming", username="liming")
    services.registration_create(actor=resident.user, learner=resident, event=event)
    page.reload()
    assert_accessible(page)
    page.get_by_role("button", name="Check in Li Ming").click()

    expect(page.get_by_text("Checked in: Li Ming")).to_be_visible()
    assert Registration.objects.get(learner=resident).status == RegistrationStatus.ATTENDED
    assert_accessible(page)

    # and the week's participation is counted for the organizer's scope
    make_edition(city)
    page.goto("/events/organize/")
    page.get_by_role("link", name="Learning Week participation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Learning Week participation")
    assert_accessible(page)
