"""Do scoped reads stay fast as the city grows? API and page latency, small city vs big city.

Builds two demo cities in fresh SQLite files (a baseline: scale 0.1 with 20,000 residents;
a bigger one: the full network with BENCH_READS_LEARNERS residents, 200,000 by default), then
serves each in-process and times the reads people make most: the district list, the public
directory filtered to a district, a district officer's first page of residents (scoped), the
municipal view of residents, a lookup by ID number, the home page. Reports the median and 95th
percentile of each and the ratio of medians, bigger over baseline: near 1 means the read does
not grow with the data. The last line printed is one JSON object with every figure.

    .venv/bin/python bench/scoped_reads.py
    BENCH_READS_LEARNERS=1000000 .venv/bin/python bench/scoped_reads.py
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
REPEAT = int(os.environ.get("BENCH_READS_REPEAT", "40"))


def _measure_in_child(var_dir: str) -> dict[str, Any]:
    """Runs in a child process whose Django points at `var_dir`'s database."""
    import django

    django.setup()
    from django.test import Client

    from learningcity.accounts.models import User
    from learningcity.accounts.services import api_token_create
    from learningcity.core import crypto
    from learningcity.learners.models import Learner
    from learningcity.learners.services import ID_CONTEXT

    def token(username: str) -> dict[str, str]:
        user = User.objects.get(username=username)
        issued = api_token_create(actor=None, user=user, name="bench")
        return {"Authorization": f"Bearer {issued.plaintext}"}

    huangpu, municipal = token("huangpu"), token("municipal")
    resident = Learner.objects.filter(user__username="resident").get()
    assert resident.id_number_encrypted is not None
    number = crypto.decrypt(resident.id_number_encrypted, context=ID_CONTEXT)
    client = Client()
    reads: dict[str, tuple[str, str, dict[str, str], dict[str, Any] | None]] = {
        "areas_districts": ("get", "/api/v1/areas?level=district", {}, None),
        "directory_district": ("get", "/api/v1/organizations?area=310101&limit=20", {}, None),
        "learners_district_officer": ("get", "/api/v1/learners?limit=50", huangpu, None),
        "learners_municipal": ("get", "/api/v1/learners?limit=50", municipal, None),
        "learner_lookup_by_id": ("post", "/api/v1/learners/lookup", huangpu, {"id_number": number}),
        "home_page": ("get", "/", {}, None),
    }
    results: dict[str, Any] = {"learners": Learner.objects.count()}
    for name, (method, path, headers, body) in reads.items():
        timings = []
        for attempt in range(REPEAT + 3):
            started = time.perf_counter()
            if method == "get":
                response = client.get(path, headers=headers)
            else:
                response = client.post(path, body, content_type="application/json", headers=headers)
            elapsed = time.perf_counter() - started
            assert response.status_code == 200, (name, response.status_code)
            if attempt >= 3:  # the first requests warm caches and imports
                timings.append(elapsed * 1000)
        timings.sort()
        results[name] = {
            "p50_ms": round(statistics.median(timings), 2),
            "p95_ms": round(timings[int(len(timings) * 0.95) - 1], 2),
        }
    return results


def city(label: str, *, scale: float, learners: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix=f"lc-bench-reads-{label}-") as var_dir:
        env = dict(os.environ)
        env.pop("DATABASE_URL", None)
        env.update(
            DJANGO_SETTINGS_MODULE="learningcity.settings",
            LEARNINGCITY_VAR_DIR=var_dir,
            LEARNINGCITY_DEV_KEYS_OK="true",
            STATIC_MANIFEST="false",
        )
        run = [sys.executable, "-m", "learningcity"]
        subprocess.run([*run, "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
        print(f"{label}: seeding scale {scale} with {learners:,} residents...", flush=True)
        subprocess.run(
            [*run, "seed-demo", "--scale", str(scale), "--learners", str(learners), "--seed", "1"],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        out = subprocess.run(
            [sys.executable, __file__, "--measure", var_dir],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    big_learners = int(os.environ.get("BENCH_READS_LEARNERS", "200000"))
    baseline = city("baseline", scale=0.1, learners=20_000)
    bigger = city("bigger", scale=1.0, learners=big_learners)
    figures: dict[str, Any] = {
        "bench": "scoped_reads",
        "repeat": REPEAT,
        "baseline_learners": baseline["learners"],
        "bigger_learners": bigger["learners"],
        "reads": {},
    }
    print(f"{'read':<28}{'baseline p50':>14}{'bigger p50':>12}{'bigger p95':>12}{'ratio':>8}")
    for name in baseline:
        if name == "learners":
            continue
        small, big = baseline[name], bigger[name]
        ratio = round(big["p50_ms"] / small["p50_ms"], 2) if small["p50_ms"] else None
        figures["reads"][name] = {"baseline": small, "bigger": big, "p50_ratio": ratio}
        print(
            f"{name:<28}{small['p50_ms']:>12.2f}ms{big['p50_ms']:>10.2f}ms"
            f"{big['p95_ms']:>10.2f}ms{ratio:>8}"
        )
    print(json.dumps(figures))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--measure":
        print(json.dumps(_measure_in_child(sys.argv[2])))
    else:
        main()
