"""The learning record store under load (issue 7): how many xAPI statements a second the
production server stores, and how fast filtered queries answer at 100,000 stored.

On a throwaway PostgreSQL cluster (scripts/with-postgres.sh), with gunicorn as `make demo`
runs it (2 workers x 4 threads) on a loopback port:

1. migrate; a provider (district A's community college of a small test city) and its
   credentials from `learningcity xapi credentials create`; one registered activity;
2. POST statements from BENCH_XAPI_CLIENTS (4) client processes for BENCH_XAPI_SECONDS (20) s
   each: one statement per request, then batches of 100 (1 in 10 a `completed` of the
   registered activity, queued for the credit bank; the rest `experienced` over 1,000
   activities by 2,000 learners);
3. fill the store to BENCH_XAPI_STORED (100,000) statements, then GET with agent+verb,
   activity, and since filters (limit 100) from the same clients: p50 and p99;
4. when ralph-malph (the reference open-source Python LRS) can be installed into its own
   virtual environment (/tmp/ralph-venv, never a project dependency), serve it with its file
   backend on the same machine and POST the same batches of 100 for the same time.

Last line: one JSON object with ingest_b1_per_s, ingest_b100_per_s, query_p99_ms and, when
ralph ran, ralph_ingest_b100_per_s and ratio_to_ralph.

    make bench ONLY=xapi_ingest
    BENCH_XAPI_SECONDS=5 BENCH_XAPI_STORED=20000 BENCH_XAPI_RALPH=0 \
        .venv/bin/python bench/xapi_ingest.py
"""

from __future__ import annotations

