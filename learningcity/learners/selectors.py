"""Every read of residents' records, scoped to the viewer."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from learningcity.core import clock, idnumber
from learningcity.core.errors import NotFound
from learningcity.core.models import AuditEntry
from learningcity.core.prepared import PreparedQuery
from learningcity.learners.choices import MembershipStatus, TargetGroup
from learningcity.learners.data import TargetGroupStatus
from learningcity.learners.models import CorrectionRequest, Learner, TargetGroupMembership
from learningcity.learners.services import REVEAL_ACTION, id_number_index
from learningcity.network.choices import Action
from learningcity.network.models import Area


def learner_list(
    *,
    viewer: Any,
    area_code: str | None = None,
    q: str | None = None,
    aged: bool | None = None,
) -> QuerySet[Learner]:
    qs = Learner.objects.restrict(viewer, Action.VIEW)
    if area_code:
        area = Area.objects.filter(code=area_code).only("path").first()
        qs = qs.filter(residence_area__path__startswith=area.path) if area else qs.none()
    if q:
        qs = qs.filter(name__icontains=q)
    if aged is not None:
        cutoff = aged_born_on_or_before(clock.today())
        qs = qs.filter(birth_date__lte=cutoff) if aged else qs.filter(birth_date__gt=cutoff)
    return qs.select_related("residence_area").order_by("id")


# Compiled once per connection: a resident's own first-come application reads her record so.
_OWN_LEARNER = PreparedQuery(
    "learners.own_learner",
    Learner,
    "user",
    lambda user_id: Learner.objects.filter(user_id=user_id).order_by()[:1],
    sentinel=2**31 - 1,
)


def own_learner(user: Any) -> Learner | None:
    """The learner record of a login, or None (staff have none): the one the request's token
    brought with it, else one read (compiled once per connection), kept on the user as
    `user.learner` would keep it."""
    if getattr(user, "pk", None) is None:
        return None
    relation = user.__class__.learner.related  # the class behind a lazy request.user too
    if relation.is_cached(user):
        return getattr(user, "learner", None)
    learner: Learner | None = _OWN_LEARNER.first(user.pk)
    relation.set_cached_value(user, learner)
    if learner is not None:
        Learner.user.field.set_cached_value(learner, user)
    return learner


def aged_born_on_or_before(on: dt.date) -> dt.date:
    """The latest birth date of someone who counts as aged on `on`."""
    years = settings.AGED_MIN_AGE
    try:
        return on.replace(year=on.year - years)
    except ValueError:  # 29 February in a non-leap year
        return on.replace(year=on.year - years, day=28)


def learner_find_by_id_number(*, viewer: Any, id_number: str) -> Learner:
    """Find a resident by ID number through the blind index; 404 if absent or out of scope."""
    try:
        value = idnumber.parse(id_number).value
    except idnumber.IdNumberError:
        raise NotFound(_("No such learner.")) from None
    learner = (
        Learner.objects.restrict(viewer, Action.VIEW)
        .select_related("residence_area")
        .filter(id_number_index=id_number_index(value))
        .first()
    )
    if learner is None:
        raise NotFound(_("No such learner."))
    return learner


def _birthday(born: dt.date, year: int) -> dt.date:
    try:
        return born.replace(year=year)
    except ValueError:  # born on 29 February: the birthday counts from 1 March
        return dt.date(year, 3, 1)


def access_learner(*, viewer: Any, public_id: Any, action: str = Action.VIEW) -> Learner:
    """A learner in the viewer's scope; 404 both when missing and when out of scope."""
    learner = (
        Learner.objects.restrict(viewer, action)
        .select_related("residence_area")
        .filter(public_id=public_id)
        .first()
    )
    if learner is None:
        raise NotFound(_("No such learner."))
    return learner


def learner_target_groups(
    *, learner: Learner, on: dt.date | None = None
) -> list[TargetGroupStatus]:
    """The groups a learner belongs to on a date: verified memberships in force, and the
    aged when the birth date says so."""
    on = on or clock.today()
    groups: list[TargetGroupStatus] = []
    if learner.birth_date <= aged_born_on_or_before(on):
        since = _birthday(learner.birth_date, learner.birth_date.year + settings.AGED_MIN_AGE)
        groups.append(
            TargetGroupStatus(group=TargetGroup.AGED, since=since, until=None, derived=True)
        )
    memberships = (
        TargetGroupMembership.objects.filter(
            learner=learner,
            status=MembershipStatus.VERIFIED,
            valid_from__lte=on,
        )
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))
        .order_by("group", "valid_from")
    )
    for membership in memberships:
        groups.append(
            TargetGroupStatus(
                group=membership.group,
                since=membership.valid_from,
                until=membership.valid_until,
                derived=False,
            )
        )
    return groups


def membership_list(*, viewer: Any, learner: Learner) -> QuerySet[TargetGroupMembership]:
    return TargetGroupMembership.objects.filter(
        learner=learner, learner__in=Learner.objects.restrict(viewer, Action.VIEW)
    ).order_by("group", "valid_from")


def learner_count_by_district() -> dict[str, int]:
    """Registered residents per district code (aggregate figures, no personal data).

    Grouped by the residence area's key, which the (residence_area, birth_date) index covers,
    so the count never touches learner rows or joins the area table row by row."""
    per_area = dict(
        Learner.objects.order_by().values_list("residence_area_id").annotate(n=Count("id"))
    )
    paths = Area.objects.values_list("pk", "path")  # thousands of rows, not millions
    totals: dict[str, int] = {}
    for pk, path in paths:
        parts = path.split("/")
        if pk in per_area and len(parts) > 2 and parts[1]:
            totals[parts[1]] = totals.get(parts[1], 0) + per_area[pk]
    return totals


def correction_requests(*, viewer: Any, status: str | None = None) -> QuerySet[CorrectionRequest]:
    """Correction requests of residents in the viewer's scope, oldest open first."""
    found = CorrectionRequest.objects.filter(
        learner__in=Learner.objects.restrict(viewer, Action.VIEW).values("pk")
    ).select_related("learner", "answered_by")
    if status:
        found = found.filter(status=status)
    return found.order_by("status", "created_at")


REVEALS_SHOWN = 500


def id_number_reveals(*, viewer: Any, limit: int = REVEALS_SHOWN) -> list[AuditEntry]:
    """Who saw which resident's full ID number, when and why, newest first: for auditors and
    offices, residents in their scope only (the most recent `limit` the viewer may see)."""
    entries = list(
        AuditEntry.objects.filter(action=REVEAL_ACTION)
        .select_related("actor")
        .order_by("-occurred_at", "-id")[: limit * 4]
    )
    ids = {entry.subject.removeprefix("learner:") for entry in entries}
    visible = {
        str(public_id)
        for public_id in Learner.objects.restrict(viewer, Action.VIEW)
        .filter(public_id__in=ids)
        .values_list("public_id", flat=True)
    }
    return [e for e in entries if e.subject.removeprefix("learner:") in visible][:limit]
