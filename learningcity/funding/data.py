"""Plain values the funding app gives and takes; standard library only."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class PolicyDecision:
    """Whether one subsidy policy or entitlement scheme applies to a learner for a class,
    and the reasons, in the viewer's language."""

    code: str
    name: str
    kind: str  # "subsidy" or "entitlement"
    applies: bool
    reasons: tuple[str, ...]
    amount: Decimal = Decimal("0.00")


@dataclass(frozen=True)
class LevelShare:
    level: str
    budget_id: int | None
    amount: Decimal


@dataclass(frozen=True)
class TrancheUse:
    tranche_id: int
    scheme_code: str
    expires_on: dt.date
    amount: Decimal


@dataclass(frozen=True)
class Quote:
    """What a class costs a learner: the fee, the subsidy (split over the levels), what their
    entitlement pays, and what is left for them to pay the provider."""

    fee: Decimal
    currency: str
    subsidy: Decimal
    policy_code: str | None
    policy_name: str | None
    shares: tuple[LevelShare, ...]
    entitlement: Decimal
    tranches: tuple[TrancheUse, ...]
    to_pay: Decimal
    decisions: tuple[PolicyDecision, ...] = field(default=())
    policy_id: int | None = None
    # The group the subsidy was given for (reports count by it).
    target_group: str = ""

    @property
    def public_money(self) -> Decimal:
        return self.subsidy + self.entitlement


@dataclass(frozen=True)
class PlaceDelivery:
    """One learner's part in a finished (or left) class, as enrollment measured it."""

    source: str  # "enrollment:<application uuid>"
    learner_id: int
    sessions_attended: int
    sessions_held: int

    @property
    def rate(self) -> Decimal:
        if self.sessions_held <= 0:
            return Decimal("0")
        return min(Decimal(self.sessions_attended) / Decimal(self.sessions_held), Decimal(1))


@dataclass(frozen=True)
class Move:
    """Money moving from one journal account to another: one leg of a transaction."""

    source_account_id: int
    target_account_id: int
    amount: Decimal


@dataclass(frozen=True)
class ReportRow:
    key: str
    label: str
    committed: Decimal
    delivered: Decimal
    paid: Decimal
    learners: int
    learner_hours: Decimal

    @property
    def cost_per_learner_hour(self) -> Decimal | None:
        if not self.learner_hours:
            return None
        return (self.delivered / self.learner_hours).quantize(Decimal("0.01"))
