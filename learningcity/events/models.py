"""Lifelong Learning Week and the city's events: editions, events, registrations, check-ins
and the reminders residents see on their tickets.

Seats are counted on the event row (`seats_taken`) and moved only by conditional UPDATEs;
the database's check constraint stands behind them, so an event never overfills."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from learningcity.core.models import TimeStampedModel, bilingual, uuid7
from learningcity.creditbank.choices import CreditCategory
from learningcity.events.choices import (
    LIVE_STATUSES,
    EventKind,
    EventLevel,
    EventStatus,
    RegistrationStatus,
    ReminderKind,
)
from learningcity.network.models import actor_scope, scope_q


class Edition(TimeStampedModel):
    """One year's Lifelong Learning Week: its theme and dates."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    theme_zh = models.CharField(_("theme (Chinese)"), max_length=200)
    theme_en = models.CharField(_("theme (English)"), max_length=200, blank=True)
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))

    class Meta:
        ordering = ["-year"]
        verbose_name = _("Learning Week edition")
        verbose_name_plural = _("Learning Week editions")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="edition_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return str(self.year)

    @property
    def theme(self) -> str:
        return bilingual(self.theme_zh, self.theme_en)


class EventQuerySet(models.QuerySet["Event"]):
    def restrict(self, actor: Any, action: str) -> EventQuerySet:
        """Organizers see their own organization subtree's events; offices those in their
        area."""
        scope = actor_scope(actor, action)
        return self.filter(
            scope_q(scope, area_lookup="area__path", organization_lookup="organizer__path")
        )

    def published(self) -> EventQuerySet:
        return self.filter(status=EventStatus.PUBLISHED)


class Event(TimeStampedModel):
    """A lecture, exhibition, reading festival, learning walk, open day or online talk, at
    any level, by any organization; part of a Learning Week edition or not."""

    edition = models.ForeignKey(
        Edition,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="events",
        verbose_name=_("Learning Week edition"),
    )
    level = models.CharField(_("level"), max_length=12, choices=EventLevel.choices)
    kind = models.CharField(_("kind"), max_length=20, choices=EventKind.choices)
    organizer = models.ForeignKey(
        "network.Organization",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("organizer"),
    )
    # Where it happens (the site's area, or the organizer's for an online talk): districts
    # count their events and participants by this.
    area = models.ForeignKey(
        "network.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("area")
    )
    # The district the area lies in (empty for a city-wide event with no site): what the
    # calendar shows and what participation is counted by.
    district = models.ForeignKey(
        "network.Area",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("district"),
    )
    site = models.ForeignKey(
        "network.LearningSite",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("learning site"),
    )
    title_zh = models.CharField(_("title (Chinese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    description_zh = models.TextField(_("description (Chinese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    capacity = models.PositiveIntegerField(_("places"))
    seats_taken = models.PositiveIntegerField(_("places taken"), default=0)
    # Every registration ever made gets the next number: the waiting list's order.
    registrations_made = models.PositiveIntegerField(default=0, editable=False)
    registration_opens_at = models.DateTimeField(_("registration opens"))
    registration_closes_at = models.DateTimeField(_("registration closes"))
    # Copied from the site when the event is created, so the calendar filters on one row.
    step_free = models.BooleanField(_("step-free access"), default=False)
    accessible_toilet = models.BooleanField(_("accessible toilet"), default=False)
    hearing_loop = models.BooleanField(_("hearing loop"), default=False)
    counts_for_credit = models.BooleanField(_("attendance earns a learning record"), default=False)
    credit_category = models.CharField(
        _("credit-bank category"),
        max_length=20,
        choices=CreditCategory.choices,
        default=CreditCategory.CULTURE_LEISURE,
    )
    credit_hours = models.DecimalField(
        _("learning hours"), max_digits=5, decimal_places=1, default=0
    )
    status = models.CharField(
        _("status"), max_length=12, choices=EventStatus.choices, default=EventStatus.PUBLISHED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [
            models.Index(fields=["status", "starts_at"]),
            models.Index(fields=["edition", "district"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(seats_taken__lte=F("capacity")), name="event_never_overfilled"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="event_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(registration_closes_at__gt=F("registration_opens_at")),
                name="event_registration_window_ordered",
            ),
            models.CheckConstraint(
                condition=Q(credit_hours__gte=0), name="event_credit_hours_nonnegative"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return bilingual(self.title_zh, self.title_en)

    @property
    def description(self) -> str:
        return bilingual(self.description_zh, self.description_en)

    @property
    def places_left(self) -> int:
        return max(self.capacity - self.seats_taken, 0)


class RegistrationQuerySet(models.QuerySet["Registration"]):
    def restrict(self, actor: Any, action: str) -> RegistrationQuerySet:
        """Registrations are seen by whoever may see their event."""
        scope = actor_scope(actor, action)
        return self.filter(
            scope_q(
                scope,
                area_lookup="event__area__path",
                organization_lookup="event__organizer__path",
            )
        )


class Registration(TimeStampedModel):
    """A learner's place at an event (or on its waiting list): their ticket."""

    public_id = models.UUIDField(default=uuid7, unique=True, editable=False)
    event = models.ForeignKey(
        Event, on_delete=models.PROTECT, related_name="registrations", verbose_name=_("event")
    )
    learner = models.ForeignKey(
        "learners.Learner",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("learner"),
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=RegistrationStatus.choices,
        default=RegistrationStatus.REGISTERED,
    )
    # The order in which registrations arrived at this event: the waiting list's order.
    position = models.PositiveIntegerField(_("number in the queue"))
    # Printed on the ticket, for staff to type when the QR code cannot be read.
    ticket_code = models.CharField(_("ticket code"), max_length=12, unique=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    idempotency_key = models.CharField(max_length=100, null=True, blank=True, editable=False)  # noqa: DJ001 - NULL = sent without a key; the unique constraint skips NULLs
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    promoted_at = models.DateTimeField(_("moved off the waiting list"), null=True, blank=True)

    objects = RegistrationQuerySet.as_manager()

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        indexes = [models.Index(fields=["event", "status", "position"])]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "learner"],
                condition=Q(status__in=LIVE_STATUSES),
                name="registration_one_live_per_event",
            ),
            models.UniqueConstraint(
                fields=["learner", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="registration_once_per_key",
            ),
            models.UniqueConstraint(
                fields=["event", "position"], name="registration_position_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_id}:{self.learner_id} ({self.status})"


class CheckIn(models.Model):
    """The moment staff saw a ticket at the door: one per registration."""

    registration = models.OneToOneField(
        Registration, on_delete=models.PROTECT, related_name="check_in"
    )
    checked_in_at = models.DateTimeField(_("checked in at"))
    # When the phone scanned it, if it was queued offline and sent later.
    scanned_at = models.DateTimeField(_("scanned at"), null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The learning record this attendance made in the credit bank ("events:<uuid>"), if any.
    record_source = models.CharField(max_length=60, blank=True)

    class Meta:
        ordering = ["-checked_in_at"]
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")

    def __str__(self) -> str:
        return f"{self.registration_id} @ {self.checked_in_at:%Y-%m-%d %H:%M}"


class Reminder(models.Model):
    """A reminder sent to a registered learner. There is no notification outbox yet: the
    resident reads it on their ticket page."""

    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="reminders"
    )
    kind = models.CharField(max_length=16, choices=ReminderKind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(fields=["registration", "kind"], name="reminder_once")
        ]

    def __str__(self) -> str:
        return f"{self.registration_id}: {self.kind}"
