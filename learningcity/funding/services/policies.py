"""Subsidy policies and entitlement schemes (data the finance office keeps), yearly grants of
entitlement tranches and their lapse at expiry."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from learningcity.core import clock
from learningcity.core.errors import PermissionDenied, ValidationFailed
from learningcity.core.services import audit_record
from learningcity.funding.choices import LEVEL_DEPTH, AccountKind, Benefit, TransactionKind
from learningcity.funding.data import Move
from learningcity.funding.models import (
    Budget,
    EntitlementScheme,
    LedgerAccount,
    SubsidyPolicy,
    Tranche,
)
from learningcity.funding.services.journal import Short, account_of, post
from learningcity.learners.choices import MembershipStatus, TargetGroup
from learningcity.learners.models import Learner, TargetGroupMembership
from learningcity.learners.selectors import aged_born_on_or_before
from learningcity.network.choices import Action
from learningcity.network.models import Area, Organization


def _require_finance(actor: Any, owner: Organization) -> None:
    if not Organization.objects.restrict(actor, Action.FINANCE).filter(pk=owner.pk).exists():
        raise PermissionDenied(_("Only a finance officer of this level or above may do this."))


def _check_groups(groups: Iterable[str]) -> list[str]:
    values = sorted(set(groups))
    if not values or any(g not in TargetGroup.values for g in values):
        message = _("Choose one or more target groups.")
        raise ValidationFailed(message, fields={"groups": [message]})
    return values


@transaction.atomic
def policy_create(
    *,
    actor: Any,
    owner: Organization,
    code: str,
    name_zh: str,
    name_en: str = "",
    groups: Iterable[str],
    benefit: str,
    percent: Decimal | None = None,
    amount: Decimal | None = None,
    cap_per_learner_year: Decimal | None = None,
    shares: tuple[Decimal, Decimal, Decimal] = (Decimal(100), Decimal(0), Decimal(0)),
    categories: Iterable[str] = (),
    provider_systems: Iterable[str] = (),
    course_ids: Iterable[int] = (),
    valid_from: dt.date,
    valid_until: dt.date | None = None,
) -> SubsidyPolicy:
    """A subsidy policy. Its shares (municipal, district, town) add up to 100 %."""
    _require_finance(actor, owner)
    if sum(shares) != 100 or any(s < 0 for s in shares):
        message = _("The shares of the three levels must add up to 100 %.")
        raise ValidationFailed(message, code="invalid_split", fields={"shares": [message]})
    if benefit == Benefit.PERCENT and not (percent and 0 < percent <= 100):
        message = _("Enter a percentage from 1 to 100.")
        raise ValidationFailed(message, fields={"percent": [message]})
    if benefit == Benefit.FIXED and not (amount and amount > 0):
        message = _("Enter an amount above zero, in yuan and fen.")
        raise ValidationFailed(message, fields={"amount": [message]})
    policy = SubsidyPolicy.objects.create(
        code=code,
        name_zh=name_zh,
        name_en=name_en,
        owner=owner,
        groups=_check_groups(groups),
        categories=sorted(set(categories)),
        provider_systems=sorted(set(provider_systems)),
        benefit=benefit,
        percent=percent if benefit == Benefit.PERCENT else None,
        amount=amount if benefit == Benefit.FIXED else None,
        cap_per_learner_year=cap_per_learner_year,
        share_municipal=shares[0],
        share_district=shares[1],
        share_town=shares[2],
        valid_from=valid_from,
        valid_until=valid_until,
    )
    if course_ids:
        policy.courses.set(list(course_ids))
    audit_record(
        actor=actor,
        action="funding.policy_create",
        subject=f"policy:{policy.code}",
        data={"benefit": benefit, "groups": policy.groups, "shares": [str(s) for s in shares]},
    )
    return policy


@transaction.atomic
def scheme_create(
    *,
    actor: Any,
    owner: Organization,
    code: str,
    name_zh: str,
    name_en: str = "",
    groups: Iterable[str],
    amount: Decimal,
    funded_by: str,
    valid_years: int = 2,
    categories: Iterable[str] = (),
    provider_systems: Iterable[str] = (),
    valid_from: dt.date,
    valid_until: dt.date | None = None,
) -> EntitlementScheme:
    """An entitlement scheme: a yearly grant to each learner in its groups."""
    _require_finance(actor, owner)
    if amount <= 0:
        message = _("Enter an amount above zero, in yuan and fen.")
        raise ValidationFailed(message, fields={"amount": [message]})
    scheme = EntitlementScheme.objects.create(
        code=code,
        name_zh=name_zh,
        name_en=name_en,
        owner=owner,
        groups=_check_groups(groups),
        amount=amount,
        funded_by=funded_by,
        valid_years=valid_years,
        categories=sorted(set(categories)),
        provider_systems=sorted(set(provider_systems)),
        valid_from=valid_from,
        valid_until=valid_until,
    )
    audit_record(
        actor=actor,
        action="funding.scheme_create",
        subject=f"scheme:{scheme.code}",
        data={"amount": str(amount), "groups": scheme.groups, "funded_by": funded_by},
    )
    return scheme


def _eligible_learners(scheme: EntitlementScheme, on: dt.date, area: Area | None) -> list[int]:
    """Learners in the scheme's groups on a date (residents of `area` only, if given)."""
    learners = Learner.objects.all()
    if area is not None:
        learners = learners.filter(residence_area__path__startswith=area.path)
    if TargetGroup.RESIDENT in scheme.groups:
        return list(learners.order_by("id").values_list("id", flat=True))
    q = Q(pk__in=[])
    if TargetGroup.AGED in scheme.groups:
        q |= Q(birth_date__lte=aged_born_on_or_before(on))
    verified = TargetGroupMembership.objects.filter(
        group__in=scheme.groups, status=MembershipStatus.VERIFIED, valid_from__lte=on
    ).filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))
    q |= Q(pk__in=verified.values("learner_id"))
    return list(learners.filter(q).order_by("id").values_list("id", flat=True))


