"""Every read in the events app. The calendar and event pages are public; organizers' lists
are scoped to who asks (their organization subtree, or an office's area); a resident reads
only their own tickets. Out of scope answers exactly like missing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from learningcity.core.errors import NotFound
from learningcity.events.choices import EventStatus, RegistrationStatus
from learningcity.events.data import DistrictCount, EventCount, Participation
from learningcity.events.models import Edition, Event, Registration, Reminder
from learningcity.learners.models import Learner
from learningcity.network.choices import Action, AreaLevel, StaffRoleKind
from learningcity.network.models import Area, LearningSite, Organization, path_q

_EVENT_RELATED = ("district", "site", "organizer", "edition")


@dataclass(frozen=True)
class CalendarFilters:
    """What a resident may narrow the calendar by."""

    edition: int | None = None
    district: str | None = None
    on: dt.date | None = None
    from_date: dt.date | None = None
    kind: str | None = None
    step_free: bool = False
    hearing_loop: bool = False
    q: str = ""
    upcoming: bool = False


def event_calendar(*, filters: CalendarFilters) -> QuerySet[Event]:
    """Published events, soonest first, narrowed by the filters. Search matches titles and
    descriptions in both languages and the organizer's and site's names."""
    events = Event.objects.published().select_related(*_EVENT_RELATED)
    if filters.edition is not None:
        events = events.filter(edition__year=filters.edition)
    if filters.district:
        events = events.filter(district__code=filters.district)
    if filters.on is not None:
        events = events.filter(starts_at__date=filters.on)
    if filters.from_date is not None:
        start = timezone.make_aware(dt.datetime.combine(filters.from_date, dt.time.min))
        events = events.filter(starts_at__gte=start)
    if filters.upcoming:
        events = events.filter(ends_at__gte=timezone.now())
    if filters.kind:
        events = events.filter(kind=filters.kind)
    if filters.step_free:
        events = events.filter(step_free=True)
    if filters.hearing_loop:
        events = events.filter(hearing_loop=True)
    for word in filters.q.split()[:5]:
        events = events.filter(
            Q(title_zh__icontains=word)
            | Q(title_en__icontains=word)
            | Q(description_zh__icontains=word)
            | Q(description_en__icontains=word)
            | Q(organizer__name_zh__icontains=word)
            | Q(organizer__name_en__icontains=word)
            | Q(site__name_zh__icontains=word)
        )
    return events.order_by("starts_at", "id")


def event_public(*, public_id: Any) -> Event:
    """An event anyone may read (published or cancelled)."""
    event = Event.objects.select_related(*_EVENT_RELATED).filter(public_id=public_id).first()
    if event is None:
        raise NotFound(_("No such event."))
    return event


def districts() -> list[Area]:
    return list(Area.objects.filter(level=AreaLevel.DISTRICT).order_by("code"))


def editions() -> QuerySet[Edition]:
    return Edition.objects.order_by("-year")


def edition_get(*, year: int) -> Edition:
    edition = Edition.objects.filter(year=year).first()
    if edition is None:
        raise NotFound(_("No such Learning Week."))
    return edition


def current_edition() -> Edition | None:
    """This year's Learning Week, else the latest."""
    today = timezone.localdate()
    return Edition.objects.filter(year=today.year).first() or Edition.objects.first()


# Organizers ---------------------------------------------------------------------------------


def events_managed(*, viewer: Any) -> QuerySet[Event]:
    """Events the viewer's organization subtree (or office's area) holds, latest first."""
    return (
        Event.objects.restrict(viewer, Action.VIEW)
        .select_related(*_EVENT_RELATED)
        .order_by("-starts_at", "-id")
    )


def access_event(*, viewer: Any, public_id: Any, action: str = Action.VIEW) -> Event:
    event = (
        Event.objects.restrict(viewer, action)
        .select_related(*_EVENT_RELATED)
        .filter(public_id=public_id)
        .first()
    )
    if event is None:
        raise NotFound(_("No such event."))
    return event


def event_registrations(*, viewer: Any, event: Event) -> QuerySet[Registration]:
    """An event's registrations in queue order, if the viewer may see the event."""
    return (
        Registration.objects.restrict(viewer, Action.VIEW)
        .filter(event=event)
        .select_related("learner", "check_in")
        .order_by("position")
    )


def organizers_for(*, viewer: Any) -> QuerySet[Organization]:
    """Organizations in whose name the viewer may publish events."""
    return Organization.objects.restrict(viewer, Action.CHANGE).order_by("code")


def own_organizations(*, viewer: Any, limit: int = 100) -> QuerySet[Organization]:
    """The organizations where the viewer may change things in person: what the event form
    offers as organizers (the API takes any organization in scope by its code)."""
    roles = Organization.objects.filter(
        staff_roles__user_id=getattr(viewer, "pk", None) or 0,
        staff_roles__role__in=[StaffRoleKind.ADMIN, StaffRoleKind.REGISTRAR],
    )
    if roles.exists():
        return Organization.objects.filter(pk__in=roles.values("pk")).order_by("code")
    return Organization.objects.filter(
        pk__in=organizers_for(viewer=viewer).values("pk")[:limit]
    ).order_by("code")


