"""Logging in safely: Argon2 hashes, a wait after repeated failures that tells nobody which
accounts exist, a new session id at every login, and a password reset that answers the same
for every address."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.contrib.auth.hashers import make_password
from django.core import mail
from django.core.cache import caches
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from learningcity.accounts.models import LoginThrottle, User
from learningcity.accounts.services import ACCOUNT_FAILURES, user_create
from learningcity.core import clock
from learningcity.core.models import AuditEntry
from learningcity.core.ratelimit import CACHE as RATE_LIMIT_CACHE

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
RESET = reverse("accounts:password_reset")
PASSWORD = "a-long-test-passphrase"
ARGON2_FIRST = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]


def make_user(username: str = "lin", email: str = "") -> User:
    user = user_create(actor=None, username=username, password=PASSWORD)
    if email:
        User.objects.filter(pk=user.pk).update(email=email)
    return user


def fail(client: Client, username: str, times: int = 1, **extra: Any) -> Any:
    response = None
    for _ in range(times):
        response = client.post(LOGIN, {"username": username, "password": "wrong"}, **extra)
    return response


def test_new_passwords_are_hashed_with_argon2_and_old_ones_upgrade_at_login(
    client: Client, settings: Any
) -> None:
    settings.PASSWORD_HASHERS = ARGON2_FIRST
    fresh = make_user("fresh")
    old = make_user("old")
    User.objects.filter(pk=old.pk).update(password=make_password(PASSWORD, hasher="pbkdf2_sha256"))

    client.post(LOGIN, {"username": "old", "password": PASSWORD})

    assert User.objects.get(pk=fresh.pk).password.startswith("argon2$argon2id$")
    assert User.objects.get(pk=old.pk).password.startswith("argon2$argon2id$")


def test_the_fifth_failure_locks_the_account_with_a_clear_message(client: Client) -> None:
    make_user()
    client.cookies["lc_language"] = "en"

    fourth = fail(client, "lin", ACCOUNT_FAILURES - 1)
    fifth = fail(client, "lin")
    right = client.post(LOGIN, {"username": "lin", "password": PASSWORD})

    assert "Please enter a correct username and password." in fourth.content.decode()
    assert "Too many failed attempts" in fifth.content.decode()
    assert "wait 5 minutes" in fifth.content.decode()
    # Even the right password waits until the lock ends
    assert "Too many failed attempts" in right.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(action="login.locked").count() == 1


def test_the_lock_ends_and_each_lockout_doubles_the_wait(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_user()
    client.cookies["lc_language"] = "en"
    start = clock.now()
    fail(client, "lin", ACCOUNT_FAILURES)

    monkeypatch.setattr(clock, "now", lambda: start + dt.timedelta(minutes=6))
    second = fail(client, "lin", ACCOUNT_FAILURES)
    monkeypatch.setattr(clock, "now", lambda: start + dt.timedelta(minutes=17))
    after = client.post(LOGIN, {"username": "lin", "password": PASSWORD})

    assert "wait 10 minutes" in second.content.decode()
    assert after.status_code == 302
    assert not LoginThrottle.objects.filter(lockouts__gt=0, key__startswith="user:").exists()


def test_an_unknown_username_locks_exactly_like_a_real_one(client: Client) -> None:
    make_user()
    english = {"HTTP_ACCEPT_LANGUAGE": "en"}
    real = fail(Client(), "lin", ACCOUNT_FAILURES, **english).content.decode()
    unknown = fail(Client(), "nobody-here", ACCOUNT_FAILURES, **english).content.decode()

    def message(page: str) -> str:
        return page.split('id="login-error">')[1].split("</div>")[0]

    assert message(real) == message(unknown)
    assert "Too many failed attempts" in message(unknown)


def test_one_address_failing_for_many_accounts_is_slowed_down(client: Client) -> None:
    make_user()
    for n in range(50):
        if n % 25 == 0:  # spread over minutes: the per-minute page limit is not under test
            caches[RATE_LIMIT_CACHE].clear()
        fail(client, f"guess-{n}", REMOTE_ADDR="203.0.113.9")

    from_there = client.post(
        LOGIN,
        {"username": "lin", "password": PASSWORD},
        REMOTE_ADDR="203.0.113.9",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    elsewhere = Client().post(
        LOGIN, {"username": "lin", "password": PASSWORD}, REMOTE_ADDR="198.51.100.7"
    )

    assert from_there.status_code == 200
    assert "Too many failed attempts" in from_there.content.decode()
    assert elsewhere.status_code == 302


def test_more_than_thirty_login_posts_a_minute_from_one_address_get_429(client: Client) -> None:
    answers = [fail(client, f"guess-{n}", REMOTE_ADDR="203.0.113.7") for n in range(31)]

    assert {a.status_code for a in answers[:30]} == {200}
    assert answers[30].status_code == 429
    assert answers[30]["Retry-After"].isdigit()


def test_the_throttle_table_holds_no_usernames(client: Client) -> None:
    fail(client, "my-secret-password-typed-in-the-wrong-box")

    keys = list(LoginThrottle.objects.values_list("key", flat=True))
    assert len(keys) == 2
    assert not any("secret" in key or "127.0.0.1" in key for key in keys)


def test_logging_in_starts_a_new_session(client: Client) -> None:
    make_user()
    client.get(LOGIN)
    client.session.save()
    before = client.session.session_key

    client.post(LOGIN, {"username": "lin", "password": PASSWORD})

    assert client.session.session_key != before
    assert client.session.get_expire_at_browser_close()


def _run_worker() -> None:
    call_command(
        "db_worker", "--batch", "--no-startup-delay", stdout=io.StringIO(), stderr=io.StringIO()
    )


@pytest.mark.django_db(transaction=True)
def test_password_reset_answers_the_same_and_mails_only_a_real_account(settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    user = make_user(email="lin@example.org")

    known = Client().post(RESET, {"email": "lin@example.org"})
    unknown = Client().post(RESET, {"email": "nobody@example.org"})
    _run_worker()

    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == reverse("accounts:password_reset_done")
    assert [m.to for m in mail.outbox] == [["lin@example.org"]]
    link = next(line for line in mail.outbox[0].body.splitlines() if "/password-reset/" in line)
    path = link.split("://", 1)[1].split("/", 1)[1]
    client = Client()
    form = client.get("/" + path, follow=True)
    assert form.status_code == 200
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "another-long-passphrase", "new_password2": "another-long-passphrase"},
    )
    assert done["Location"] == reverse("accounts:password_reset_complete")
    user.refresh_from_db()
    assert user.check_password("another-long-passphrase")


def test_the_admin_logs_in_through_the_same_guarded_page(client: Client) -> None:
    response = client.get("/admin/", follow=True)

    assert response.redirect_chain[-1][0] == f"{LOGIN}?next=%2Fadmin%2F"
    assert response.status_code == 200
