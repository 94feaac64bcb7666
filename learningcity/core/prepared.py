"""Prepared querysets for the few reads on the hottest paths (a burst of 650,000 applicants).

Django compiles a queryset to SQL on every evaluation; for a select_related read with an
annotation that costs more than running it. `PreparedQuery` compiles once per database
connection and then runs the same SQL with a new parameter, building model instances (with
their related objects and annotations) through Django's own machinery.

It relies on the SQL compiler's documented-in-code behaviour (`as_sql`, `execute_sql`,
`results_iter`, `select`, `klass_info`); `tests/test_prepared.py` pins that it returns exactly
what the plain queryset returns."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg
from django.db import connections
from django.db.models import DEFERRED, Model, QuerySet
from django.db.models.query import get_related_populators
from django.db.models.sql.constants import MULTI


class PreparedQuery:
    """`build(value)` returns the queryset for one value of one field (`field` of `model`);
    `first(value)` runs it and returns the first instance or None."""

    def __init__(
        self,
        name: str,
        model: type[Model],
        field: str,
        build: Callable[[Any], QuerySet[Any]],
        sentinel: Any,
    ) -> None:
        self.name = name
        self.field: Any = model._meta.get_field(field)
        self.build = build
        self.sentinel = sentinel

    def _compiled(self, using: str) -> tuple[Any, str, list[Any], int]:
        connection = connections[using]
        cache: dict[str, Any] = connection.__dict__.setdefault("_lc_prepared", {})
        if self.name not in cache:
            compiler = self.build(self.sentinel).query.get_compiler(using=using)
            sql, params = compiler.as_sql()
            marker = self.field.get_db_prep_value(self.sentinel, connection, prepared=False)
            positions = [i for i, p in enumerate(params) if p == marker]
            if len(positions) != 1:
                raise RuntimeError(f"{self.name}: the parameter is not unique in the query")
            cache[self.name] = (compiler, sql, list(params), positions[0])
        return cache[self.name]

    def first(self, value: Any, *, using: str = "default") -> Any:
        compiler, sql, params, position = self._compiled(using)
        params = params.copy()
        params[position] = self.field.get_db_prep_value(value, connections[using], prepared=False)
        compiler.as_sql = lambda *args, **kwargs: (sql, tuple(params))
        results = compiler.execute_sql(MULTI)
        select, klass_info = compiler.select, compiler.klass_info
        annotations = compiler.annotation_col_map or {}
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        names = [column[0].target.attname for column in select[start:end]]
        populators = get_related_populators(klass_info, select, using)  # type: ignore[call-arg]
        for row in compiler.results_iter(results):
            obj = klass_info["model"].from_db(using, names, row[start:end])
            for populator in populators:
                populator.populate(row, obj)
            for attribute, position_in_row in annotations.items():
                setattr(obj, attribute, row[position_in_row])
            return obj
        return None


_ONLY_WHEN_ASKED = 2**31 - 1  # executions before psycopg would prepare a statement unasked


class _PreparingCursor(psycopg.Cursor[Any]):
    """psycopg's server-binding cursor, asking for a prepared statement on every execute."""

    def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
        kwargs.setdefault("prepare", True)
        return super().execute(query, params, **kwargs)


def prepared_cursor(connection: Any) -> Any:
    """A cursor for one hot statement that PostgreSQL parses and plans once per connection.

    Django binds parameters on the client and turns psycopg's automatic preparation off (for
    connection poolers that cannot follow it), so each run of a statement is planned afresh;
    for a burst's INSERT ... SELECT with its joins the planning costs more than the writing.
    This cursor binds on the server and asks for a prepared statement (pgbouncer 1.21+ follows
    protocol-level prepared statements). It is wrapped like Django's own cursors, so query
    logging and execute wrappers still see the statement. Elsewhere, the usual cursor."""
    if connection.vendor != "postgresql":
        return connection.cursor()
    connection.ensure_connection()
    if connection.connection.prepare_threshold is None:
        # None turns preparing off altogether; Django's own client-binding cursors never
        # prepare, so this enables it for cursors like this one only (prepare=True).
        connection.connection.prepare_threshold = _ONLY_WHEN_ASKED
    cursor = _PreparingCursor(connection.connection)
    if connection.queries_logged:
        return connection.make_debug_cursor(cursor)
    return connection.make_cursor(cursor)


def table_sql(model: type[Model], connection: Any) -> str:
    """A model's table name, quoted for `connection`: for the few statements written by hand."""
    return str(connection.ops.quote_name(model._meta.db_table))


def column_sql(model: type[Model], field: str, connection: Any) -> str:
    """The column of one of a model's fields (by name, "learner" for learner_id), quoted."""
    column: str = model._meta.get_field(field).column  # type: ignore[union-attr,assignment]
    return str(connection.ops.quote_name(column))


_ATTNAMES: dict[type[Model], list[str]] = {}


def instance(model: type[Model], alias: str, **values: Any) -> Any:
    """A model instance built as a read builds one (`Model.from_db`), from values a statement
    already returned: a third of the cost of the keyword constructor, which looks up every
    field's default. Fields not given are deferred (read from the database if asked for)."""
    names = _ATTNAMES.get(model)
    if names is None:
        names = _ATTNAMES[model] = [field.attname for field in model._meta.concrete_fields]
    obj = model(*[values.get(name, DEFERRED) for name in names])
    obj._state.adding = False
    obj._state.db = alias
    return obj


def related(obj: Model, name: str, value: Model) -> None:
    """Attach an object already built as `obj`'s foreign key `name`, as select_related would."""
    obj._meta.get_field(name).set_cached_value(obj, value)  # type: ignore[union-attr]
