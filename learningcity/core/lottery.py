"""The seeded, auditable lottery for oversubscribed classes. Pure: data in, results out.

How seats are given, in order:
1. Every learner gets one lottery number: SHA-256(seed ‖ learner key). A smaller number
   draws earlier; one number per learner keeps their chances equal across their choices.
2. Choices are processed in rounds by rank: every learner's first choice is decided before
   anyone's second choice, so seats go to higher-ranked choices first.
3. Within a round, at each class, seats reserved for target groups (the quota) go first to
   applicants in a target group, in lottery order; then the general seats go to everyone
   left, by priority tier (lower first: e.g. first-time learners before returning learners)
   and then lottery order.
4. A learner who already holds `cap` places (offers here, or seats taken earlier in the term)
   gets no more; their further choices wait.
5. Every choice not offered joins its class's waitlist, ordered by rank, tier, lottery number.

Anyone holding the published inputs and the revealed seed can recompute every result; the
commitment (SHA-256 of the seed) is published before applications close, so the seed cannot
be chosen after seeing them.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

ALGORITHM = "lc-lottery-v1"


@dataclass(frozen=True)
class Seats:
    key: str
    capacity: int
    quota: int = 0


@dataclass(frozen=True)
class Choice:
    application: str
    learner: str
    klass: str
    rank: int
    tier: int = 0
    in_group: bool = False
    held: int = 0  # places the learner already holds in the term (first-come classes)


@dataclass(frozen=True)
class Outcome:
    application: str
    offered: bool
    round: int
    reason: str  # offered: "quota", "general", "released"; waiting: "full", "cap"
    waitlist_position: int | None = None


@dataclass
class DrawResult:
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    numbers: dict[str, str] = field(default_factory=dict)

    def digest(self) -> str:
        rows = sorted(
            (o.application, o.offered, o.round, o.reason, o.waitlist_position)
            for o in self.outcomes.values()
        )
        return hashlib.sha256(json.dumps(rows).encode()).hexdigest()


def commitment(seed: str) -> str:
    """What is published before the draw: the seed's SHA-256, in hex."""
    return hashlib.sha256(bytes.fromhex(seed)).hexdigest()


def lottery_number(seed: str, learner: str) -> str:
    return hashlib.sha256(bytes.fromhex(seed) + learner.encode()).hexdigest()


