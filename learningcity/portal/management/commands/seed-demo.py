"""`learningcity seed-demo`: load the deterministic demo city (see portal/demo.py)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from learningcity.portal import demo


class Command(BaseCommand):
    help = (
        "Build the demo city: Shanghai's 16 districts, towns, neighbourhoods, providers, "
        "sites, staff and residents. The same arguments always give the same data."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale",
            type=float,
            default=0.1,
            help="Share of the full network to build, 0 < S <= 1 (1 = Shanghai's own size).",
        )
        parser.add_argument(
            "--learners", type=int, default=20_000, help="Residents, the demo resident included."
        )
        parser.add_argument("--seed", type=int, default=1, help="Seed of every random choice.")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="If a city is already loaded, say so and stop (for `make demo`).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        scale: float = options["scale"]
        learners: int = options["learners"]
        if not 0 < scale <= 1:
            raise CommandError("--scale must be greater than 0 and at most 1.")
        if learners < 1:
            raise CommandError("--learners must be at least 1 (the demo resident).")
        if demo.city_loaded() and not demo.seed_completed():
            raise CommandError(
                "A city is in the database but its demo load never finished (it was "
                "interrupted). Start from a fresh database: delete var/ (SQLite) or run "
                "`learningcity flush`, then run this again."
            )
        if demo.city_loaded() and options["if_empty"]:
            self.stdout.write("Demo city already loaded.")
            self._print_logins()
            return
        if demo.city_loaded() or demo.demo_users_exist():
            raise CommandError(
                "The database already holds a city or demo users; seed-demo only fills an "
                "empty database. Use --if-empty to keep what is there, or start from a fresh "
                "database (`learningcity flush`)."
            )
        self.stdout.write(
            f"Building the demo city: scale {scale}, {learners:,} residents, seed {options['seed']}"
        )
        summary = demo.seed_demo(
            scale=scale, learners=learners, seed=options["seed"], log=self.stdout.write
        )
        self.stdout.write("")
        self.stdout.write(f"Done in {summary.seconds:.1f} s:")
        for name, count in summary.counts.items():
            self.stdout.write(f"  {name:<40} {count:>10,}")
        self._print_logins()

    def _print_logins(self) -> None:
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password: {demo.DEMO_PASSWORD}):")
        for login in demo.demo_logins():
            self.stdout.write(f"  {login.username:<10} {login.can}")
            if login.where:
                self.stdout.write(f"  {'':<10} {login.where}")
        self.stdout.write(
            "Staff who can change records, credits or money also type a one-time code: add the "
            f"key {demo.DEMO_TOTP_SECRET} to an authenticator app, or run "
            "`.venv/bin/learningcity two-factor-code USERNAME`."
        )
