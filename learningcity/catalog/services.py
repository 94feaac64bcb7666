"""Every change to the catalog: terms, courses, classes, resources, and class seats."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from django.db import connection, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from learningcity.catalog import search
from learningcity.catalog.choices import (
    Audience,
    Category,
    ClassStatus,
    Level,
    Mode,
    Rationing,
    ResourceKind,
)
from learningcity.catalog.data import ClassRow, CourseRow, ResourceRow
from learningcity.catalog.errors import CatalogErrorCode
from learningcity.catalog.models import Class, Course, Resource, Term
from learningcity.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from learningcity.core.prepared import column_sql, table_sql
from learningcity.core.services import (
    audit_record,
    idempotency_lookup,
    idempotency_record,
    request_fingerprint,
)
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
    search.index_course(course)
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
    search.index_class(klass)
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
    # Written by hand: the first-come path of a burst runs it for every seat, and compiling
    # the queryset's UPDATE cost six times as much as running it.
    seats, capacity, status = (
        column_sql(Class, name, connection) for name in ("seats_taken", "capacity", "status")
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table_sql(Class, connection)} SET {seats} = {seats} + 1 "  # noqa: S608 - names from the model, values as parameters
            f"WHERE {column_sql(Class, 'id', connection)} = %s AND {status} = %s "
            f"AND {seats} < {capacity}",
            (class_id, ClassStatus.PUBLISHED),
        )
        return bool(cursor.rowcount == 1)


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
        if "teacher" in changed:
            search.index_class(klass)
    return klass


# =============================================================================================
# Courses and resources after creation; a class created once per idempotency key.
# =============================================================================================

_TEXTS = ("title_zh", "title_en", "description_zh", "description_en")
COURSE_EDITABLE = frozenset(
    {*_TEXTS, "category", "mode", "hours", "level", "fee", "audience", "is_active"}
)
RESOURCE_EDITABLE = frozenset(
    {*_TEXTS, "kind", "category", "url", "duration_minutes", "language", "is_active"}
)
COURSE_CHOICES = {
    "category": Category.values,
    "mode": Mode.values,
    "level": Level.values,
    "audience": Audience.values,
}


def _refuse_unknown(changes: dict[str, Any], editable: frozenset[str]) -> None:
    unknown = set(changes) - editable
    if unknown:
        raise ValidationFailed(
            _("These fields cannot be changed."),
            fields={n: [_("This field cannot be changed.")] for n in sorted(unknown)},
        )


def _choice_errors(values: dict[str, Any], choices: dict[str, list[str]]) -> dict[str, list[str]]:
    return {
        name: [_("Select a valid choice.")]
        for name, allowed in choices.items()
        if name in values and values[name] not in allowed
    }


@transaction.atomic
def course_update(*, actor: Any, code: str, changes: dict[str, Any]) -> Course:
    """Change a course in the actor's scope; its classes' search documents follow."""
    _refuse_unknown(changes, COURSE_EDITABLE)
    course = (
        Course.objects.restrict(actor, Action.CHANGE).select_for_update().filter(code=code).first()
    )
    if course is None:
        raise NotFound(_("No such course."), code=CatalogErrorCode.COURSE_NOT_FOUND)
    merged = {name: changes.get(name, getattr(course, name)) for name in COURSE_EDITABLE}
    fields = _choice_errors(merged, COURSE_CHOICES)
    if not str(merged["title_zh"] or "").strip():
        fields["title_zh"] = [_("Enter a title.")]
    if merged["hours"] is None or merged["hours"] <= 0:
        fields["hours"] = [_("Enter a positive number of hours.")]
    if merged["fee"] is None or merged["fee"] < 0:
        fields["fee"] = [_("The fee cannot be negative.")]
    if (
        merged["mode"] == Mode.IN_PERSON
        and course.mode != Mode.IN_PERSON
        and course.classes.filter(site__isnull=True).exists()
    ):
        fields["mode"] = [_("Some classes of this course have no learning site.")]
    if fields:
        raise ValidationFailed(_("Please correct the fields below."), fields=fields)
    changed = {k: v for k, v in changes.items() if getattr(course, k) != v}
    for name, value in changed.items():
        setattr(course, name, value.strip() if name == "title_zh" else value)
    if changed:
        course.save(update_fields=[*changed, "updated_at"])
        audit_record(
            actor=actor,
            action="course.update",
            subject=f"course:{course.code}",
            data={"fields": sorted(changed)},
        )
        search.index_course(course)
    return course


def _resource_errors(values: dict[str, Any]) -> dict[str, list[str]]:
    fields = _choice_errors(values, {"kind": ResourceKind.values, "category": Category.values})
    if "title_zh" in values and not str(values["title_zh"] or "").strip():
        fields["title_zh"] = [_("Enter a title.")]
    if "url" in values:
        try:
            URLValidator(schemes=["http", "https"])(values["url"])
        except DjangoValidationError:
            fields["url"] = [_("Enter a valid web address (https://…).")]
    if "duration_minutes" in values and (
        values["duration_minutes"] is None or values["duration_minutes"] < 0
    ):
        fields["duration_minutes"] = [_("Enter zero or a positive number.")]
    return fields


@transaction.atomic
def resource_create(
    *,
    actor: Any,
    provider: Organization,
    title_zh: str,
    kind: str,
    category: str,
    url: str,
    title_en: str = "",
    description_zh: str = "",
    description_en: str = "",
    duration_minutes: int = 0,
    language: str = "zh-hans",
) -> Resource:
    if not Organization.objects.restrict(actor, Action.CHANGE).filter(pk=provider.pk).exists():
        raise PermissionDenied(_("You may not publish resources for this provider."))
    fields = _resource_errors(
        {
            "title_zh": title_zh,
            "kind": kind,
            "category": category,
            "url": url,
            "duration_minutes": duration_minutes,
        }
    )
    if fields:
        raise ValidationFailed(_("Please correct the fields below."), fields=fields)
    resource = Resource.objects.create(
        provider=provider,
        title_zh=title_zh.strip(),
        title_en=title_en,
        description_zh=description_zh,
        description_en=description_en,
        kind=kind,
        category=category,
        url=url,
        duration_minutes=duration_minutes,
        language=language,
    )
    audit_record(
        actor=actor,
        action="resource.create",
        subject=f"resource:{resource.public_id}",
        data={"provider": provider.code},
    )
    search.index_resource(resource)
    return resource


@transaction.atomic
def resource_update(*, actor: Any, public_id: Any, changes: dict[str, Any]) -> Resource:
    _refuse_unknown(changes, RESOURCE_EDITABLE)
    fields = _resource_errors(changes)
    if fields:
        raise ValidationFailed(_("Please correct the fields below."), fields=fields)
    resource = (
        Resource.objects.restrict(actor, Action.CHANGE)
        .select_for_update()
        .filter(public_id=public_id)
        .first()
    )
    if resource is None:
        raise NotFound(_("No such learning resource."))
    changed = {k: v for k, v in changes.items() if getattr(resource, k) != v}
    for name, value in changed.items():
        setattr(resource, name, value)
    if changed:
        resource.save(update_fields=[*changed, "updated_at"])
        audit_record(
            actor=actor,
            action="resource.update",
            subject=f"resource:{resource.public_id}",
            data={"fields": sorted(changed)},
        )
        search.index_resource(resource)
    return resource


@transaction.atomic
def class_create_once(*, actor: Any, idempotency_key: str | None, **fields: Any) -> Class:
    """`class_create`, except that a retry with the same idempotency key returns the class
    the first attempt made instead of scheduling a second one."""
    if not idempotency_key:
        return class_create(actor=actor, **fields)
    fingerprint = request_fingerprint({k: getattr(v, "pk", v) for k, v in fields.items()})
    first = idempotency_lookup(
        actor=actor, action="class.create", key=idempotency_key, fingerprint=fingerprint
    )
    if first is not None:
        return Class.objects.get(public_id=first)
    klass = class_create(actor=actor, **fields)
    idempotency_record(
        actor=actor,
        action="class.create",
        key=idempotency_key,
        fingerprint=fingerprint,
        result=str(klass.public_id),
    )
    return klass


# =============================================================================================
# Bulk loads of the catalog: the demo city, a municipal import. Like the network's bulk loads
# they skip per-row scope checks, so only the municipal administration may make one; each
# call is one transaction with one audit row, and indexes what it wrote for search.
# =============================================================================================

BULK_BATCH_SIZE = 1000


def _require_municipal(actor: Any) -> None:
    if not actor_scope(actor, Action.CHANGE).everything:
        raise PermissionDenied(_("Only the municipal administration may load a catalog."))


def _row_invalid(fields: dict[str, list[str]], index: int) -> ValidationFailed:
    return ValidationFailed(
        _("Please correct the fields below."), fields=fields, extra={"row": index}
    )


def _by_code(model: type[Organization] | type[Course] | type[Term], codes: set[str]) -> dict:
    found: dict[str, Any] = {}
    ordered = sorted(codes)
    for start in range(0, len(ordered), 500):
        chunk = ordered[start : start + 500]
        found.update((o.code, o) for o in model._default_manager.filter(code__in=chunk))
    return found


@transaction.atomic
def courses_bulk_create(*, actor: Any, rows: Iterable[CourseRow]) -> dict[str, int]:
    """Create many courses; returns their primary keys by code."""
    _require_municipal(actor)
    rows = list(rows)
    providers = _by_code(Organization, {r.provider_code for r in rows})
    codes = [r.code for r in rows]
    taken = set(_by_code(Course, set(codes)))
    if taken or len(set(codes)) < len(codes):
        message = _("This code is already used by another course.")
        raise Conflict(message, code=CatalogErrorCode.CODE_TAKEN, fields={"code": [message]})
    courses: list[Course] = []
    for index, row in enumerate(rows):
        fields = _choice_errors(vars(row), COURSE_CHOICES)
        if row.provider_code not in providers:
            fields["provider"] = [_("No such organization.")]
        if not row.title_zh.strip() or row.hours <= 0 or row.fee < 0:
            fields["title_zh"] = [_("Enter a title, positive hours and a fee of zero or more.")]
        if fields:
            raise _row_invalid(fields, index)
        courses.append(
            Course(
                provider=providers[row.provider_code],
                **{k: v for k, v in vars(row).items() if k != "provider_code"},
            )
        )
    Course.objects.bulk_create(courses, batch_size=BULK_BATCH_SIZE)
    search.index_bulk(courses=courses)
    audit_record(
        actor=actor, action="course.bulk_create", subject="courses", data={"count": len(courses)}
    )
    return {c.code: c.pk for c in courses}


@transaction.atomic
def classes_bulk_create(*, actor: Any, rows: Iterable[ClassRow]) -> int:
    """Schedule many classes; returns how many were created."""
    _require_municipal(actor)
    rows = list(rows)
    courses = _by_code(Course, {r.course_code for r in rows})
    terms = _by_code(Term, {r.term_code for r in rows})
    site_ids = {r.site_id for r in rows if r.site_id is not None}
    sites = LearningSite.objects.in_bulk(site_ids) if site_ids else {}
    classes: list[Class] = []
    for index, row in enumerate(rows):
        fields = _schedule_errors(
            weekday=row.weekday,
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            sessions=row.sessions,
            capacity=row.capacity,
            group_quota=row.group_quota,
            opens=row.applications_open_at,
            closes=row.applications_close_at,
            rationing=row.rationing,
            completion_min_attendance=row.completion_min_attendance,
        )
        course, term = courses.get(row.course_code), terms.get(row.term_code)
        if course is None:
            fields["course"] = [_("No such course.")]
        if term is None:
            fields["term"] = [_("No such term.")]
        elif not term.starts_on <= row.first_session_on <= term.ends_on:
            fields["first_session_on"] = [_("The first session must fall within the term.")]
        if row.site_id is not None and row.site_id not in sites:
            fields["site"] = [_("No such learning site.")]
        elif row.site_id is None and course is not None and course.mode == Mode.IN_PERSON:
            fields["site"] = [_("An in-person class needs a learning site.")]
        if fields:
            raise _row_invalid(fields, index)
        values = {k: v for k, v in vars(row).items() if k not in {"course_code", "term_code"}}
        classes.append(Class(course=course, term=term, **values))
    Class.objects.bulk_create(classes, batch_size=BULK_BATCH_SIZE)
    search.index_bulk(classes=classes)
    audit_record(
        actor=actor, action="class.bulk_create", subject="classes", data={"count": len(classes)}
    )
    return len(classes)


@transaction.atomic
def resources_bulk_create(*, actor: Any, rows: Iterable[ResourceRow]) -> int:
    _require_municipal(actor)
    rows = list(rows)
    providers = _by_code(Organization, {r.provider_code for r in rows})
    resources: list[Resource] = []
    for index, row in enumerate(rows):
        fields = _resource_errors(vars(row))
        if row.provider_code not in providers:
            fields["provider"] = [_("No such organization.")]
        if fields:
            raise _row_invalid(fields, index)
        values = {k: v for k, v in vars(row).items() if k != "provider_code"}
        resources.append(Resource(provider=providers[row.provider_code], **values))
    Resource.objects.bulk_create(resources, batch_size=BULK_BATCH_SIZE)
    search.index_bulk(resources=resources)
    audit_record(
        actor=actor,
        action="resource.bulk_create",
        subject="resources",
        data={"count": len(resources)},
    )
    return len(resources)


@transaction.atomic
def search_reindex(*, actor: Any) -> int:
    """Rebuild every search document (after a change of segmentation, or a restore)."""
    count = search.reindex_all()
    audit_record(actor=actor, action="search.reindex", subject="catalog", data={"count": count})
    return count
