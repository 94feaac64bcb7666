"""`learningcity monitoring refresh [--as-of YYYY-MM-DD] [--queue]`: recompute the indicators.
`learningcity monitoring demo --seed N --actor USERNAME`: the demo city's population figures,
blueprint and first refresh (the last line printed is a JSON object of counts)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from learningcity.accounts.models import User
from learningcity.core.actors import PLATFORM
from learningcity.monitoring import services
from learningcity.monitoring.services.demo import demo_seed
from learningcity.monitoring.tasks import refresh_indicators, schedule_refresh


class Command(BaseCommand):
    help = (
        "Recompute every learning-city indicator from the platform's data into the "
        "aggregates the dashboards and open data read. --queue hands it to the background "
        "worker instead."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["refresh", "demo"])
        parser.add_argument("--as-of", help="the day the current year's 12 months end")
        parser.add_argument("--queue", action="store_true", help="run it as a background task")
        parser.add_argument("--seed", type=int, default=1, help="demo: the demo city's seed")
        parser.add_argument("--actor", help="demo: the municipal login that adopts the plan")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "demo":
            self._demo(options)
            return
        if options["queue"]:
            refresh_indicators.enqueue()
            self.stdout.write("Refresh queued for the background worker.")
            return
        as_of = None
        if options["as_of"]:
            try:
                as_of = dt.date.fromisoformat(options["as_of"])
            except ValueError as error:
                raise CommandError(f"--as-of must be YYYY-MM-DD: {error}") from None
        result = services.refresh(actor=PLATFORM, as_of=as_of)
        self.stdout.write(
            f"Indicators refreshed as of {result.as_of}: {result.rows} figures for "
            f"{result.periods[0] if result.periods else '-'}–"
            f"{result.periods[-1] if result.periods else '-'} in {result.seconds:.2f} s."
        )
        self.stdout.write(", ".join(f"{name} {seconds:.2f} s" for name, seconds in result.steps))

    def _demo(self, options: dict[str, Any]) -> None:
        actor = User.objects.filter(username=options["actor"] or "").first()
        if actor is None:
            raise CommandError("demo needs --actor, a municipal (or superuser) login.")
        with transaction.atomic():
            counts = demo_seed(actor=actor, seed=options["seed"])
            schedule_refresh()  # from now on the worker keeps the figures fresh
        self.stdout.write(json.dumps(counts))
