"""The audit log's hash chain: sealed in one order, verified whole, guarded by the database."""

from __future__ import annotations

import sqlite3
import threading
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction
from django_tasks_db.models import DBTaskResult

from learningcity.core import auditlog, services
from learningcity.core.models import AuditEntry
from learningcity.core.services import audit_record, audit_seal


def _write(n: int, prefix: str = "s") -> list[AuditEntry]:
    return [
        audit_record(
            actor=None,
            action="test.write",
            subject=f"{prefix}:{i}",
            reason="因为",
            data={"n": i, "amount": "1.50", "nested": {"b": [1, 2], "a": None}},
        )
        for i in range(n)
    ]


def _raw(sql: str, params: list[Any]) -> None:
    """Change the table behind the sealer's back, with the database's guard lifted."""
    with auditlog.unguarded(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def _verify(*args: str) -> str:
    out = StringIO()
    call_command("audit", "verify", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.mark.django_db
def test_sealing_gives_each_entry_the_next_place_in_one_chain() -> None:
    entries = _write(4)

    sealed = audit_seal()

    assert sealed == 4
    rows = list(AuditEntry.objects.order_by("sequence").values_list("id", "sequence"))
    assert rows == [(e.pk, i) for i, e in enumerate(entries, start=1)]
    verdict = auditlog.verify()
    assert (verdict.intact, verdict.sealed, verdict.unsealed, verdict.head_sequence) == (
        True,
        4,
        0,
        4,
    )


@pytest.mark.django_db
def test_entries_committed_after_a_seal_extend_the_chain() -> None:
    _write(3)
    audit_seal(batch=2)  # two transactions: 2, then 1
    later = _write(2, prefix="later")

    assert audit_seal() == 2

    assert [AuditEntry.objects.get(pk=e.pk).sequence for e in later] == [4, 5]
    assert auditlog.verify().intact


@pytest.mark.django_db
def test_verify_seals_first_and_prints_the_counts() -> None:
    _write(3)

    output = _verify()

    assert output.startswith("Audit chain intact: 3 entries sealed (3 just now), 0 unsealed")
    head = AuditEntry.objects.get(sequence=3)
    assert output.strip().endswith(f"Head 3:{head.digest}")


@pytest.mark.django_db
def test_verify_without_sealing_counts_the_unsealed() -> None:
    _write(2)
    audit_seal()
    _write(1, prefix="late")

    output = _verify("--no-seal")

    assert "2 entries sealed (0 just now), 1 unsealed" in output


@pytest.mark.django_db
def test_the_database_refuses_to_update_an_entry() -> None:
    (entry,) = _write(1)
    audit_seal()

    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(reason="rewritten")
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(sequence=9, digest="f" * 64)


@pytest.mark.django_db
def test_the_database_refuses_to_change_an_unsealed_entry_while_sealing_it() -> None:
    (entry,) = _write(1)

    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(sequence=1, digest="f" * 64, action="x")


@pytest.mark.django_db
def test_the_database_refuses_to_delete_an_entry() -> None:
    _write(2)
    audit_seal()
    _write(1, prefix="unsealed")

    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.count() == 3


@pytest.mark.django_db
def test_the_database_refuses_an_entry_inserted_already_sealed() -> None:
    with pytest.raises(IntegrityError, match="inserted unsealed"), transaction.atomic():
        AuditEntry.objects.create(action="forged", subject="x", sequence=1, digest="a" * 64)


@pytest.mark.django_db
def test_a_changed_entry_is_found_at_its_position() -> None:
    _write(5)
    audit_seal()
    _raw("UPDATE core_auditentry SET reason = %s WHERE sequence = 3", ["nothing happened"])

    with pytest.raises(CommandError, match=r"BROKEN at position 3: entry 3 does not match"):
        _verify()


@pytest.mark.django_db
def test_changed_data_is_found_at_its_position() -> None:
    _write(5)
    audit_seal()
    _raw(
        "UPDATE core_auditentry SET data = %s WHERE sequence = 4",
        ['{"n": 3, "amount": "150.00", "nested": {"b": [1, 2], "a": null}}'],
    )

    verdict = auditlog.verify()

    assert (verdict.broken_at, verdict.head_sequence) == (4, 3)


@pytest.mark.django_db
def test_a_deleted_entry_is_found_at_its_position() -> None:
    _write(5)
    audit_seal()
    _raw("DELETE FROM core_auditentry WHERE sequence = 2", [])

    with pytest.raises(CommandError, match=r"BROKEN at position 2: entry 2 is missing"):
        _verify()


@pytest.mark.django_db
def test_a_forged_entry_slipped_into_the_chain_is_found() -> None:
    # The forger makes room at place 3 and chains a forged entry correctly to entry 2; the
    # real entry 3, now at 4, no longer chains to what comes before it.
    _write(5)
    audit_seal()
    previous = AuditEntry.objects.get(sequence=2).digest
    _raw("UPDATE core_auditentry SET sequence = sequence + 100 WHERE sequence >= 3", [])
    _raw("UPDATE core_auditentry SET sequence = sequence - 99 WHERE sequence >= 103", [])
    with auditlog.unguarded():
        forged = AuditEntry.objects.create(action="funding.payment", subject="money:x")
        row = AuditEntry.objects.filter(pk=forged.pk).values_list(*auditlog.CHAINED_COLUMNS).get()
        digest = auditlog.entry_digest(previous, 3, row)
        AuditEntry.objects.filter(pk=forged.pk).update(sequence=3, digest=digest)

    with pytest.raises(CommandError, match=r"BROKEN at position 4: entry 4 does not match"):
        _verify()


@pytest.mark.django_db
def test_a_cut_off_tail_is_found_against_a_recorded_head() -> None:
    _write(4)
    audit_seal()
    head = AuditEntry.objects.get(sequence=4)
    assert "intact" in _verify("--head", f"4:{head.digest}")
    _raw("DELETE FROM core_auditentry WHERE sequence = 4", [])

    assert "intact" in _verify()  # the chain alone cannot tell its end was cut off
    with pytest.raises(CommandError, match=r"BROKEN at position 4: entry 4, the recorded head"):
        _verify("--head", f"4:{head.digest}")


@pytest.mark.django_db
def test_a_malformed_head_is_refused() -> None:
    with pytest.raises(CommandError, match="SEQUENCE:DIGEST"):
        _verify("--head", "4:abc")


@pytest.mark.django_db
def test_the_serialization_is_stable() -> None:
    # The digest depends on the content only, not on key order or the database's spacing.
    (entry,) = _write(1)
    audit_seal()
    row = AuditEntry.objects.filter(pk=entry.pk).values_list(*auditlog.CHAINED_COLUMNS).get()
    reordered = (*row[:6], {"nested": {"a": None, "b": [1, 2]}, "amount": "1.50", "n": 0})

    assert auditlog.entry_digest(auditlog.GENESIS, 1, reordered) == (
        AuditEntry.objects.get(pk=entry.pk).digest
    )


@pytest.mark.django_db
def test_a_transaction_queues_one_seal_however_many_entries_it_writes(
    django_capture_on_commit_callbacks: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "_seal_queued_until", 0.0)
    seals = DBTaskResult.objects.filter(task_path="learningcity.core.tasks.seal_audit_log")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:  # type: ignore[operator]
        _write(3)
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        _write(1, prefix="soon after")  # the seal queued a moment ago will take it too

    assert len(callbacks) == 1
    assert seals.count() == 1


@pytest.mark.django_db
def test_the_seal_task_seals() -> None:
    from learningcity.core.tasks import seal_audit_log

    _write(2)

    assert seal_audit_log.call() == 2
    assert auditlog.verify().sealed == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_and_sealers_end_in_one_unbroken_chain() -> None:
    # Writers commit entries in transactions of several rows while sealers run beside them;
    # every entry ends up sealed exactly once, in one chain.
    writers, per_writer, rounds = 6, 4, 5
    start = threading.Barrier(writers + 2)
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            start.wait()
            for r in range(rounds):
                with transaction.atomic():
                    for i in range(per_writer):
                        audit_record(actor=None, action="race", subject=f"w{n}:{r}:{i}")
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    def seal() -> None:
        try:
            start.wait()
            for _ in range(rounds):
                audit_seal(batch=7)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    threads += [threading.Thread(target=seal) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    audit_seal()

    assert errors == []
    total = writers * per_writer * rounds
    verdict = auditlog.verify()
    assert (verdict.intact, verdict.sealed, verdict.unsealed) == (True, total, 0)
    assert sorted(s or 0 for s in AuditEntry.objects.values_list("sequence", flat=True)) == list(
        range(1, total + 1)
    )


@pytest.mark.django_db(transaction=True)
def test_an_entry_committed_late_by_a_long_transaction_is_sealed_later() -> None:
    if connection.vendor != "postgresql":
        _sqlite_holds_one_writer_at_a_time()
        return
    written, release = threading.Event(), threading.Event()
    late: list[int] = []

    def long_transaction() -> None:
        try:
            with transaction.atomic():
                late.append(audit_record(actor=None, action="slow", subject="late").pk)
                written.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    thread = threading.Thread(target=long_transaction)
    thread.start()
    assert written.wait(timeout=30)
    others = _write(5)
    sealed_before = audit_seal(batch=2)
    release.set()
    thread.join(timeout=30)

    sealed_after = audit_seal(batch=2)

    assert (sealed_before, sealed_after) == (5, 1)
    assert late[0] < min(e.pk for e in others)  # its id came first, its place in the chain last
    assert AuditEntry.objects.get(pk=late[0]).sequence == 6
    assert auditlog.verify().intact


def _sqlite_holds_one_writer_at_a_time() -> None:
    """On SQLite no transaction can commit out of order: while one writes, another writer
    cannot even begin, so the seal order is the commit order."""
    held, release = threading.Event(), threading.Event()

    def writer() -> None:
        try:
            with transaction.atomic():
                audit_record(actor=None, action="slow", subject="late")
                held.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    thread = threading.Thread(target=writer)
    thread.start()
    assert held.wait(timeout=30)
    other = sqlite3.connect(connection.settings_dict["NAME"], timeout=0.1)
    try:
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
    finally:
        other.close()
        release.set()
        thread.join(timeout=30)
    assert audit_seal() == 1
