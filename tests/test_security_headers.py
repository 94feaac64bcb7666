"""Browser defences: a Content Security Policy with no inline script anywhere, the usual
security headers on every page, CSRF on forms, and a clean `check --deploy` in production."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from base64 import b64encode
from pathlib import Path

import pytest
from django.test import Client

from learningcity.core.middleware import CONTENT_SECURITY_POLICY

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = sorted((ROOT / "learningcity").glob("**/templates/**/*.html"))
INLINE = [
    (
        re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/(ld\+)?json\")", re.I),
        "script",
    ),
    (re.compile(r"\sstyle\s*=", re.I), "style attribute"),
    (re.compile(r"<style", re.I), "style element"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "event handler attribute"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


def test_the_policy_allows_no_inline_script_or_style() -> None:
    directives = dict(d.split(" ", 1) for d in CONTENT_SECURITY_POLICY.split("; "))

    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in CONTENT_SECURITY_POLICY


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_template_has_inline_script_or_style(template: Path) -> None:
    text = template.read_text(encoding="utf-8")

    found = [name for pattern, name in INLINE if pattern.search(text)]

    assert found == [], f"{template.relative_to(ROOT)} has inline {', '.join(found)}"


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/api/docs", "/api/v1/areas"])
def test_every_response_carries_the_security_headers(client: Client, path: str) -> None:
    response = client.get(path)

    assert response.status_code == 200
    assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert "camera=(self)" in response["Permissions-Policy"]


@pytest.mark.django_db
def test_a_form_posted_without_its_csrf_token_is_refused(db: None) -> None:
    client = Client(enforce_csrf_checks=True)

    response = client.post("/accounts/login/", {"username": "a", "password": "b"})

    assert response.status_code == 403


def _production_environment() -> dict[str, str]:
    # Nothing of the test run's own environment that production would not have.
    dropped = ("DEBUG", "LEARNINGCITY_DEV_KEYS_OK", "DJANGO_ALLOW_ASYNC_UNSAFE")
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update(
        SECRET_KEY=secrets.token_urlsafe(50),
        FIELD_ENCRYPTION_KEYS="1:" + b64encode(secrets.token_bytes(32)).decode(),
        BLIND_INDEX_KEY=b64encode(secrets.token_bytes(32)).decode(),
        ALLOWED_HOSTS="learning.example.org",
        CSRF_TRUSTED_ORIGINS="https://learning.example.org",
        CREDENTIALS_BASE_URL="https://learning.example.org",
    )
    return env


def test_check_deploy_is_clean_under_production_settings() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "learningcity", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_production_environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_redirects_to_https_and_sends_hsts() -> None:
    script = (
        "import django; django.setup();"
        "from django.test import Client;"
        "r = Client(HTTP_HOST='learning.example.org').get('/accounts/login/');"
        "s = Client(HTTP_HOST='learning.example.org').get('/accounts/login/', secure=True);"
        "print(r.status_code, r['Location'], s.get('Strict-Transport-Security'))"
    )
    env = _production_environment()
    env["DJANGO_SETTINGS_MODULE"] = "learningcity.settings"
    env["STATIC_MANIFEST"] = "false"  # no collectstatic here
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.stdout.split() == [
        "301",
        "https://learning.example.org/accounts/login/",
        "max-age=31536000;",
        "includeSubDomains;",
        "preload",
    ], result.stderr