def tranche_grant(
    *, actor: Any, scheme: EntitlementScheme, learner: Learner, year: int, on: dt.date | None = None
) -> Tranche:
    """Grant one learner this year's tranche of a scheme, from the budget of the level that
    funds it (of the learner's area). Granting again returns the first grant."""
    existing = Tranche.objects.filter(scheme=scheme, learner_id=learner.pk, year=year).first()
    if existing is not None:
        return existing
    codes = [c for c in learner.residence_area.path.split("/") if c]
    depth = LEVEL_DEPTH[scheme.funded_by]
    budget = Budget.objects.filter(
        fiscal_year=year, area__code=codes[min(depth, len(codes) - 1)]
    ).first()
    if budget is None:
        raise ValidationFailed(
            _("No budget of the funding level is open for %(year)s.") % {"year": year},
            code="no_budget",
        )
    try:
        with transaction.atomic():
            account = LedgerAccount.objects.create(budget=budget, kind=AccountKind.ENTITLEMENT)
            tranche = Tranche.objects.create(
                learner_id=learner.pk,
                scheme=scheme,
                year=year,
                amount=scheme.amount,
                expires_on=dt.date(year + scheme.valid_years - 1, 12, 31),
                account=account,
            )
            post(
                actor=actor,
                kind=TransactionKind.GRANT,
                moves=[
                    Move(account_of(budget, AccountKind.AVAILABLE).pk, account.pk, scheme.amount)
                ],
                budget=budget,
                fiscal_year=year,
                reason=_("%(scheme)s for %(year)s") % {"scheme": scheme.name_zh, "year": year},
                idempotency_key=f"grant:{scheme.pk}:{learner.pk}:{year}",
                source=f"tranche:{tranche.public_id}",
                learner_id=learner.pk,
            )
    except IntegrityError:  # a concurrent grant of the same tranche won
        return Tranche.objects.get(scheme=scheme, learner_id=learner.pk, year=year)
    return tranche


def entitlements_grant(
    *,
    actor: Any,
    scheme: EntitlementScheme,
    year: int,
    area: Area | None = None,
    on: dt.date | None = None,
) -> tuple[int, int]:
    """This year's tranche for every learner in the scheme's groups (of `area`, if given),
    one transaction each; returns (granted, refused for want of budget). Safe to rerun."""
    _require_finance(actor, scheme.owner)
    on = on or clock.today()
    granted = refused = 0
    learners = Learner.objects.select_related("residence_area")
    ids = _eligible_learners(scheme, on, area)
    for start in range(0, len(ids), 500):
        for learner in learners.filter(pk__in=ids[start : start + 500]).order_by("id"):
            try:
                tranche_grant(actor=actor, scheme=scheme, learner=learner, year=year, on=on)
            except (Short, ValidationFailed):
                refused += 1
            else:
                granted += 1
    audit_record(
        actor=actor,
        action="funding.entitlements_grant",
        subject=f"scheme:{scheme.code}",
        data={"year": year, "granted": granted, "refused": refused},
    )
    return granted, refused


def tranches_lapse(*, actor: Any, on: dt.date | None = None) -> int:
    """Return what is left of every expired tranche to the budget that funded it. Safe to
    run again and concurrently: each lapse is keyed by the tranche's history."""
    on = on or clock.today()
    lapsed = 0
    expired = Tranche.objects.filter(expires_on__lt=on, account__balance__gt=0).select_related(
        "account"
    )
    for tranche in expired.order_by("id"):
        with transaction.atomic():
            account = LedgerAccount.objects.select_for_update().get(pk=tranche.account_id)
            if account.balance <= 0:
                continue
            lines = account.lines.count()
            post(
                actor=actor,
                kind=TransactionKind.LAPSE,
                moves=[
                    Move(
                        account.pk,
                        account_of(account.budget_id, AccountKind.AVAILABLE).pk,
                        account.balance,
                    )
                ],
                budget=account.budget_id,
                fiscal_year=tranche.year,
                reason=_("Expired on %(date)s") % {"date": tranche.expires_on.isoformat()},
                idempotency_key=f"lapse:{tranche.pk}:{lines}",
                source=f"tranche:{tranche.public_id}",
                learner_id=tranche.learner_id,
            )
            lapsed += 1
    return lapsed
