"""Kill and restart: a bulk import, a lottery draw and a settlement run are each stopped by
SIGKILL in the middle, in a separate process, then run again; nothing is lost or doubled.

The child processes reach the test's own database (the SQLite file or the PostgreSQL test
database) through DATABASE_URL, so these tests commit for real (transaction=True)."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, Sum

from learningcity.catalog.models import Class
from learningcity.core import auditlog
from learningcity.core.models import AuditEntry
from learningcity.creditbank.models import LearningRecord, Posting
from learningcity.creditbank.services import account_for
from learningcity.creditbank.tests.factories import Bank, make_bank
from learningcity.creditbank.tests.factories import make_resident as make_bank_resident
from learningcity.enrollment import services as enrollment
from learningcity.enrollment.choices import ApplicationStatus, DrawStatus
from learningcity.enrollment.models import Application, Draw, DrawEntry
from learningcity.enrollment.tests.factories import close_window, make_class, make_term
from learningcity.enrollment.tests.factories import make_resident as make_applicant
from learningcity.funding import services as funding
from learningcity.funding.choices import (
    AccountKind,
    SettlementStatus,
    TransactionKind,
)
from learningcity.funding.models import JournalLine, JournalTransaction, LedgerAccount, Settlement
from learningcity.funding.tests.factories import Funded, make_elder, make_funded, make_paid_class
from learningcity.network.tests.factories import City

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parent.parent
CHILD = Path(__file__).with_name("resilience_child.py")
KILLED = -signal.SIGKILL


def database_url() -> str:
    """The database this test runs on, as the child's DATABASE_URL."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def child_env() -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url(),
        "PYTHONPATH": str(ROOT),
        "LEARNINGCITY_VAR_DIR": str(settings.VAR_DIR),
    }