import base64
import http.client
import json
import multiprocessing
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = str(Path(__file__).resolve())
SERVER_OPTIONS = ["--workers", "2", "--threads", "4", "--timeout", "60"]
ACTIVITIES = 1000
LEARNERS = 2000
CREDIT_ACTIVITY = "https://lms.example.org/course/credit"
RALPH_LAUNCHER = """import sys

import uvicorn
from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs.fs import FSLRSBackend

FSLRSBackend.default_operation_type = BaseOperationType.APPEND
uvicorn.run("ralph.api:app", host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""
RALPH_VENV = Path("/tmp/ralph-venv")  # noqa: S108 - the brief names this throwaway place


def _int_env(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _statement(rng: random.Random) -> dict[str, Any]:
    learner = rng.randrange(LEARNERS)
    if rng.random() < 0.1:
        verb, activity = "http://adlnet.gov/expapi/verbs/completed", CREDIT_ACTIVITY
    else:
        verb = "http://adlnet.gov/expapi/verbs/experienced"
        activity = f"https://lms.example.org/course/{rng.randrange(ACTIVITIES)}"
    return {
        "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "actor": {"objectType": "Agent", "mbox": f"mailto:learner{learner}@example.org"},
        "verb": {"id": verb, "display": {"en-US": verb.rsplit("/", 1)[-1]}},
        "object": {"objectType": "Activity", "id": activity},
        "result": {"completion": True, "duration": "PT25M"},
        "context": {"registration": str(uuid.UUID(int=rng.getrandbits(128), version=4))},
        "timestamp": "2026-03-15T10:00:00+08:00",
    }


# Client processes --------------------------------------------------------------------------


def _client(args: tuple[str, int, str, dict[str, str], int, float, int, int]) -> dict[str, Any]:
    mode, port, path, headers, batch, seconds, seed, cap = args
    rng = random.Random(seed)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    stored = 0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline and (cap == 0 or stored < cap):
        if mode == "post":
            body = json.dumps([_statement(rng) for _ in range(batch)]).encode()
            method, target = "POST", path
            request_headers = {**headers, "Content-Type": "application/json"}
        else:
            body, method = None, "GET"
            target = f"{path}?{urlencode(_query(rng, mode.split(':')[1]))}"
            request_headers = headers
        started = time.perf_counter()
        try:
            conn.request(method, target, body=body, headers=request_headers)
            response = conn.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException):
            # The server dropped the connection: count it and open another.
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            status = 0
        latencies.append((time.perf_counter() - started) * 1000)
        statuses[status] = statuses.get(status, 0) + 1
        if mode == "post" and status in (200, 204):
            stored += batch
    conn.close()
    return {"latencies": latencies, "statuses": statuses, "stored": stored}


QUERIES = ("agent_verb", "activity", "since")


def _query(rng: random.Random, kind: str) -> dict[str, str]:
    if kind == "agent_verb":
        return {
            "agent": json.dumps({"mbox": f"mailto:learner{rng.randrange(LEARNERS)}@example.org"}),
            "verb": "http://adlnet.gov/expapi/verbs/experienced",
            "limit": "100",
        }
    if kind == "activity":
        return {
            "activity": f"https://lms.example.org/course/{rng.randrange(ACTIVITIES)}",
            "limit": "100",
        }
    # The last minute's statements, newest first.
    since = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 60))
    return {"since": since, "limit": "100"}


def _run(
    mode: str,
    port: int,
    path: str,
    headers: dict[str, str],
    *,
    batch: int,
    seconds: float,
    clients: int,
    cap: int = 0,
) -> dict[str, Any]:
    started = time.perf_counter()
    jobs = [
        (mode, port, path, headers, batch, seconds, random.randrange(1 << 30), cap)
        for _ in range(clients)
    ]
    with multiprocessing.get_context("fork").Pool(clients) as pool:
        results = pool.map(_client, jobs)
    elapsed = time.perf_counter() - started
    latencies = [x for r in results for x in r["latencies"]]
    statuses: dict[str, int] = {}
    for r in results:
        for status, count in r["statuses"].items():
            statuses[str(status)] = statuses.get(str(status), 0) + count
    stored = sum(r["stored"] for r in results)
    return {
        "requests": len(latencies),
        "statements": stored,
        "seconds": round(elapsed, 1),
        "per_s": round(stored / elapsed, 1)
        if mode == "post"
        else round(len(latencies) / elapsed, 1),
        "p50_ms": round(_percentile(latencies, 0.5), 2),
        "p99_ms": round(_percentile(latencies, 0.99), 2),
        "statuses": statuses,
    }


def _wait_for(port: int, server: subprocess.Popen[bytes], seconds: float = 90) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if server.poll() is not None:
            raise SystemExit("the server exited while starting")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("the server did not answer in time")


def _stop(server: subprocess.Popen[bytes]) -> None:
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


# Set-up in a Django child ----------------------------------------------------------------


def _setup() -> None:
    import django

    django.setup()
    from decimal import Decimal

    from django.core.management import call_command

    from learningcity.network.tests.factories import make_city
    from learningcity.xapi import services

    city = make_city()
    services.registration_create(
        actor=city.root,
        provider=city.a.college,
        activity_id=CREDIT_ACTIVITY,
        title="Digital life",
        category="digital",
        hours=Decimal("2"),
    )
    import io

    out = io.StringIO()
    call_command(
        "xapi", "credentials", "create", "--provider", city.a.college.code,
        "--actor", city.root.username, stdout=out,
    )  # fmt: skip
    print(out.getvalue().strip().splitlines()[-1])


def _count() -> None:
    import django

    django.setup()
    from learningcity.xapi.models import Statement

    print(json.dumps({"stored": Statement.objects.count()}))


def _explain() -> None:
    """(BENCH_XAPI_EXPLAIN=1) The statistics the planner has for the statements table and
    the plan of each query kind, printed before the queries run: a profiling switch."""
    import django

    django.setup()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n_live_tup, last_autoanalyze, now(), autoanalyze_count FROM "
            "pg_stat_user_tables WHERE relname = 'xapi_statement'"
        )
        print("stats:", cursor.fetchone(), file=sys.stderr)
    from django.test.utils import CaptureQueriesContext

    from learningcity.xapi import selectors
    from learningcity.xapi.models import Credential

    credential = Credential.objects.select_related("provider").get()
    rng = random.Random(7)
    for kind in QUERIES:
        params = _query(rng, kind)
        query = selectors.StatementQuery(
            agent=json.loads(params["agent"]) if "agent" in params else None,
            verb=params.get("verb", ""),
            activity=params.get("activity", ""),
            since=_parse(params["since"]) if "since" in params else None,
            limit=100,
        )
        with CaptureQueriesContext(connection) as captured:
            selectors.statements_query(credential=credential, query=query)
        for item in captured.captured_queries:
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN ANALYZE " + item["sql"])
                plan = "\n".join(row[0] for row in cursor.fetchall())
            print(f"{kind}:\n{plan}", file=sys.stderr)
    print("{}")


def _parse(text: str) -> Any:
    import datetime as dt

    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)


def _child(flag: str, env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, SCRIPT, flag], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(done.stderr[-3000:])
    return done.stdout.strip().splitlines()[-1]


# Ralph ----------------------------------------------------------------------------------


def _ralph(seconds: float, clients: int, say: Any) -> dict[str, Any] | None:
    if os.environ.get("BENCH_XAPI_RALPH", "1") == "0":
        return None
    ralph = RALPH_VENV / "bin" / "ralph"
    if not ralph.exists():
        say("installing ralph-malph into /tmp/ralph-venv (its own virtual environment)")
        try:
            subprocess.run(["python3", "-m", "venv", str(RALPH_VENV)], check=True, timeout=120)
            subprocess.run(
                # ralph 5 keeps the fs backend in its core; its LRS imports requests too.
                [
                    str(RALPH_VENV / "bin" / "pip"),
                    "install",
                    "-q",
                    "ralph-malph[cli,lrs]",
                    "requests",
                ],
                check=True,
                timeout=300,
            )
        except (subprocess.SubprocessError, OSError) as exc:
            say(f"ralph-malph could not be installed ({exc}); our figures only")
            return None
    workdir = Path(tempfile.mkdtemp(prefix="ralph-bench-"))
    auth = workdir / "auth.json"
    env = {
        **os.environ,
        "RALPH_AUTH_FILE": str(auth),
        "RALPH_BACKENDS__DATA__FS__DEFAULT_DIRECTORY_PATH": str(workdir / "data"),
        "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(workdir / "data"),
        "RALPH_RUNSERVER_BACKEND": "fs",
        "RALPH_LRS_RESTRICT_BY_AUTHORITY": "false",
        "RALPH_LRS_RESTRICT_BY_SCOPES": "false",
    }
    (workdir / "data").mkdir()
    try:
        subprocess.run(
            [str(ralph), "auth", "-u", "bench", "-p", "bench", "-s", "all",
             "-M", "mailto:bench@example.org", "-w"],
            env=env, check=True, capture_output=True, timeout=120,
        )  # fmt: skip
    except (subprocess.SubprocessError, OSError) as exc:
        say(f"ralph auth failed ({exc}); our figures only")
        return None
    # ralph 5's file backend opens its one file with operation CREATE and so refuses every
    # write after the first; the server is started with that backend appending instead,
    # which is how its file backend keeps more than one batch. Nothing else is changed.
    launcher = workdir / "serve.py"
    launcher.write_text(RALPH_LAUNCHER)
    port = _free_port()
    log = open(workdir / "ralph.log", "wb")  # noqa: SIM115 - closed below
    server = subprocess.Popen(
        [str(RALPH_VENV / "bin" / "python"), str(launcher), str(port)],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        _wait_for(port, server)
        time.sleep(2)
        token = base64.b64encode(b"bench:bench").decode()
        headers = {"Authorization": f"Basic {token}", "X-Experience-API-Version": "1.0.3"}
        figures = _run(
            "post", port, "/xAPI/statements/", headers, batch=100, seconds=seconds, clients=clients
        )
        if figures["statements"] == 0:
            tail = (workdir / "ralph.log").read_text(errors="replace")[-1500:]
            say(f"ralph answered {figures['statuses']}:\n{tail}")
            return None
        return figures
    except SystemExit as exc:
        say(f"ralph did not start ({exc}); our figures only")
        return None
    finally:
        _stop(server)
        log.close()
        shutil.rmtree(workdir, ignore_errors=True)


# Main ------------------------------------------------------------------------------------


def _figures(name: str, f: dict[str, Any]) -> str:
    rate = "statements/s" if f.get("statements") else "req/s"
    return (
        f"{name}: {f['per_s']:,} {rate}, p50 {f['p50_ms']} ms, p99 {f['p99_ms']} ms, "
        f"answers {f['statuses']}"
    )


def main() -> None:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        os.execv(  # noqa: S606 - re-run this script under the throwaway cluster
            str(ROOT / "scripts" / "with-postgres.sh"),
            [str(ROOT / "scripts" / "with-postgres.sh"), sys.executable, SCRIPT],
        )
    seconds = float(_int_env("BENCH_XAPI_SECONDS", 20))
    clients = _int_env("BENCH_XAPI_CLIENTS", 4)
    target = _int_env("BENCH_XAPI_STORED", 100_000)

    def say(line: str) -> None:
        print(line, flush=True)

    workdir = Path(tempfile.mkdtemp(prefix="xapi-bench-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "learningcity.settings",
        "LEARNINGCITY_VAR_DIR": str(workdir),
        "LEARNINGCITY_DEV_KEYS_OK": "true",
        "STATIC_MANIFEST": "false",
        # The bench measures capacity: the per-provider rate limit (a policy) is lifted.
        "XAPI_REQUESTS_PER_MINUTE": "0",
    }
    subprocess.run(
        [sys.executable, "-m", "learningcity", "migrate", "--noinput", "-v0"],
        cwd=ROOT, env=env, check=True,
    )  # fmt: skip
    credentials = json.loads(_child("--setup", env))
    token = base64.b64encode(f"{credentials['key']}:{credentials['secret']}".encode()).decode()
    headers = {"Authorization": f"Basic {token}", "X-Experience-API-Version": "1.0.3"}
    port = _free_port()
    log = open(workdir / "gunicorn.log", "wb")  # noqa: SIM115 - closed below
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "learningcity.wsgi:application", "--bind",
         f"127.0.0.1:{port}", *SERVER_OPTIONS],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    result: dict[str, Any] = {}
    try:
        _wait_for(port, server)
        say(f"gunicorn on 127.0.0.1:{port} ({' '.join(SERVER_OPTIONS)}), PostgreSQL")
        _run("post", port, "/xapi/statements", headers, batch=10, seconds=2, clients=clients)
        b1 = _run(
            "post", port, "/xapi/statements", headers, batch=1, seconds=seconds, clients=clients
        )
        say(_figures("batch 1  ", b1))
        b100 = _run(
            "post", port, "/xapi/statements", headers, batch=100, seconds=seconds, clients=clients
        )
        say(_figures("batch 100", b100))
        stored = json.loads(_child("--count", env))["stored"]
        missing = max(0, target - stored)
        if missing:
            fill = _run(
                "post", port, "/xapi/statements", headers, batch=500, seconds=600,
                clients=clients, cap=-(-missing // clients),
            )  # fmt: skip
            say(_figures(f"filled {fill['statements']:,} more (batches of 500)", fill))
        stored = json.loads(_child("--count", env))["stored"]
        result = {
            "ingest_b1_per_s": b1["per_s"],
            "ingest_b1_p50_ms": b1["p50_ms"],
            "ingest_b1_p99_ms": b1["p99_ms"],
            "ingest_b100_per_s": b100["per_s"],
            "ingest_b100_p50_ms": b100["p50_ms"],
            "ingest_b100_p99_ms": b100["p99_ms"],
            "stored": stored,
        }
        if os.environ.get("BENCH_XAPI_EXPLAIN") == "1":
            done = subprocess.run(
                [sys.executable, SCRIPT, "--explain"], cwd=ROOT, env=env, capture_output=True,
                text=True,
            )  # fmt: skip
            say(done.stderr[-12000:])
        worst = 0.0
        for kind in QUERIES:
            query = _run(
                f"get:{kind}", port, "/xapi/statements", headers, batch=0,
                seconds=max(3.0, seconds / 2), clients=clients,
            )  # fmt: skip
            say(_figures(f"GET {kind} at {stored:,} stored (limit 100)", query))
            result[f"query_{kind}_p50_ms"] = query["p50_ms"]
            result[f"query_{kind}_p99_ms"] = query["p99_ms"]
            worst = max(worst, query["p99_ms"])
        result["query_p99_ms"] = worst
    finally:
        _stop(server)
        log.close()
        shutil.rmtree(workdir, ignore_errors=True)
    ralph = _ralph(seconds, clients, say)
    if ralph is not None:
        say(_figures("ralph-malph (fs backend) batch 100", ralph))
        result["ralph_ingest_b100_per_s"] = ralph["per_s"]
        result["ratio_to_ralph"] = round(result["ingest_b100_per_s"] / ralph["per_s"], 1)
    print(json.dumps(result))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--setup":
        _setup()
    elif len(sys.argv) > 1 and sys.argv[1] == "--count":
        _count()
    elif len(sys.argv) > 1 and sys.argv[1] == "--explain":
        _explain()
    else:
        main()