def inputs_digest(seats: Iterable[Seats], choices: Iterable[Choice], cap: int) -> str:
    """A fingerprint of everything the draw depends on except the seed."""
    payload = {
        "algorithm": ALGORITHM,
        "cap": cap,
        "seats": sorted((s.key, s.capacity, s.quota) for s in seats),
        "choices": sorted(
            (c.application, c.learner, c.klass, c.rank, c.tier, c.in_group, c.held) for c in choices
        ),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def draw(*, seed: str, seats: Iterable[Seats], choices: Iterable[Choice], cap: int) -> DrawResult:
    """Decide every choice. Deterministic: the same inputs and seed give the same result."""
    seats_by_class = {s.key: s for s in seats}
    all_choices = list(choices)
    result = DrawResult()
    for learner in {c.learner for c in all_choices}:
        result.numbers[learner] = lottery_number(seed, learner)
    number = result.numbers
    # A class reserves no more seats than it has target-group applicants for.
    group_demand: dict[str, int] = defaultdict(int)
    for choice in all_choices:
        if choice.in_group:
            group_demand[choice.klass] += 1
    quota_left = {k: min(s.quota, s.capacity, group_demand[k]) for k, s in seats_by_class.items()}
    general_left = {k: s.capacity - quota_left[k] for k, s in seats_by_class.items()}
    held: dict[str, int] = defaultdict(int)
    for choice in all_choices:
        held[choice.learner] = max(held[choice.learner], choice.held)
    by_round: dict[int, dict[str, list[Choice]]] = defaultdict(lambda: defaultdict(list))
    for choice in all_choices:
        by_round[choice.rank][choice.klass].append(choice)
    undecided: list[tuple[Choice, int, str]] = []
    for round_ in sorted(by_round):
        for klass in sorted(by_round[round_]):
            if klass not in seats_by_class:
                raise ValueError(f"choice for unknown class {klass}")
            candidates = sorted(by_round[round_][klass], key=lambda c: number[c.learner])
            remaining: list[Choice] = []
            for choice in candidates:  # quota seats: target-group applicants, lottery order
                if choice.in_group and quota_left[klass] > 0 and held[choice.learner] < cap:
                    quota_left[klass] -= 1
                    held[choice.learner] += 1
                    result.outcomes[choice.application] = Outcome(
                        choice.application, True, round_, "quota"
                    )
                else:
                    remaining.append(choice)
            remaining.sort(key=lambda c: (c.tier, number[c.learner]))
            for choice in remaining:  # general seats: tier, then lottery order
                if held[choice.learner] >= cap:
                    undecided.append((choice, round_, "cap"))
                elif general_left[klass] > 0:
                    general_left[klass] -= 1
                    held[choice.learner] += 1
                    result.outcomes[choice.application] = Outcome(
                        choice.application, True, round_, "general"
                    )
                else:
                    undecided.append((choice, round_, "full"))
    waiting: dict[str, list[tuple[Choice, int, str]]] = defaultdict(list)
    for choice, round_, reason in undecided:
        waiting[choice.klass].append((choice, round_, reason))
    for klass, entries in waiting.items():
        entries.sort(key=lambda e: (e[0].rank, e[0].tier, number[e[0].learner]))
        # Reserved seats left unclaimed (their applicants reached the cap elsewhere) are
        # not left empty: they go down the waitlist like any seat.
        still_waiting = []
        for choice, round_, reason in entries:
            if quota_left[klass] > 0 and held[choice.learner] < cap:
                quota_left[klass] -= 1
                held[choice.learner] += 1
                result.outcomes[choice.application] = Outcome(
                    choice.application, True, round_, "released"
                )
            else:
                still_waiting.append((choice, round_, reason))
        for position, (choice, round_, reason) in enumerate(still_waiting, start=1):
            result.outcomes[choice.application] = Outcome(
                choice.application, False, round_, reason, position
            )
    return result


def verify_publication(publication: dict[str, Any]) -> list[str]:
    """Recompute a published draw; return every discrepancy found (empty: it checks out).

    The publication is what `enrollment.selectors.draw_publication` returns and the API
    serves: seats, cap, seed, commitment, digests and every entry with its result."""
    problems: list[str] = []
    seed = publication.get("seed")
    if not seed:
        return ["the seed has not been revealed yet: the term has not been drawn"]
    if commitment(seed) != publication["commitment"]:
        problems.append("the revealed seed does not match the published commitment")
    seats = [Seats(key, capacity, quota) for key, capacity, quota in publication["seats"]]
    entries = publication["entries"]
    choices = [
        Choice(
            e["application"],
            e["learner"],
            e["class"],
            e["rank"],
            e["tier"],
            e["in_group"],
            e.get("held", 0),
        )
        for e in entries
    ]
    cap = publication["cap"]
    if inputs_digest(seats, choices, cap) != publication["inputs_digest"]:
        problems.append("the published inputs differ from those the draw recorded")
    result = draw(seed=seed, seats=seats, choices=choices, cap=cap)
    if result.digest() != publication["results_digest"]:
        problems.append("recomputed results differ from the recorded results digest")
    for entry in entries:
        outcome = result.outcomes[entry["application"]]
        published = (entry["offered"], entry["round"], entry["reason"], entry["waitlist_position"])
        recomputed = (outcome.offered, outcome.round, outcome.reason, outcome.waitlist_position)
        if published != recomputed:
            problems.append(
                f"application {entry['application']}: published {published}, "
                f"recomputed {recomputed}"
            )
    return problems
