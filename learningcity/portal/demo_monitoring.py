"""The demo's monitoring: population figures for the city, every district and every town, the
blueprint 2024–2030 with its objectives and yearly targets, and a first refresh of the
indicators, so the municipal officer's dashboard shows the demo city against its plan at once.
Call it after every other seed: the refresh reads what they wrote.

The portal and the monitoring app are on the same layer and may not import each other, so the
seeding runs through the app's command (`learningcity monitoring demo`), as an operator would;
the command uses the monitoring services."""

from __future__ import annotations

import io
import json
from collections.abc import Callable

from django.core.management import call_command

from learningcity.accounts.models import User

Log = Callable[[str], None]


def seed_monitoring(admin: User, *, seed: int, scale: float, log: Log) -> dict[str, int]:
    """Deterministic for a seed; returns the counts written. `scale` needs no use: the
    population figures follow the residents the other seeds registered."""
    out = io.StringIO()
    call_command("monitoring", "demo", "--seed", str(seed), "--actor", admin.username, stdout=out)
    counts: dict[str, int] = json.loads(out.getvalue().strip().splitlines()[-1])
    log(
        f"monitoring: {counts['population_figures']:,} population figures, blueprint "
        f"2024–2030, {counts['indicator_figures']:,} indicator figures"
    )
    return counts
