"""Concurrent commitments: many elders accept subsidised places at once, against one budget
and each their own learning allowance. Does any budget or allowance go below zero, is any
commitment lost or made twice, and how fast is it next to plain INSERTs?

On a throwaway PostgreSQL cluster (scripts/with-postgres.sh), in a child process:

1. migrate a fresh database; a small city (two districts, offices, a school) through the
   services; one municipal budget; an elder policy paying 50 % of the fee from the municipal
   level alone (so every commitment meets on that one budget's rows); an allowance granted
   to each of BENCH_FUNDING_LEARNERS elders (one tranche each); one class with a 200-yuan
   fee. The budget holds BENCH_FUNDING_BUDGET_SHARE of what all the subsidies need, so the
   last acceptances find it empty. Not timed.
2. BENCH_FUNDING_WORKERS processes (at least 32), each with its own connection, commit the
   places through funding.services.place_commit, the function enrollment's offer_accept
   calls; one learner in 8 is sent twice (a double tap), half of those at once from another
   worker. commitments_per_s counts places answered (committed or refused) per second.
3. the same number of bare single-row INSERTs (one per transaction, the same workers) into a
   table of the same shape: the baseline. ratio_to_bare_inserts = commitments/s over
   inserts/s.
4. violations: a transaction whose lines do not sum to zero; an account whose balance is not
   the sum of its lines or is below zero; a place committed twice; an acknowledged place
   without its commitment, or a refused one with one; the budget's money not adding up
   (appropriated = available + committed); an allowance spent beyond its grant.

The last line printed is one JSON object.

    make bench ONLY=funding_commit
    BENCH_FUNDING_LEARNERS=2000 BENCH_FUNDING_WORKERS=32 .venv/bin/python bench/funding_commit.py

Environment: BENCH_FUNDING_LEARNERS (4000), BENCH_FUNDING_WORKERS (32, never fewer),
BENCH_FUNDING_BUDGET_SHARE (0.9).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = str(Path(__file__).resolve())
FEE = Decimal("200")
SUBSIDY = Decimal("100")  # 50 % of the fee
ALLOWANCE = Decimal("60")
YEAR = 2027


def _int_env(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


def _float_env(name: str, default: float) -> float:
    value = os.environ.get(name, "")
    return float(value) if value.strip() else default


# ---------------------------------------------------------------------------------------------
# In the child, with Django
# ---------------------------------------------------------------------------------------------


def _django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "learningcity.settings")
    import django

    django.setup()


def _setup(learners: int, share: float) -> dict[str, Any]:
    import datetime as dt

    from django.core.management import call_command

    from learningcity.core import idnumber
    from learningcity.funding import services
    from learningcity.funding.choices import Benefit, BudgetLevel
    from learningcity.funding.tests.factories import make_paid_class
    from learningcity.learners.data import LearnerRow
    from learningcity.learners.models import Learner
    from learningcity.learners.services import learners_bulk_register
    from learningcity.network.tests.factories import make_city

    call_command("migrate", "--noinput", verbosity=0)
    started = time.perf_counter()
    city = make_city()
    root = city.root
    budget = services.budget_create(
        actor=root,
        fiscal_year=YEAR,
        organization=city.commission,
        amount=(SUBSIDY * learners * Decimal(str(share))).quantize(Decimal("1")),
    )
    # The allowance is funded by the districts' budgets, so the municipal budget is the one
    # every acceptance meets on.
    for district in (city.a, city.b):
        services.budget_create(
            actor=root,
            fiscal_year=YEAR,
            organization=district.office,
            amount=ALLOWANCE * learners,
        )
    services.policy_create(
        actor=root,
        owner=city.commission,
        code="BENCH-AGED",
        name_zh="老年人学习补贴",
        groups=["aged"],
        benefit=Benefit.PERCENT,
        percent=Decimal("50"),
        shares=(Decimal(100), Decimal(0), Decimal(0)),
        valid_from=dt.date(2020, 1, 1),
    )
    scheme = services.scheme_create(
        actor=root,
        owner=city.commission,
        code="BENCH-ALLOWANCE",
        name_zh="老年学习津贴",
        groups=["aged"],
        amount=ALLOWANCE,
        funded_by=BudgetLevel.DISTRICT,
        valid_from=dt.date(2020, 1, 1),
    )
    klass = make_paid_class(city, fee=FEE)
    areas = [city.a.neighbourhood.pk, city.b.neighbourhood.pk]
    rows = (
        LearnerRow(
            name=f"长者{n}",
            birth_date=dt.date(1950, 1, 1) + dt.timedelta(days=n % 3000),
            gender="female",
            residence_area_id=areas[n % 2],
            household="local",
            id_number=idnumber.build(
                "310101", dt.date(1950, 1, 1) + dt.timedelta(days=n % 3000), n // 3000 + 1
            ),
        )
        for n in range(learners)
    )
    learners_bulk_register(actor=root, rows=rows)
    ids = list(Learner.objects.order_by("id").values_list("id", flat=True))
    for learner in Learner.objects.select_related("residence_area").order_by("id"):
        services.tranche_grant(actor=root, scheme=scheme, learner=learner, year=YEAR)
    return {
        "learners": ids,
        "class_id": klass.pk,
        "budget_id": budget.pk,
        "setup_s": round(time.perf_counter() - started, 1),
    }


def _commit_worker(worker: int, jobs: list[int], class_id: int, start: Any, out: Any) -> None:
    _django()
    from django.db import connection

    from learningcity.catalog.models import Class
    from learningcity.core.actors import PLATFORM
    from learningcity.core.errors import Conflict
    from learningcity.funding import services
    from learningcity.learners.models import Learner

    klass = Class.objects.select_related("course__provider").get(pk=class_id)
    learners = Learner.objects.select_related("residence_area").in_bulk(jobs)
    connection.ensure_connection()
    committed: list[int] = []
    refused: list[int] = []
    errors: list[str] = []
    start.wait()
    began = time.perf_counter()
    for learner_id in jobs:
        try:
            price = services.place_commit(
                actor=PLATFORM,
                learner=learners[learner_id],
                klass=klass,
                source=f"bench:{learner_id}",
            )
        except Conflict as refusal:
            if refusal.code != "budget_short":
                errors.append(refusal.code)
            refused.append(learner_id)
        except Exception as exc:  # reported, counted as violations
            errors.append(repr(exc)[:200])
        else:
            if price.subsidy or price.entitlement:
                committed.append(learner_id)
    out.put(
        {
            "worker": worker,
            "committed": committed,
            "refused": refused,
            "errors": errors,
            "seconds": time.perf_counter() - began,
            "ended": time.time(),
        }
    )
    connection.close()


def _insert_worker(worker: int, jobs: list[int], start: Any, out: Any) -> None:
    _django()
    from django.db import connection

    connection.ensure_connection()
    start.wait()
    began = time.perf_counter()
    with connection.cursor() as cursor:
        for learner_id in jobs:
            cursor.execute(
                "INSERT INTO bench_bare_commitment (learner_id, amount, source) "
                "VALUES (%s, %s, %s)",
                [learner_id, SUBSIDY, f"bench:{learner_id}"],
            )
    out.put({"worker": worker, "seconds": time.perf_counter() - began, "ended": time.time()})
    connection.close()


def _burst(target: Any, plans: list[tuple[Any, ...]]) -> tuple[list[dict[str, Any]], float]:
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(len(plans) + 1)
    out = context.Queue()
    processes = [context.Process(target=target, args=(*plan, start, out)) for plan in plans]
    for process in processes:
        process.start()
    start.wait()
    began = time.time()
    results = [out.get(timeout=1800) for _ in processes]
    for process in processes:
        process.join(timeout=60)
    wall = max(r["ended"] for r in results) - began
    return results, wall


def _verify(setup: dict[str, Any], committed: set[int], refused: set[int]) -> dict[str, int]:
    from django.db import connection

    checks = {
        "unbalanced_transactions": """
            SELECT count(*) FROM (SELECT transaction_id FROM funding_journalline
            GROUP BY transaction_id HAVING sum(amount) <> 0) t""",
        "balance_not_sum_of_lines": """
            SELECT count(*) FROM funding_ledgeraccount a LEFT JOIN (
              SELECT account_id, sum(amount) s FROM funding_journalline GROUP BY account_id
            ) l ON l.account_id = a.id WHERE a.balance <> coalesce(l.s, 0)""",
        "negative_balances": """
            SELECT count(*) FROM funding_ledgeraccount
            WHERE balance < 0 AND NOT may_go_negative""",
        "places_committed_twice": """
            SELECT count(*) FROM (SELECT source, kind FROM funding_journaltransaction
            WHERE source LIKE 'bench:%%' GROUP BY source, kind HAVING count(*) > 1) t""",
        "allowance_overspent": """
            SELECT count(*) FROM funding_tranche t JOIN funding_ledgeraccount a
            ON a.id = t.account_id WHERE a.balance > t.amount OR a.balance < 0""",
    }
    found: dict[str, int] = {}
    with connection.cursor() as cursor:
        for name, sql in checks.items():
            cursor.execute(sql)
            found[name] = int(cursor.fetchone()[0])
        cursor.execute(
            "SELECT DISTINCT source FROM funding_journaltransaction "
            "WHERE kind = 'subsidy' AND source LIKE 'bench:%%'"
        )
        with_subsidy = {int(row[0].split(":")[1]) for row in cursor.fetchall()}
        cursor.execute(
            "SELECT kind, balance FROM funding_ledgeraccount WHERE budget_id = %s",
            [setup["budget_id"]],
        )
        money = {kind: Decimal(balance) for kind, balance in cursor.fetchall()}
    found["acknowledged_without_commitment"] = len(committed - with_subsidy)
    found["refused_with_commitment"] = len(refused & with_subsidy)
    found["lost"] = len(set(setup["learners"]) - committed - refused)
    appropriated = -money.get("appropriation", Decimal(0))
    held = money.get("available", Decimal(0)) + money.get("committed", Decimal(0))
    found["budget_does_not_add_up"] = int(appropriated != held)
    found["budget_committed_mismatch"] = int(
        money.get("committed", Decimal(0)) != SUBSIDY * len(with_subsidy)
    )
    return found


def _run(learners: int, workers: int, share: float) -> dict[str, Any]:
    _django()
    from django.db import connection

    setup = _setup(learners, share)
    print(f"set up {learners:,} elders with allowances ({setup['setup_s']} s)", flush=True)
    ids: list[int] = setup["learners"]
    plans: list[list[int]] = [ids[w::workers] for w in range(workers)]
    # One learner in 8 taps twice: once in their own worker, once in the next one's.
    for n, learner_id in enumerate(ids[::8]):
        plans[(n + 1) % workers].append(learner_id)
    attempts = sum(len(p) for p in plans)
    connection.close()
    results, wall = _burst(
        _commit_worker, [(w, plans[w], setup["class_id"]) for w in range(workers)]
    )
    committed = {i for r in results for i in r["committed"]}
    refused = {i for r in results for i in r["refused"]} - committed
    errors = [e for r in results for e in r["errors"]]
    commitments_per_s = attempts / wall
    print(
        f"commitments: {attempts:,} attempts ({len(ids):,} places) from {workers} workers in "
        f"{wall:.1f} s: {commitments_per_s:,.0f}/s; {len(committed):,} committed, "
        f"{len(refused):,} refused (budget spent), {len(errors)} errors",
        flush=True,
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE bench_bare_commitment (id bigserial PRIMARY KEY, learner_id bigint "
            "NOT NULL, amount numeric(14, 2) NOT NULL, source varchar(120) NOT NULL)"
        )
    connection.close()
    insert_plans = [(w, plans[w]) for w in range(workers)]
    _results, insert_wall = _burst(_insert_worker, insert_plans)
    inserts_per_s = attempts / insert_wall
    print(f"bare inserts: {attempts:,} in {insert_wall:.1f} s: {inserts_per_s:,.0f}/s", flush=True)
    violations = _verify(setup, committed, refused)
    violations["errors"] = len(errors)
    for name, count in violations.items():
        print(f"  {name}: {count}")
    if errors:
        print(f"  first errors: {errors[:3]}")
    return {
        "commitments_per_s": round(commitments_per_s, 1),
        "ratio_to_bare_inserts": round(commitments_per_s / inserts_per_s, 4),
        "violations": sum(violations.values()),
        "violation_counts": violations,
        "bare_inserts_per_s": round(inserts_per_s, 1),
        "attempts": attempts,
        "places": len(ids),
        "committed": len(committed),
        "refused_budget_spent": len(refused),
        "workers": workers,
        "seconds": round(wall, 2),
        "database": connection.vendor,
    }


def main() -> None:
    learners = _int_env("BENCH_FUNDING_LEARNERS", 4000)
    workers = max(32, _int_env("BENCH_FUNDING_WORKERS", 32))
    share = _float_env("BENCH_FUNDING_BUDGET_SHARE", 0.9)
    print(f"funding commitments: {learners:,} elders, {workers} workers", flush=True)
    with tempfile.TemporaryDirectory(prefix="lc-bench-funding-") as var_dir:
        env = dict(os.environ)
        env.pop("DATABASE_URL", None)
        env.update(
            DJANGO_SETTINGS_MODULE="learningcity.settings",
            LEARNINGCITY_VAR_DIR=var_dir,
            LEARNINGCITY_DEV_KEYS_OK="true",
        )
        command = [
            str(ROOT / "scripts" / "with-postgres.sh"),
            sys.executable,
            SCRIPT,
            "--child",
            var_dir,
            str(learners),
            str(workers),
            str(share),
        ]
        status = subprocess.run(command, cwd=ROOT, env=env).returncode
        result_file = Path(var_dir) / "result.json"
        if status != 0 or not result_file.exists():
            print(json.dumps({"error": f"failed with exit status {status}"}))
            sys.exit(1)
        result = json.loads(result_file.read_text())
    print(json.dumps(result))
    if result["violations"]:
        sys.exit(1)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        workdir = Path(sys.argv[2])
        if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
            raise SystemExit("the child runs under scripts/with-postgres.sh")
        figures = _run(int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]))
        (workdir / "result.json").write_text(json.dumps(figures))
    else:
        main()
