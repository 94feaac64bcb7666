"""Backing up the whole database to one file and restoring it, for the operators'
`learningcity backup` and `learningcity restore` commands.

PostgreSQL: `pg_dump --format=custom` of the configured database, restored by `pg_restore
--clean --if-exists --no-owner --single-transaction`, so a restore either replaces every
object of the dump or, on any error, changes nothing. SQLite: SQLite's online backup API,
which copies a consistent snapshot while the site runs; a restore copies the file back
through the same API into the live database (WAL and all), with this process's connections
closed. Stop the web server and the task workers before a restore."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from django.db import connections

BACKUP_TIMEOUT = 24 * 3600  # seconds; a full city's database takes a while


class BackupError(Exception):
    """A backup or restore that could not be done; the message says why."""


def pg_binary(name: str) -> str:
    """pg_dump or pg_restore: from PG_BINDIR if set, else the newest PostgreSQL under
    /usr/lib/postgresql (as scripts/with-postgres.sh finds it), else the PATH."""
    candidates: list[Path] = []
    if os.environ.get("PG_BINDIR"):
        candidates.append(Path(os.environ["PG_BINDIR"]) / name)
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: [int(x) if x.isdigit() else 0 for x in p.parent.name.split(".")],
    )
    candidates += [v / name for v in reversed(versions)]
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} not found: install the PostgreSQL client or set PG_BINDIR.")
    return found


def _pg_args(settings: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    """Connection arguments and environment; the password goes in the environment, never on
    the command line."""
    args = ["--dbname", str(settings["NAME"])]
    if settings.get("HOST"):
        args += ["--host", str(settings["HOST"])]
    if settings.get("PORT"):
        args += ["--port", str(settings["PORT"])]
    if settings.get("USER"):
        args += ["--username", str(settings["USER"])]
    env = {**os.environ}
    if settings.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings["PASSWORD"])
    sslmode = (settings.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        env["PGSSLMODE"] = str(sslmode)
    return args, env


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(  # noqa: S603 - fixed binaries, arguments from settings
        command, env=env, capture_output=True, text=True, timeout=BACKUP_TIMEOUT
    )
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {result.stderr.strip()}")


def backup(*, out: Path, using: str = "default") -> None:
    """Write the whole database to `out` (replaced only once the copy is complete)."""
    connection = connections[using]
    out = out.resolve()
    partial = out.with_name(out.name + ".partial")
    try:
        if connection.vendor == "postgresql":
            args, env = _pg_args(connection.settings_dict)
            _run([pg_binary("pg_dump"), "--format=custom", "--file", str(partial), *args], env)
        elif connection.vendor == "sqlite":
            connection.ensure_connection()
            target = sqlite3.connect(partial)
            try:
                connection.connection.backup(target)
            finally:
                target.close()
        else:
            raise BackupError(f"No backup for the {connection.vendor} database.")
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)


def restore(*, file: Path, using: str = "default") -> None:
    """Replace the database's contents by the backup in `file`, which is checked first."""
    if not file.is_file():
        raise BackupError(f"{file}: no such file.")
    connection = connections[using]
    if connection.vendor == "postgresql":
        args, env = _pg_args(connection.settings_dict)
        _run([pg_binary("pg_restore"), "--list", str(file)], env)  # a readable dump
        connections.close_all()
        _run(
            [pg_binary("pg_restore"), "--clean", "--if-exists", "--no-owner",
             "--single-transaction", *args, str(file)],
            env,
        )  # fmt: skip
    elif connection.vendor == "sqlite":
        source = sqlite3.connect(f"file:{file}?mode=ro", uri=True)
        try:
            _check_sqlite(source, file)
            connections.close_all()
            target = sqlite3.connect(connection.settings_dict["NAME"], timeout=20)
            try:
                source.backup(target)
            finally:
                target.close()
        finally:
            source.close()
    else:
        raise BackupError(f"No restore for the {connection.vendor} database.")


def _check_sqlite(source: sqlite3.Connection, file: Path) -> None:
    try:
        (result,) = source.execute("PRAGMA integrity_check").fetchone()
        tables = {name for (name,) in source.execute("SELECT name FROM sqlite_master")}
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{file} is not an SQLite database: {exc}") from exc
    if result != "ok" or "django_migrations" not in tables:
        raise BackupError(f"{file} is not a learningcity backup ({result}).")
