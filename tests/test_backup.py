"""Backup and restore: a database holding data from several apps is backed up, changed
(rows updated, deleted and added, audit entries removed behind the guard's back), restored,
and then holds exactly what it held at the backup, table by table, row by row."""

from __future__ import annotations

import hashlib
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from learningcity.core import auditlog
from learningcity.core.services import audit_seal
from learningcity.creditbank.tests.factories import make_bank, submit
from learningcity.creditbank.tests.factories import make_resident as make_bank_resident
from learningcity.enrollment import services as enrollment
from learningcity.enrollment.models import DrawEntry
from learningcity.enrollment.tests.factories import close_window, make_class, make_term
from learningcity.enrollment.tests.factories import make_resident as make_applicant
from learningcity.funding import services as funding
from learningcity.funding.data import PlaceDelivery
from learningcity.funding.tests.factories import make_elder, make_funded, make_paid_class
from learningcity.learners.tests.factories import make_learner
from learningcity.network.models import Organization
from learningcity.network.tests.factories import City

pytestmark = pytest.mark.django_db(transaction=True)


def snapshot() -> dict[str, tuple[int, str]]:
    """Every table's row count and a checksum of its rows (in a canonical order)."""
    tables: dict[str, tuple[int, str]] = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - names from the database
            rows = sorted(
                repr(tuple(bytes(v) if isinstance(v, memoryview) else v for v in row))
                for row in cursor.fetchall()
            )
            digest = hashlib.sha256("\n".join(rows).encode()).hexdigest()
            tables[table] = (len(rows), digest)
    return tables


def a_city_with_data(city: City) -> None:
    """Learners, credit-bank records and postings, a drawn lottery, a paid settlement in the
    money journal, and the audit log of all of it, sealed."""
    bank = make_bank(city)
    for _ in range(3):
        submit(bank, make_bank_resident(city))
    term = make_term(city)
    klass = make_class(city, term, capacity=2)
    for _ in range(4):
        resident = make_applicant(city)
        enrollment.application_submit(actor=resident.user, learner=resident, klass=klass)
    close_window(klass)
    enrollment.lottery_draw(actor=city.root, term=term)
    funded = make_funded(city)
    paid = make_paid_class(city, capacity=3)
    elder = make_elder(funded)
    source = f"place:{elder.pk}:{paid.pk}"
    funding.place_commit(actor=elder.user, learner=elder, klass=paid, source=source)
    settlement = funding.class_deliver(
        actor=funded.municipal, klass=paid, places=[PlaceDelivery(source, elder.pk, 3, 4)]
    )
    assert settlement is not None
    funding.settlement_pay(actor=funded.municipal, public_id=settlement.public_id)
    audit_seal()


def test_a_restore_brings_back_every_table_as_it_was(city: City, tmp_path: Path) -> None:
    a_city_with_data(city)
    before = snapshot()
    backup_file = tmp_path / "city.backup"
    out = StringIO()
    call_command("backup", "--out", str(backup_file), stdout=out)
    assert f"Backed up to {backup_file}" in out.getvalue()
    # Afterwards: rows changed, deleted and added; the newest audit entries cut off.
    Organization.objects.update(name_en="Renamed")
    DrawEntry.objects.all().delete()
    make_learner(actor=city.root, area=city.b.neighbourhood)
    with auditlog.unguarded(), connection.cursor() as cursor:
        newest = auditlog.verify().head_sequence
        cursor.execute("DELETE FROM core_auditentry WHERE sequence > %s", [newest - 3])
    changed = snapshot()
    assert changed != before

    call_command("restore", str(backup_file), "--yes", stdout=out)

    after = snapshot()
    assert after.keys() == before.keys()
    assert [t for t in before if after[t] != before[t]] == []
    assert before["core_auditentry"][0] > 10
    assert auditlog.verify().intact
    assert auditlog.guard_installed()  # the append-only triggers came back with the tables


def test_restore_is_refused_without_yes(city: City, tmp_path: Path) -> None:
    backup_file = tmp_path / "city.backup"
    call_command("backup", "--out", str(backup_file), stdout=StringIO())

    with pytest.raises(CommandError, match="Run again with --yes"):
        call_command("restore", str(backup_file), stdout=StringIO())


def test_a_file_that_is_not_a_backup_is_refused_and_changes_nothing(
    city: City, tmp_path: Path
) -> None:
    before = snapshot()
    bogus = tmp_path / "bogus.backup"
    bogus.write_bytes(b"not a backup at all" * 100)

    with pytest.raises(CommandError):
        call_command("restore", str(bogus), "--yes", stdout=StringIO())
    with pytest.raises(CommandError, match="no such file"):
        call_command("restore", str(tmp_path / "missing"), "--yes", stdout=StringIO())

    assert snapshot() == before
