"""Every change to the catalog: terms, courses, classes, resources, and class seats."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from learningcity.catalog.choices import (
    Audience,
    Category,
    ClassStatus,
    Level,
    Mode,
    Rationing,
)
from learningcity.catalog.errors import CatalogErrorCode
from learningcity.catalog.models import Class, Course, Term
from learningcity.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from learningcity.core.services import audit_record
from learningcity.network.choices import Action
from learningcity.network.models import LearningSite, Organization, actor_scope


@transaction.atomic
def term_create(
    *,
    actor: Any,
    code: str,
    name_zh: str,
    starts_on: dt.date,
    ends_on: dt.date,
    name_en: str = "",
    per_learner_cap: int = 2,
    max_choices: int = 5,
) -> Term:
    """Terms are city-wide: only the municipal administration opens one."""
    if not actor_scope(actor, Action.CHANGE).everything:
        raise PermissionDenied(_("Only the municipal administration opens a term."))
    fields: dict[str, list[str]] = {}
    if ends_on < starts_on:
        fields["ends_on"] = [_("The end date cannot be before the start date.")]
    if per_learner_cap < 1:
        fields["per_learner_cap"] = [_("Enter a number of at least 1.")]
    if max_choices < 1:
        fields["max_choices"] = [_("Enter a number of at least 1.")]
    if fields:
        raise ValidationFailed(_("Please correct the fields below."), fields=fields)
    if Term.objects.filter(code=code).exists():
        message = _("This code is already used by another term.")
        raise Conflict(message, code=CatalogErrorCode.CODE_TAKEN, fields={"code": [message]})
    term = Term.objects.create(
        code=code,
        name_zh=name_zh,
        name_en=name_en,
        starts_on=starts_on,
        ends_on=ends_on,
        per_learner_cap=per_learner_cap,
        max_choices=max_choices,
    )
    audit_record(actor=actor, action="term.create", subject=f"term:{term.code}")
    return term


@transaction.atomic
def course_create(
    *,
    actor: Any,
    provider: Organization,
    code: str,
    title_zh: str,
    category: str,
    hours: Decimal,
    title_en: str = "",
    description_zh: str = "",
    description_en: str = "",
    mode: str = Mode.IN_PERSON,
    level: str = Level.BEGINNER,
    fee: Decimal = Decimal("0.00"),
    audience: str = Audience.EVERYONE,
) -> Course:
    if not Organization.objects.restrict(actor, Action.CHANGE).filter(pk=provider.pk).exists():
        raise PermissionDenied(_("You may not publish courses for this provider."))
    fields: dict[str, list[str]] = {}
    if not title_zh.strip():
        fields["title_zh"] = [_("Enter a title.")]
    if category not in Category.values:
        fields["category"] = [_("Select a valid choice.")]
    if mode not in Mode.values:
        fields["mode"] = [_("Select a valid choice.")]
    if level not in Level.values:
        fields["level"] = [_("Select a valid choice.")]
    if audience not in Audience.values:
        fields["audience"] = [_("Select a valid choice.")]
    if hours <= 0:
        fields["hours"] = [_("Enter a positive number of hours.")]
    if fee < 0:
        fields["fee"] = [_("The fee cannot be negative.")]
    if fields:
        raise ValidationFailed(_("Please correct the fields below."), fields=fields)
    if Course.objects.filter(code=code).exists():
        message = _("This code is already used by another course.")
        raise Conflict(message, code=CatalogErrorCode.CODE_TAKEN, fields={"code": [message]})
    course = Course.objects.create(
        provider=provider,
        code=code,
        title_zh=title_zh.strip(),
        title_en=title_en,
        description_zh=description_zh,
        description_en=description_en,
        category=category,
        mode=mode,
        hours=hours,
        level=level,
        fee=fee,
        audience=audience,
    )
    audit_record(
        actor=actor,
        action="course.create",
        subject=f"course:{course.code}",
        data={"provider": provider.code},
    )
    return course


@transaction.atomic
def class_create(
    *,
    actor: Any,
    course: Course,
    term: Term,
    weekday: int,
    starts_at: dt.time,
    ends_at: dt.time,
    first_session_on: dt.date,
    sessions: int,
    capacity: int,
    applications_open_at: dt.datetime,
    applications_close_at: dt.datetime,
    site: LearningSite | None = None,
    online_url: str = "",
    teacher: str = "",
    rationing: str = Rationing.LOTTERY,
    group_quota: int = 0,
    completion_min_attendance: int = 80,
    status: str = ClassStatus.PUBLISHED,
) -> Class:
    """Schedule a class of one of the actor's courses."""
    if not Course.objects.restrict(actor, Action.CHANGE).filter(pk=course.pk).exists():
        raise PermissionDenied(_("You may not schedule classes of this course."))
    fields = _schedule_errors(
        weekday=weekday,
        starts_at=starts_at,
        ends_at=ends_at,
        sessions=sessions,
        capacity=capacity,
        group_quota=group_quota,
        opens=applications_open_at,
        closes=applications_close_at,
        rationing=rationing,
        completion_min_attendance=completion_min_attendance,
    )
    if site is None and course.mode == Mode.IN_PERSON:
        fields["site"] = [_("An in-person class needs a learning site.")]
    if (
        site is not None
        and site.organization_id != course.provider_id
        and not Organization.objects.restrict(actor, Action.CHANGE)
        .filter(pk=site.organization_id)
        .exists()
    ):
        fields["site"] = [_("This learning site is not one of yours.")]
    if not term.starts_on <= first_session_on <= term.ends_on:
        fields["first_session_on"] = [_("The first session must fall within the term.")]
    if fields:
        raise ValidationFailed(
            _("Please correct the fields below."),
            fields=fields,
            code=CatalogErrorCode.INVALID_SCHEDULE,
        )
    klass = Class.objects.create(
        course=course,
        term=term,
        site=site,
        online_url=online_url,
        teacher=teacher,
        weekday=weekday,
        starts_at=starts_at,
        ends_at=ends_at,
        first_session_on=first_session_on,
        sessions=sessions,
        capacity=capacity,
        applications_open_at=applications_open_at,
        applications_close_at=applications_close_at,
        rationing=rationing,
        group_quota=group_quota,
        completion_min_attendance=completion_min_attendance,
        status=status,
    )
    audit_record(
        actor=actor,
        action="class.create",
        subject=f"class:{klass.public_id}",
        data={"course": course.code, "term": term.code, "capacity": capacity},
    )
    return klass


