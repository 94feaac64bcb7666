"""Writing many rows at once, below the ORM: COPY on PostgreSQL, one executemany on SQLite.

For the few bulk paths whose rows are plain values already checked by their service (a term's
draw entries, an import's records and postings); building a model instance per row would
cost more than the database's own work."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

from django.db import connection


@contextlib.contextmanager
def inserting(table: str, columns: tuple[str, ...]) -> Iterator[Callable[[tuple[Any, ...]], None]]:
    """A function taking rows (tuples of database values in `columns` order) for `table`:
    streamed by COPY on PostgreSQL (the server stores them while the caller makes the next
    ones), collected and sent in one executemany elsewhere. Runs in the caller's
    transaction."""
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            sql = f"COPY {quote(table)} ({names}) FROM STDIN"
            with connection.wrap_database_errors, cursor.cursor.copy(sql) as copy:
                yield copy.write_row
            return
        rows: list[tuple[Any, ...]] = []
        yield rows.append
        marks = ", ".join(["%s"] * len(columns))
        cursor.executemany(
            f"INSERT INTO {quote(table)} ({names}) VALUES ({marks})",  # noqa: S608 - names quoted
            rows,
        )
