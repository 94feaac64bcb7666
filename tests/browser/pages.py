"""What the browser tests share: logging in as a person does, one-time code included."""

from __future__ import annotations

import re
import urllib.parse

from playwright.sync_api import Page, expect

from learningcity.accounts.models import SecondFactor
from learningcity.accounts.services import SECOND_FACTOR_CONTEXT
from learningcity.core import clock, crypto, totp

PASSWORD = "a-long-test-passphrase"
CODE_PAGE = "/accounts/two-factor/"


def one_time_code(username: str) -> str:
    """What the person's authenticator app shows now: the first code after the last one used
    (codes of the next step are accepted too, so logging in twice within 30 s still works)."""
    device = SecondFactor.objects.get(user__username=username)
    secret = crypto.decrypt(device.secret_encrypted, context=SECOND_FACTOR_CONTEXT)
    now = totp.step_at(clock.now())
    step = next(s for s in (now - 1, now, now + 1) if s > device.last_step)
    return totp.code_at(secret, step)


def log_in(page: Page, username: str, next_url: str, password: str = PASSWORD) -> None:
    """Log in through the login page and, for staff who need one, the one-time code page;
    ends on `next_url`."""
    page.goto("/accounts/login/?" + urllib.parse.urlencode({"next": next_url}))
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.keyboard.press("Enter")
    landed = re.compile(f"({re.escape(next_url)}|{re.escape(CODE_PAGE)}.*)$")
    expect(page).to_have_url(landed)
    if CODE_PAGE in page.url:
        page.locator("#id_code").fill(one_time_code(username))
        page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(re.escape(next_url) + "$"))