def sites_of(*, organizations: QuerySet[Organization], limit: int = 200) -> QuerySet[LearningSite]:
    """Open learning sites of these organizations' subtrees (the first `limit`)."""
    paths = list(organizations.values_list("path", flat=True))
    if not paths:
        return LearningSite.objects.none()
    ids = LearningSite.objects.filter(path_q("organization__path", tuple(paths)), is_active=True)
    return LearningSite.objects.filter(pk__in=ids.order_by("id").values("pk")[:limit]).order_by(
        "id"
    )


def sites_for(*, organizer: Organization) -> QuerySet[LearningSite]:
    """An organizer's open learning sites (its own subtree's)."""
    return (
        LearningSite.objects.filter(organization__path__startswith=organizer.path, is_active=True)
        .select_related("area")
        .order_by("id")
    )


def registration_counts(*, event: Event) -> dict[str, int]:
    rows = (
        Registration.objects.filter(event=event)
        .values_list("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts = {status: 0 for status in RegistrationStatus.values}
    counts.update({status: n for status, n in rows})
    return counts


# Residents ----------------------------------------------------------------------------------


def learner_for_user(*, user: Any) -> Learner | None:
    """The resident record of a login, or None (staff logins usually have none)."""
    if getattr(user, "pk", None) is None:
        return None
    return Learner.objects.filter(user_id=user.pk).first()


def tickets_of(*, learner: Learner) -> QuerySet[Registration]:
    """A learner's registrations, the soonest event first."""
    return (
        Registration.objects.filter(learner=learner)
        .select_related("event__district", "event__site", "event__organizer")
        .order_by("event__starts_at", "id")
    )


def live_registration(*, learner: Learner, event: Event) -> Registration | None:
    return (
        Registration.objects.filter(learner=learner, event=event)
        .exclude(status=RegistrationStatus.CANCELLED)
        .first()
    )


def access_ticket(*, viewer: Any, public_id: Any) -> Registration:
    """A registration: its learner's own, or (for staff) one of an event in scope."""
    registration = (
        Registration.objects.select_related(
            "event__district", "event__site", "event__organizer", "learner"
        )
        .filter(public_id=public_id)
        .first()
    )
    if registration is None:
        raise NotFound(_("No such ticket."))
    if getattr(viewer, "pk", None) is not None and registration.learner.user_id == viewer.pk:
        return registration
    if Registration.objects.restrict(viewer, Action.VIEW).filter(pk=registration.pk).exists():
        return registration
    raise NotFound(_("No such ticket."))


def waitlist_place(*, registration: Registration) -> int | None:
    """Where a waiting registration stands on its event's waiting list (1 = next)."""
    if registration.status != RegistrationStatus.WAITLISTED:
        return None
    ahead = Registration.objects.filter(
        event_id=registration.event_id,
        status=RegistrationStatus.WAITLISTED,
        position__lt=registration.position,
    ).count()
    return ahead + 1


def reminders_of(*, registration: Registration) -> QuerySet[Reminder]:
    return Reminder.objects.filter(registration=registration).order_by("-created_at")


# Participation ------------------------------------------------------------------------------


def participation(*, viewer: Any, year: int) -> Participation:
    """An edition's participation per event, per district and in total, over the events the
    viewer may see (the municipal office: the whole city). Three grouped queries."""
    edition = edition_get(year=year)
    events = Event.objects.restrict(viewer, Action.VIEW).filter(
        edition=edition, status=EventStatus.PUBLISHED
    )
    attended = Count("registrations", filter=Q(registrations__status=RegistrationStatus.ATTENDED))
    registered = Count(
        "registrations",
        filter=Q(
            registrations__status__in=[RegistrationStatus.REGISTERED, RegistrationStatus.ATTENDED]
        ),
    )
    waitlisted = Count(
        "registrations", filter=Q(registrations__status=RegistrationStatus.WAITLISTED)
    )
    rows = list(
        events.values("public_id", "title_zh", "title_en", "district__code")
        .annotate(registered=registered, waitlisted=waitlisted, attended=attended)
        .order_by("district__code", "starts_at", "id")
    )
    by_event = tuple(
        EventCount(
            public_id=str(r["public_id"]),
            title=r["title_zh"] or r["title_en"],
            district_code=r["district__code"] or "",
            registered=r["registered"],
            waitlisted=r["waitlisted"],
            attended=r["attended"],
        )
        for r in rows
    )
    names = {a.code: a.name for a in Area.objects.filter(level=AreaLevel.DISTRICT)}
    per_district: dict[str, list[EventCount]] = {}
    for count in by_event:
        per_district.setdefault(count.district_code, []).append(count)
    district_rows = tuple(
        DistrictCount(
            code=code,
            name=names.get(code, ""),
            events=len(items),
            registered=sum(i.registered for i in items),
            attended=sum(i.attended for i in items),
        )
        for code, items in sorted(per_district.items())
    )
    return Participation(
        year=year,
        events=len(by_event),
        registered=sum(e.registered for e in by_event),
        attended=sum(e.attended for e in by_event),
        districts=district_rows,
        by_event=by_event,
    )
