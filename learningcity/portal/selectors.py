"""Reads across domains for the portal's pages."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db import models

from learningcity.accounts.models import User
from learningcity.core.models import AuditEntry
from learningcity.learners.models import Learner

# Never exported, even to the person they belong to: secrets and what protects them.
WITHHELD_FIELD_PARTS = ("password", "digest", "secret", "encrypted", "index", "seed", "token")
# Retry bookkeeping is withheld too: an officer's idempotency records hold the ids of the
# residents they registered, and a resident's own say nothing the other rows do not.
WITHHELD_MODELS = {
    "sessions.session",
    "accounts.loginthrottle",
    "admin.logentry",
    "core.idempotencyrecord",
}


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return None
    return value


def _row(obj: models.Model) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if any(part in field.name for part in WITHHELD_FIELD_PARTS):
            continue
        if isinstance(field, models.BinaryField):
            continue
        if field.is_relation:
            related = getattr(obj, field.name)
            row[field.name] = str(related) if related is not None else None
        else:
            row[field.name] = _plain(field.value_from_object(obj))
    return row


# Relations to a login that record who did something (an officer deciding, recording,
# reviewing), as against whose the row is: they never make a row the actor's own data.
AUTHORSHIP_FIELDS = ("actor", "reviewer")


def _is_authorship(field: models.Field[Any, Any]) -> bool:
    return field.name in AUTHORSHIP_FIELDS or field.name.endswith("_by")


def _person_models() -> set[type[models.Model]]:
    """Learner and what belongs to a learner one to one (a credit-bank account, a volunteer
    profile): a row pointing at one of these is about that person."""
    found: set[type[models.Model]] = {Learner}
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.OneToOneField) and field.related_model is Learner:
                found.add(model)
    return found


def _about_someone_else(
    obj: models.Model,
    roots: dict[type[models.Model], list[Any]],
    people: set[type[models.Model]],
    subjects: set[str],
) -> bool:
    """Whether a row found through the person's login is about another person: another
    resident's record (or what is theirs one to one), or another login as its owner. An
    officer's decisions about residents are those residents' data, not the officer's."""
    model = type(obj)
    if model in people and obj.pk not in roots.get(model, []):
        return True
    for field in model._meta.concrete_fields:
        if not field.is_relation:
            continue
        target = field.related_model
        value = getattr(obj, field.attname)
        if value is None:
            continue
        if target in people and value not in roots.get(target, []):
            return True
        if target is User and not _is_authorship(field) and value not in roots[User]:
            return True
    if isinstance(obj, AuditEntry):
        kind = obj.subject.partition(":")[0]
        if kind in ("learner", "user") and obj.subject not in subjects:
            return True
    return False


def _subjects(roots: dict[type[models.Model], list[Any]]) -> set[str]:
    return {f"user:{pk}" for pk in roots[User]} | {
        f"learner:{public_id}"
        for public_id in Learner.objects.filter(pk__in=roots.get(Learner, [])).values_list(
            "public_id", flat=True
        )
    }


def _owned_by(roots: dict[type[models.Model], list[Any]]) -> dict[str, list[dict[str, Any]]]:
    """Every row of every model that points at one of the roots (the person's login, learner
    record, and what belongs to them one to one, such as a credit-bank account), except rows
    about another person that the person only handled as staff."""
    people = _person_models()
    subjects = _subjects(roots)
    found: dict[str, list[dict[str, Any]]] = {}
    for model in apps.get_models():
        label = model._meta.label_lower
        if label in WITHHELD_MODELS:
            continue
        for field in model._meta.concrete_fields:
            target = field.related_model if field.is_relation else None
            if target not in roots or not roots[target]:
                continue
            related = [f.name for f in model._meta.concrete_fields if f.is_relation]
            rows = (
                model._default_manager.filter(**{f"{field.name}__in": roots[target]})
                .select_related(*related)
                .order_by("pk")
            )
            found.setdefault(f"{label}.{field.name}", []).extend(
                _row(obj) for obj in rows if not _about_someone_else(obj, roots, people, subjects)
            )
    return {key: rows for key, rows in found.items() if rows}


def personal_data(*, user: User) -> dict[str, Any]:
    """Everything the platform holds about a person, for them to download: their login, their
    resident record (the ID number only masked), and every row in any app that refers to
    either or to what is theirs one to one, found from the models themselves so a new app is
    included without being listed here."""
    learner = Learner.objects.filter(user=user).first()
    roots: dict[type[models.Model], list[Any]] = {User: [user.pk]}
    data: dict[str, Any] = {"login": _row(user)}
    if learner is not None:
        roots[Learner] = [learner.pk]
        data["resident"] = _row(learner)
        data["resident"]["id_number"] = learner.id_number_masked
        for model in apps.get_models():
            for field in model._meta.concrete_fields:
                if isinstance(field, models.OneToOneField) and field.related_model is Learner:
                    owned = list(
                        model._default_manager.filter(**{field.name: learner}).values_list(
                            "pk", flat=True
                        )
                    )
                    if owned:
                        roots[model] = owned
                        data.setdefault("owned", {})[model._meta.label_lower] = [
                            _row(obj) for obj in model._default_manager.filter(pk__in=owned)
                        ]
    data["related"] = _owned_by(roots)
    subjects = [f"user:{user.pk}"] + ([f"learner:{learner.public_id}"] if learner else [])
    data["decisions_about_you"] = [
        _row(entry) for entry in AuditEntry.objects.filter(subject__in=subjects).order_by("id")
    ]
    return data
