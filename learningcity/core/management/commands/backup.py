"""`learningcity backup --out FILE`: the whole database in one file (pg_dump's custom format
on PostgreSQL, an SQLite database file on SQLite), taken while the site runs."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from learningcity.core.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "Back up the whole database (DATABASE_URL) to FILE: pg_dump --format=custom on "
        "PostgreSQL, SQLite's online backup on SQLite. Restore with `learningcity restore`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", required=True, help="the backup file to write")
        parser.add_argument("--database", default="default")

    def handle(self, *args: Any, **options: Any) -> None:
        out = Path(options["out"])
        started = time.perf_counter()
        try:
            backup(out=out, using=options["database"])
        except (BackupError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        size = out.stat().st_size
        self.stdout.write(
            f"Backed up to {out} ({size:,} bytes) in {time.perf_counter() - started:.1f} s."
        )