def _schedule_errors(
    *,
    weekday: int,
    starts_at: dt.time,
    ends_at: dt.time,
    sessions: int,
    capacity: int,
    group_quota: int,
    opens: dt.datetime,
    closes: dt.datetime,
    rationing: str,
    completion_min_attendance: int,
) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    if not 1 <= weekday <= 7:
        fields["weekday"] = [_("Select a valid choice.")]
    if ends_at <= starts_at:
        fields["ends_at"] = [_("A class must end after it starts.")]
    if sessions < 1:
        fields["sessions"] = [_("Enter a number of at least 1.")]
    if capacity < 1:
        fields["capacity"] = [_("Enter a number of at least 1.")]
    if not 0 <= group_quota <= max(capacity, 0):
        fields["group_quota"] = [_("The reserved seats cannot exceed the seats.")]
    if closes <= opens:
        fields["applications_close_at"] = [_("Applications must close after they open.")]
    if rationing not in Rationing.values:
        fields["rationing"] = [_("Select a valid choice.")]
    if not 0 <= completion_min_attendance <= 100:
        fields["completion_min_attendance"] = [_("Enter a percentage from 0 to 100.")]
    return fields


def class_seat_take(*, class_id: int) -> bool:
    """Take one seat if one is left. A single conditional UPDATE: two requests racing for
    the last seat cannot both win, whatever the database or the number of app servers."""
    taken = Class.objects.filter(
        pk=class_id, status=ClassStatus.PUBLISHED, seats_taken__lt=F("capacity")
    ).update(seats_taken=F("seats_taken") + 1)
    return taken == 1


def class_seats_take(*, class_id: int, count: int) -> bool:
    """Take `count` seats at once (a lottery's offers), all or none."""
    if count <= 0:
        return True
    taken = Class.objects.filter(pk=class_id, seats_taken__lte=F("capacity") - count).update(
        seats_taken=F("seats_taken") + count
    )
    return taken == 1


def class_seat_release(*, class_id: int) -> None:
    """Give a seat back (a withdrawal, a declined or expired offer)."""
    Class.objects.filter(pk=class_id, seats_taken__gt=0).update(seats_taken=F("seats_taken") - 1)


@transaction.atomic
def class_update(*, actor: Any, public_id: Any, changes: dict[str, Any]) -> Class:
    editable = {
        "teacher",
        "online_url",
        "status",
        "capacity",
        "applications_open_at",
        "applications_close_at",
        "group_quota",
        "completion_min_attendance",
    }
    unknown = set(changes) - editable
    if unknown:
        raise ValidationFailed(
            _("These fields cannot be changed."),
            fields={n: [_("This field cannot be changed.")] for n in sorted(unknown)},
        )
    klass = (
        Class.objects.restrict(actor, Action.CHANGE)
        .select_for_update()
        .filter(public_id=public_id)
        .first()
    )
    if klass is None:
        raise NotFound(_("No such class."), code=CatalogErrorCode.CLASS_NOT_FOUND)
    merged = {name: changes.get(name, getattr(klass, name)) for name in editable}
    fields = _schedule_errors(
        weekday=klass.weekday,
        starts_at=klass.starts_at,
        ends_at=klass.ends_at,
        sessions=klass.sessions,
        capacity=merged["capacity"],
        group_quota=merged["group_quota"],
        opens=merged["applications_open_at"],
        closes=merged["applications_close_at"],
        rationing=klass.rationing,
        completion_min_attendance=merged["completion_min_attendance"],
    )
    if merged["capacity"] < klass.seats_taken:
        fields["capacity"] = [_("Fewer seats than are already taken.")]
    if merged["status"] not in ClassStatus.values:
        fields["status"] = [_("Select a valid choice.")]
    if fields:
        raise ValidationFailed(_("Please correct the fields below."), fields=fields)
    changed = {k: v for k, v in changes.items() if getattr(klass, k) != v}
    for name, value in changed.items():
        setattr(klass, name, value)
    if changed:
        klass.save(update_fields=[*changed, "updated_at"])
        audit_record(
            actor=actor,
            action="class.update",
            subject=f"class:{klass.public_id}",
            data={"fields": sorted(changed)},
        )
    return klass
