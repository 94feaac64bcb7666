"""`learningcity restore FILE --yes`: replace the database by a backup. Stop the web server
and the task workers first."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from learningcity.core.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "Replace everything in the database (DATABASE_URL) by the backup FILE made by "
        "`learningcity backup`: pg_restore --clean --if-exists --no-owner in one transaction "
        "on PostgreSQL, SQLite's backup API on SQLite. Refused without --yes. Stop the web "
        "server and the task workers first; run `learningcity audit verify` afterwards."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="a backup file made by `learningcity backup`")
        parser.add_argument(
            "--yes", action="store_true", help="yes, replace the database's contents"
        )
        parser.add_argument("--database", default="default")

    def handle(self, *args: Any, **options: Any) -> None:
        using = options["database"]
        name = connections[using].settings_dict["NAME"]
        if not options["yes"]:
            raise CommandError(
                f"This replaces everything in the database {name} by {options['file']}. "
                "Run again with --yes to do it."
            )
        started = time.perf_counter()
        try:
            restore(file=Path(options["file"]), using=using)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Restored {name} from {options['file']} in {time.perf_counter() - started:.1f} s."
        )
