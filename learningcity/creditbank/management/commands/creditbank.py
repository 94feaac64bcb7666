"""`learningcity creditbank import FILE --provider CODE [--verify] [--actor USERNAME]
[--report PATH] [--chunk N]`: bulk-load learning records from a CSV or XLSX file."""

from __future__ import annotations

import contextlib
import csv
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from learningcity.accounts.models import User
from learningcity.core.errors import DomainError
from learningcity.creditbank.data import RowResult
from learningcity.creditbank.services.imports import (
    CHUNK_ROWS,
    STAGED_CHUNK_ROWS,
    ImportSummary,
    records_import_file,
)
from learningcity.network.models import Organization

SHOWN_ERRORS = 20


class Command(BaseCommand):
    help = (
        "Import learning records for one provider from a CSV or XLSX file of any size "
        "(columns: see learningcity/creditbank/services/imports.py), a chunk of rows per "
        "transaction. Rows already imported are skipped, so a re-run changes nothing. With "
        "--verify the records are recognised as they are written. Refused rows are listed "
        "by row number and field, in --report PATH as CSV or the first 20 on the screen."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["import"])
        parser.add_argument("file", help="a .csv (UTF-8 or GB18030) or .xlsx file")
        parser.add_argument("--provider", required=True, help="the provider's organization code")
        parser.add_argument(
            "--verify", action="store_true", help="verify and recognise the records at once"
        )
        parser.add_argument(
            "--actor",
            help="import as this user, with their permissions (default: the platform itself)",
        )
        parser.add_argument("--report", help="write every refused row to this CSV file")
        parser.add_argument(
            "--chunk",
            type=int,
            help=f"rows per transaction ({STAGED_CHUNK_ROWS} for a CSV file imported without "
            f"--verify, {CHUNK_ROWS} otherwise)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        provider = Organization.objects.filter(code=options["provider"]).first()
        if provider is None:
            raise CommandError(f"No organization with code {options['provider']!r}.")
        actor = None
        if options["actor"]:
            actor = User.objects.filter(username=options["actor"]).first()
            if actor is None:
                raise CommandError(f"No user {options['actor']!r}.")
        if options["chunk"] is not None and options["chunk"] < 1:
            raise CommandError("--chunk must be at least 1.")
        errors: list[RowResult] = []
        started = time.perf_counter()
        with contextlib.ExitStack() as stack:
            try:
                file = stack.enter_context(open(options["file"], "rb"))
                report = (
                    stack.enter_context(open(options["report"], "w", newline="", encoding="utf-8"))
                    if options["report"]
                    else None
                )
            except OSError as exc:
                raise CommandError(f"{exc.filename}: {exc.strerror}") from exc
            writer = csv.writer(report) if report else None
            if writer:
                writer.writerow(["line", "external_id", "field", "message"])

            def on_error(result: RowResult) -> None:
                if writer:
                    for field, messages in result.errors.items():
                        for message in messages:
                            writer.writerow([result.line, result.external_id, field, message])
                elif len(errors) < SHOWN_ERRORS:
                    errors.append(result)

            def on_chunk(total: ImportSummary) -> None:
                if options["verbosity"] >= 2:
                    seconds = time.perf_counter() - started
                    self.stdout.write(
                        f"  {total.rows:,} rows, {total.created:,} created "
                        f"({total.rows / seconds:,.0f} rows/s)"
                    )

            try:
                summary = records_import_file(
                    actor=actor,
                    provider=provider,
                    file=file,
                    filename=options["file"],
                    verify=options["verify"],
                    chunk_rows=options["chunk"],
                    check_access=actor is not None,
                    on_error=on_error,
                    on_chunk=on_chunk,
                )
            except DomainError as exc:
                raise CommandError(exc.message) from exc
        seconds = time.perf_counter() - started
        self.stdout.write(
            f"{summary.rows:,} rows in {seconds:.1f} s ({summary.rows / max(seconds, 1e-9):,.0f}"
            f" rows/s): {summary.created:,} created, {summary.existing:,} already there, "
            f"{summary.errors:,} refused"
            + (f"; {summary.credits} credits granted" if options["verify"] else "")
            + "."
        )
        if options["report"]:
            if summary.errors:
                self.stdout.write(f"Refused rows are listed in {options['report']}.")
        elif errors:
            self.stdout.write(f"First {len(errors)} refused rows:")
            for result in errors:
                for field, messages in result.errors.items():
                    self.stdout.write(f"  row {result.line} ({result.external_id}) {field}: "
                                      + " ".join(messages))  # fmt: skip
