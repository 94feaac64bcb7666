"""How fast `learningcity seed-demo` builds the demo city, and how big the database gets.

Seeds twice, each into a fresh SQLite file under a temporary directory, through the real
command in a child process: a baseline (scale 0.1, 20,000 residents, what `make demo` loads)
and a bigger run (by default the full network with 100,000 residents). Reports wall time,
database size (main file plus -wal and -shm), residents per second, the child's peak memory
and the ratio of per-resident throughput, bigger over baseline (near 1 means seeding scales
linearly). The last line printed is one JSON object with every figure.

    .venv/bin/python bench/seed_city.py
    BENCH_SEED_LEARNERS=1000000 .venv/bin/python bench/seed_city.py   # Shanghai-sized

Environment: BENCH_SEED_LEARNERS (default 100000), BENCH_SEED_SCALE (default 1),
BENCH_SEED_SEED (default 1).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BASELINE_SCALE = 0.1  # what `make demo` loads
BASELINE_LEARNERS = 20_000


def _env(var_dir: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)  # always the embedded SQLite file, fresh each run
    env.update(
        DJANGO_SETTINGS_MODULE="learningcity.settings",
        LEARNINGCITY_VAR_DIR=var_dir,
        LEARNINGCITY_DEV_KEYS_OK="true",
    )
    return env


def _db_bytes(var_dir: str) -> int:
    db = Path(var_dir) / "learningcity.sqlite3"
    files = [db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")]
    return sum(f.stat().st_size for f in files if f.exists())


def seed(label: str, *, scale: float, learners: int, seed: int) -> dict[str, Any]:
    """Migrate a fresh database, then time seed-demo into it, echoing its progress."""
    with tempfile.TemporaryDirectory(prefix=f"lc-bench-seed-{label}-") as var_dir:
        env = _env(var_dir)
        command = [sys.executable, "-m", "learningcity"]
        subprocess.run([*command, "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
        print(f"{label}: seed-demo --scale {scale} --learners {learners:,} --seed {seed}")
        started = time.perf_counter()
        child = subprocess.Popen(
            [*command, "seed-demo", "--scale", str(scale), "--learners", str(learners),
             "--seed", str(seed)],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        assert child.stdout is not None
        echo = True
        for line in child.stdout:
            # Progress lines only: the counts table and the logins are the same every run.
            echo = echo and not line.startswith("Done in")
            if echo and line.strip():
                print(f"  {line.rstrip()}", flush=True)
        if child.wait() != 0:
            raise SystemExit(f"seed-demo failed ({label}), exit status {child.returncode}")
        seconds = time.perf_counter() - started
        size = _db_bytes(var_dir)
    return {
        "scale": scale,
        "learners": learners,
        "seconds": round(seconds, 2),
        "db_bytes": size,
        "db_mb": round(size / 2**20, 1),
        "learners_per_s": round(learners / seconds, 1),
    }


def main() -> None:
    big_learners = int(os.environ.get("BENCH_SEED_LEARNERS", "100000"))
    big_scale = float(os.environ.get("BENCH_SEED_SCALE", "1"))
    seed_value = int(os.environ.get("BENCH_SEED_SEED", "1"))

    baseline = seed("baseline", scale=BASELINE_SCALE, learners=BASELINE_LEARNERS, seed=seed_value)
    big = seed("big", scale=big_scale, learners=big_learners, seed=seed_value)
    # ru_maxrss is the largest child so far, in KiB on Linux: the big run's peak.
    peak_mb = round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)
    ratio = round(big["learners_per_s"] / baseline["learners_per_s"], 3)

    for label, run in (("baseline", baseline), ("big", big)):
        print(
            f"{label:>8}: scale {run['scale']}, {run['learners']:>9,} residents in "
            f"{run['seconds']:8.1f} s = {run['learners_per_s']:>9,.0f} residents/s; "
            f"database {run['db_mb']:,.1f} MB"
        )
    print(f"throughput ratio big/baseline: {ratio}; peak child memory {peak_mb:,.0f} MB")
    print(
        json.dumps(
            {
                "bench": "seed_city",
                "baseline": baseline,
                "big": big,
                "throughput_ratio": ratio,
                "peak_child_rss_mb": peak_mb,
            }
        )
    )


if __name__ == "__main__":
    main()