def run(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, env=child_env(), cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def kill_when(args: list[str], ready: Callable[[], bool], timeout: float = 60) -> int:
    """Start the child, poll the database from here until `ready()` holds, SIGKILL it there;
    returns the child's exit status (the test asserts it was the kill that ended it)."""
    child = subprocess.Popen(
        args, env=child_env(), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + timeout
    try:
        while child.poll() is None and time.monotonic() < deadline:
            if ready():
                child.send_signal(signal.SIGKILL)
                break
            time.sleep(0.01)
        return child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
        connection.close()  # the polls' connection, so the child's locks are not ours


def audit_chain_holds() -> None:
    out = StringIO()
    call_command("audit", "verify", stdout=out, stderr=StringIO())
    assert "Audit chain intact" in out.getvalue()
    assert auditlog.verify().unsealed == 0


# A bulk import ----------------------------------------------------------------------------

ROWS = 24_000
CHUNK = 1_000


def _records_file(path: Path, accounts: list[str]) -> None:
    """ROWS culture-and-leisure records spread over the accounts and seven years, so the
    caps per year and term keep biting as the import goes."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["external_id", "account_number", "category", "title", "completed_on", "hours",
             "attendance_rate"]
        )  # fmt: skip
        day = dt.date(2019, 1, 7)
        for n in range(ROWS):
            completed = day + dt.timedelta(days=(n * 13) % 2500)
            writer.writerow(
                [f"K{n:06d}", accounts[n % len(accounts)], "culture_leisure", "书法入门",
                 completed.isoformat(), 15 + n % 30, 90]
            )  # fmt: skip


def test_a_killed_bulk_import_restarted_records_every_row_once(city: City, tmp_path: Path) -> None:
    bank: Bank = make_bank(city)
    accounts = [account_for(make_bank_resident(city).pk).number for _ in range(40)]
    source = tmp_path / "records.csv"
    _records_file(source, accounts)
    provider = city.a.college
    command = [sys.executable, "-m", "learningcity", "creditbank", "import", str(source),
               "--provider", provider.code, "--verify", "--chunk", str(CHUNK)]  # fmt: skip
    records = LearningRecord.objects.filter(provider=provider)

    # The kill lands once some chunks are committed and more are still to come.
    status = kill_when(command, lambda: records.count() >= 3 * CHUNK)
    stored_at_kill = records.count()

    assert status == KILLED
    assert 3 * CHUNK <= stored_at_kill < ROWS
    assert stored_at_kill % CHUNK == 0  # whole chunks, never part of one

    again = run(command)

    assert again.returncode == 0, again.stderr
    assert f"{ROWS - stored_at_kill:,} created, {stored_at_kill:,} already there" in again.stdout
    # Every row of the file once, none lost, none twice.
    ids = list(records.values_list("external_id", flat=True))
    assert len(ids) == ROWS
    assert set(ids) == {f"K{n:06d}" for n in range(ROWS)}
    # Every posting once, on the record it recognises, for the credits the record shows.
    postings = Posting.objects.filter(record__provider=provider)
    assert not postings.values("record_id").annotate(n=Count("id")).filter(n__gt=1).exists()
    assert postings.count() == records.filter(credits__gt=0).count() > 0
    granted = records.aggregate(total=Sum("credits"))["total"]
    assert postings.aggregate(total=Sum("credits"))["total"] == granted
    # The caps held across the restart: the second process read what the first had granted.
    for per_year in postings.values("account_id", "year").annotate(total=Sum("credits")):
        assert per_year["total"] <= bank.leisure.versions.get().cap_per_year
    # One audit entry per committed chunk, together accounting for every row.
    chunks = AuditEntry.objects.filter(action="creditbank.records_import")
    assert sum(e.data["created"] for e in chunks) == ROWS
    audit_chain_holds()


# A lottery draw ---------------------------------------------------------------------------


def _lottery(city: City) -> tuple[str, list[Class]]:
    term = make_term(city, cap=2)
    classes = [make_class(city, term, capacity=4) for _ in range(4)]
    for n in range(40):
        resident = make_applicant(city)
        for rank, klass in enumerate((classes[n % 4], classes[(n + 1) % 4]), start=1):
            enrollment.application_submit(
                actor=resident.user, learner=resident, klass=klass, rank=rank
            )
    for klass in classes:
        close_window(klass)
    return term.code, classes


def test_a_draw_killed_mid_way_leaves_nothing_and_the_restart_draws_once(city: City) -> None:
    term, classes = _lottery(city)
    command = [sys.executable, str(CHILD), "draw", term, "--actor", city.root.username]

    killed = run([*command, "--die-after", "2"])  # inside the draw, after two classes' seats

    assert killed.returncode == KILLED
    assert "killing myself after class_seats_take #2" in killed.stdout
    draw = Draw.objects.get(term__code=term)
    assert draw.status == DrawStatus.COMMITTED
    assert DrawEntry.objects.count() == 0
    assert Application.objects.exclude(status=ApplicationStatus.APPLIED).count() == 0
    assert sum(Class.objects.filter(term__code=term).values_list("seats_taken", flat=True)) == 0

    again = run(command)

    assert again.returncode == 0, again.stderr
    assert "16 offered" in again.stdout
    draw.refresh_from_db()
    assert draw.status == DrawStatus.DRAWN
    assert DrawEntry.objects.count() == Application.objects.count() == 80
    offered = Counter(
        Application.objects.filter(status=ApplicationStatus.OFFERED).values_list(
            "klass_id", flat=True
        )
    )
    assert offered == {c.pk: 4 for c in classes}
    for klass in Class.objects.filter(term__code=term):
        assert klass.seats_taken == offered[klass.pk]
    assert AuditEntry.objects.filter(action="lottery.draw").count() == 1
    # Running the draw yet again changes nothing.
    third = run(command)
    assert third.returncode == 1
    assert "Conflict" in third.stderr
    assert Application.objects.filter(status=ApplicationStatus.OFFERED).count() == 16
    out = StringIO()
    call_command("lottery", "verify", term, stdout=out)
    assert "80 entries recomputed identically (16 offered)" in out.getvalue()
    audit_chain_holds()


# A settlement run -------------------------------------------------------------------------


def _finished_classes(funded: Funded, tmp_path: Path) -> Path:
    """Six classes with two elders' funded places each, over; the plan the run settles."""
    plan: dict[str, Any] = {"classes": []}
    for n in range(6):
        klass = make_paid_class(funded.city, capacity=5)
        places = []
        for attended in (4, 1 + n % 3):
            elder = make_elder(funded)
            source = f"place:{elder.pk}:{klass.pk}"
            funding.place_commit(actor=elder.user, learner=elder, klass=klass, source=source)
            places.append([source, elder.pk, attended, 4])
        plan["classes"].append({"class_id": klass.pk, "places": places})
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    return path


def _journal_balances() -> None:
    """Every transaction's lines sum to zero; every account's balance is the sum of its
    lines; nothing went below zero."""
    per_transaction = JournalLine.objects.values("transaction_id").annotate(total=Sum("amount"))
    assert all(Decimal(str(t["total"])) == 0 for t in per_transaction)
    lines: dict[int, Decimal] = defaultdict(Decimal)
    for account_id, amount in JournalLine.objects.values_list("account_id", "amount"):
        lines[account_id] += Decimal(str(amount))
    for account in LedgerAccount.objects.all():
        assert account.balance == lines[account.pk].quantize(Decimal("0.01")), account.kind
        assert account.may_go_negative or account.balance >= 0


@pytest.mark.parametrize(
    "die_after",
    [
        pytest.param(3, id="inside-the-second-class-settlement"),
        pytest.param(15, id="inside-the-third-payment"),
    ],
)
def test_a_settlement_run_killed_mid_way_pays_each_provider_once(
    city: City, tmp_path: Path, die_after: int
) -> None:
    funded = make_funded(city)
    plan = _finished_classes(funded, tmp_path)
    command = [sys.executable, str(CHILD), "settle", str(plan), "--actor",
               funded.municipal.username]  # fmt: skip

    killed = run([*command, "--die-after", str(die_after)])

    assert killed.returncode == KILLED
    assert f"killing myself after post #{die_after}" in killed.stdout
    # The transaction that was cut off left nothing behind: every settlement that exists is
    # whole, and every posting is one a whole settlement or payment made.
    for settlement in Settlement.objects.all():
        assert settlement.deliveries.count() == 2
    paid_before = Settlement.objects.filter(status=SettlementStatus.PAID).count()
    assert JournalTransaction.objects.filter(kind=TransactionKind.PAYMENT).count() == paid_before
    _journal_balances()

    again = run(command)

    assert again.returncode == 0, again.stderr
    settlements = Settlement.objects.all()
    assert settlements.count() == 6
    assert set(settlements.values_list("status", flat=True)) == {SettlementStatus.PAID}
    payments = JournalTransaction.objects.filter(kind=TransactionKind.PAYMENT)
    assert payments.count() == 6
    assert sorted(payments.values_list("idempotency_key", flat=True)) == sorted(
        f"pay:{s.public_id}" for s in settlements
    )
    deliveries = JournalTransaction.objects.filter(kind=TransactionKind.DELIVERY)
    assert deliveries.count() == 12
    assert len(set(deliveries.values_list("source", flat=True))) == 12
    total = sum(settlements.values_list("amount", flat=True), Decimal("0"))
    paid = LedgerAccount.objects.filter(kind=AccountKind.PAID).aggregate(total=Sum("balance"))
    assert Decimal(str(paid["total"])).quantize(Decimal("0.01")) == total
    assert LedgerAccount.objects.filter(kind=AccountKind.PAYABLE).aggregate(total=Sum("balance"))[
        "total"
    ] in (0, Decimal("0"), None)
    _journal_balances()
    assert AuditEntry.objects.filter(action="funding.settlement_pay").count() == 6
    audit_chain_holds()
