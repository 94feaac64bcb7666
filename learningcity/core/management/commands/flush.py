"""`flush`, as Django's, with the audit log's append-only guard lifted for the duration.

Emptying the whole database (tests between transactional cases, a developer starting over)
is the one sanctioned way entries leave the audit log. On PostgreSQL flush truncates, which
row triggers do not see; on SQLite it deletes row by row, which the guard would refuse."""

from __future__ import annotations

from typing import Any

from django.core.management.commands import flush

from learningcity.core.auditlog import unguarded


class Command(flush.Command):
    def handle(self, **options: Any) -> None:
        with unguarded(using=options["database"]):
            super().handle(**options)
