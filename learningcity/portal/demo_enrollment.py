"""Demo applications: the classes everyone wants, oversubscribed as they are in real life.

Shanghai's most wanted community classes (piano, ballet, calligraphy, smartphone skills) go
in seconds; here residents apply to them through the same service the pages use, so the
demo's term shows full lotteries waiting for their draw, and the `resident` login has
ranked choices of her own.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from learningcity.accounts.models import User
from learningcity.catalog.choices import Rationing
from learningcity.catalog.models import Class
from learningcity.core.errors import DomainError
from learningcity.enrollment.services import application_submit
from learningcity.learners.models import Learner
from learningcity.portal.demo_catalog import TERM_CODE

Log = Callable[[str], None]

WANTED = ("钢琴", "芭蕾", "书法", "智能手机使用")
DEMAND = 3  # applicants per seat


def seed_applications(admin: User, *, seed: int, scale: float = 0.1, log: Log | None = None) -> int:
    """Apply residents to the most wanted lottery classes until each has DEMAND× its seats
    (a few classes per course, fewer in a small city). Returns the applications made."""
    say = log or (lambda _line: None)
    per_course = min(3, max(1, round(scale * 30)))
    demand = DEMAND if scale >= 0.1 else 2
    rng = random.Random(f"{seed}/applications")  # noqa: S311 - demo data, not secrets
    wanted = []
    for title in WANTED:
        wanted += list(
            Class.objects.filter(
                term__code=TERM_CODE, rationing=Rationing.LOTTERY, course__title_zh=title
            )
            .select_related("term", "site__area")
            .order_by("id")[:per_course]
        )
    learner_ids = list(
        Learner.objects.filter(user__isnull=True)
        .order_by("id")
        .values_list("id", flat=True)[:20_000]
    )
    made = 0
    resident = Learner.objects.filter(user__username="resident").first()
    if resident is not None and len(wanted) >= 2:
        for rank, klass in enumerate((wanted[0], wanted[2 * per_course]), start=1):
            application_submit(actor=admin, learner=resident, klass=klass, rank=rank)
            made += 1
    ranks: dict[int, int] = {}
    for klass in wanted:
        for learner_id in rng.sample(learner_ids, min(len(learner_ids), klass.capacity * demand)):
            rank = ranks.get(learner_id, 0) + 1
            if rank > klass.term.max_choices:
                continue
            learner = Learner.objects.get(pk=learner_id)
            try:
                application_submit(actor=admin, learner=learner, klass=klass, rank=rank)
            except DomainError:
                continue  # already chose this class: the demo moves on, as a person would
            ranks[learner_id] = rank
            made += 1
    say(f"applications: {made:,} to {len(wanted)} of the most wanted classes")
    return made
