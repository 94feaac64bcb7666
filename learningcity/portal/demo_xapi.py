"""The demo's learning record store: the `school` login's community school connects its online
learning platform (credentials and three registered activities) and has sent statements —
the demo resident's completions became credit-bank records; an unknown activity, an unknown
learner and a failed test show on the school's page (/xapi/manage/) why they did not.

The portal and the xapi app are on the same layer and may not import each other, so the
seeding runs through the app's command (`learningcity xapi demo`), as an operator would."""

from __future__ import annotations

import io
import json
from collections.abc import Callable

from django.core.management import call_command

from learningcity.accounts.models import User

Log = Callable[[str], None]


def seed_xapi(admin: User, *, seed: int, scale: float, log: Log | None = None) -> dict[str, int]:
    """Deterministic for a seed; returns the counts written. `admin` is unused: the school's
    own administrator issues the credentials and registers the activities."""
    say = log or (lambda _line: None)
    out = io.StringIO()
    call_command("xapi", "demo", "--seed", str(seed), "--scale", str(scale), stdout=out)
    counts = json.loads(out.getvalue().strip().splitlines()[-1])
    say(
        f"xAPI: credentials and {counts.get('activities', 0)} activities for "
        f"{counts.get('provider', '-')}, {counts.get('statements', 0):,} statements, "
        f"{counts.get('records', 0):,} became records"
    )
    return {k: v for k, v in counts.items() if isinstance(v, int)}
