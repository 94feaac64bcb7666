"""The process the kill-and-restart tests (tests/test_resilience.py) kill: one long write run
against DATABASE_URL, as a separate program, exactly as an operator's command would run it.

    python tests/resilience_child.py draw TERM_CODE --actor USERNAME [--die-after N]
    python tests/resilience_child.py settle PLAN.json --actor USERNAME [--die-after N]

`--die-after N` makes the process SIGKILL itself right after the Nth call of a step inside
the service's transaction (the draw's N-th class seat update; the run's N-th journal
posting), so the kill lands mid-transaction at the same place on every run. The services'
code is not changed: the step is wrapped here, in the child, and nothing else is replaced.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "learningcity.settings")


def die_after(calls: list[int], limit: int, module: ModuleType, name: str) -> None:
    """After the `limit`-th call (counted across every wrapped step), SIGKILL this process."""
    original = getattr(module, name)

    def step(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        calls[0] += 1
        if calls[0] >= limit:
            print(f"killing myself after {name} #{calls[0]}", flush=True)
            os.kill(os.getpid(), signal.SIGKILL)
        return result

    setattr(module, name, step)


def draw(term_code: str, username: str, limit: int) -> None:
    from learningcity.accounts.models import User
    from learningcity.catalog.models import Term
    from learningcity.enrollment import services

    if limit:
        die_after([0], limit, services, "class_seats_take")
    summary = services.lottery_draw(
        actor=User.objects.get(username=username), term=Term.objects.get(code=term_code)
    )
    print(f"drawn {summary.term}: {summary.offered} offered, {summary.waitlisted} waiting")


def settle(plan_path: str, username: str, limit: int) -> None:
    """A settlement run: settle each finished class of the plan (its places' attended share
    becomes payable), then pay every payable settlement, one transaction each, so that a
    run stopped anywhere is finished by running it again."""
    from learningcity.accounts.models import User
    from learningcity.catalog.models import Class
    from learningcity.funding import services
    from learningcity.funding.choices import SettlementStatus
    from learningcity.funding.data import PlaceDelivery
    from learningcity.funding.models import Settlement
    from learningcity.funding.services import places, settlements

    if limit:
        calls = [0]
        die_after(calls, limit, places, "post")
        die_after(calls, limit, settlements, "post")
    actor = User.objects.get(username=username)
    plan = json.loads(Path(plan_path).read_text())
    for item in plan["classes"]:
        klass = Class.objects.select_related("course").get(pk=item["class_id"])
        services.class_deliver(
            actor=actor,
            klass=klass,
            places=[PlaceDelivery(*place) for place in item["places"]],
        )
    payable = Settlement.objects.filter(status=SettlementStatus.PAYABLE).order_by("id")
    paid = 0
    for public_id in payable.values_list("public_id", flat=True):
        services.settlement_pay(actor=actor, public_id=public_id)
        paid += 1
    print(f"settled {len(plan['classes'])} classes, paid {paid}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("action", choices=["draw", "settle"])
    parser.add_argument("target")
    parser.add_argument("--actor", required=True)
    parser.add_argument("--die-after", type=int, default=0)
    args = parser.parse_args()

    import django

    django.setup()
    if args.action == "draw":
        draw(args.target, args.actor, args.die_after)
    else:
        settle(args.target, args.actor, args.die_after)


if __name__ == "__main__":
    main()
