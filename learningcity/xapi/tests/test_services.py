"""Credentials and registrations: who may issue and revoke, what is stored, what is audited,
and the command scripts use."""

from __future__ import annotations

import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection

from learningcity.core.errors import Conflict, NotFound, ValidationFailed
from learningcity.core.models import AuditEntry
from learningcity.network.tests.factories import City
from learningcity.xapi import services
from learningcity.xapi.models import Credential
from learningcity.xapi.services import statements
from learningcity.xapi.tests.factories import issue, statement


def test_only_a_digest_of_the_secret_is_stored_and_issuing_is_audited(city: City) -> None:
    issued = services.credential_create(
        actor=city.a.school_admin, provider=city.a.school, name="Moodle"
    )
    stored = Credential.objects.get(pk=issued.credential.pk)
    assert issued.secret not in stored.secret_digest
    assert services.credential_authenticate(issued.key, issued.secret) == stored
    assert services.credential_authenticate(issued.key, issued.secret + "x") is None
    assert AuditEntry.objects.filter(action="xapi.credential_create").count() == 1


def test_another_districts_admin_may_not_issue_or_revoke(city: City) -> None:
    with pytest.raises(NotFound):
        services.credential_create(actor=city.b.school_admin, provider=city.a.school, name="X")
    issued = services.credential_create(
        actor=city.a.school_admin, provider=city.a.school, name="Moodle"
    )
    with pytest.raises(NotFound):
        services.credential_revoke(actor=city.b.officer, public_id=issued.credential.public_id)
    # The district office governs its area's providers.
    services.credential_revoke(actor=city.a.officer, public_id=issued.credential.public_id)
    assert services.credential_authenticate(issued.key, issued.secret) is None
    assert AuditEntry.objects.filter(action="xapi.credential_revoke").count() == 1


def test_a_viewer_may_not_issue(city: City) -> None:
    with pytest.raises(NotFound):
        services.credential_create(actor=city.municipal_officer, provider=city.a.school, name="X")


def test_an_activity_is_registered_once_per_provider(city: City) -> None:
    kwargs = {
        "actor": city.a.school_admin,
        "provider": city.a.school,
        "activity_id": "https://lms.example.org/a",
        "title": "A",
        "category": "digital",
        "hours": Decimal("2"),
    }
    services.registration_create(**kwargs)  # type: ignore[arg-type]
    with pytest.raises(Conflict):
        services.registration_create(**kwargs)  # type: ignore[arg-type]
    with pytest.raises(ValidationFailed):
        services.registration_create(**{**kwargs, "activity_id": "relative"})  # type: ignore[arg-type]


def test_the_command_prints_key_and_secret_as_json(city: City) -> None:
    out = io.StringIO()
    call_command("xapi", "credentials", "create", "--provider", city.a.college.code, stdout=out)
    printed = json.loads(out.getvalue())
    assert set(printed) == {"key", "secret"}
    assert services.credential_authenticate(printed["key"], printed["secret"]) is not None
    call_command("xapi", "credentials", "revoke", printed["key"], stdout=io.StringIO())
    assert services.credential_authenticate(printed["key"], printed["secret"]) is None


@pytest.mark.parametrize(
    ("pks", "doubled"),
    [
        ([1000, 1023], False),  # below 1,024: too small to matter
        ([1000, 1024], True),
        ([1024, 1100], True),
        ([1025, 2047], False),
        ([2040, 2050], True),
        ([65536], True),
        ([65537, 65600], False),
    ],
)
def test_statistics_are_refreshed_each_time_the_table_doubles(
    pks: list[int], doubled: bool
) -> None:
    assert statements._doubled(pks) is doubled


def test_refreshing_statistics_gives_the_planner_a_row_count(city: City) -> None:
    services.statements_store(credential=issue(city).credential, statements=[statement()])
    statements._analyze()
    if connection.vendor == "postgresql":  # (SQLite keeps no such statistics)
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'xapi_statement'")
            assert cursor.fetchone() == (1.0,)  # -1 until the table is first analysed
