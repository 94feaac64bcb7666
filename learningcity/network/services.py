"""Every change to the city's learning network. Each takes the acting user and audits."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from learningcity.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from learningcity.core.services import audit_record
from learningcity.network.choices import (
    AREA_LEVEL_DEPTH,
    Action,
    AreaLevel,
    OrganizationStatus,
    StaffRoleKind,
)
from learningcity.network.errors import NetworkErrorCode
from learningcity.network.models import (
    Area,
    LearningSite,
    Organization,
    StaffRole,
    actor_scope,
)

_CHILD_LEVEL = {
    AreaLevel.CITY: AreaLevel.DISTRICT,
    AreaLevel.DISTRICT: AreaLevel.TOWN,
    AreaLevel.TOWN: AreaLevel.NEIGHBOURHOOD,
}


def _require_area_scope(actor: Any, area: Area | None) -> None:
    scope = actor_scope(actor, Action.CHANGE)
    if scope.everything:
        return
    if area is None or not any(area.path.startswith(p) for p in scope.area_paths):
        raise PermissionDenied(_("You may not change this area."))


@transaction.atomic
def area_create(
    *,
    actor: Any,
    code: str,
    level: str,
    name_zh: str,
    name_en: str = "",
    parent: Area | None = None,
    population: int = 0,
    population_over_65: int = 0,
    population_non_local: int = 0,
) -> Area:
    if level == AreaLevel.CITY:
        if parent is not None:
            raise ValidationFailed(
                _("A city has no parent area."),
                fields={"parent": [_("A city has no parent area.")]},
                code=NetworkErrorCode.AREA_LEVEL,
            )
        if not actor_scope(actor, Action.CHANGE).everything:
            raise PermissionDenied(_("Only the municipal administrator may create a city."))
        path = f"{code}/"
    else:
        if parent is None or _CHILD_LEVEL.get(AreaLevel(parent.level)) != level:
            message = _("This level of area needs a parent one level above it.")
            raise ValidationFailed(
                message, fields={"parent": [message]}, code=NetworkErrorCode.AREA_LEVEL
            )
        _require_area_scope(actor, parent)
        path = f"{parent.path}{code}/"
    if Area.objects.filter(code=code).exists():
        message = _("This code is already used by another area.")
        raise Conflict(message, fields={"code": [message]}, code=NetworkErrorCode.CODE_TAKEN)
    _check_subpopulations(population, population_over_65, population_non_local)
    area = Area.objects.create(
        code=code,
        level=level,
        parent=parent,
        path=path,
        name_zh=name_zh,
        name_en=name_en,
        population=population,
        population_over_65=population_over_65,
        population_non_local=population_non_local,
    )
    audit_record(actor=actor, action="area.create", subject=f"area:{area.code}")
    return area


def _check_subpopulations(population: int, over_65: int, non_local: int) -> None:
    fields: dict[str, list[str]] = {}
    if over_65 > population:
        fields["population_over_65"] = [_("Cannot exceed the population.")]
    if non_local > population:
        fields["population_non_local"] = [_("Cannot exceed the population.")]
    if fields:
        raise ValidationFailed(_("Please correct the population figures."), fields=fields)


def area_depth(area: Area) -> int:
    return AREA_LEVEL_DEPTH[AreaLevel(area.level)]


@transaction.atomic
def organization_create(
    *,
    actor: Any,
    code: str,
    kind: str,
    name_zh: str,
    area: Area,
    name_en: str = "",
    parent: Organization | None = None,
    phone: str = "",
    website: str = "",
) -> Organization:
    """Register an organization. The actor needs change rights over its area or its parent."""
    scope = actor_scope(actor, Action.CHANGE)
    allowed = (
        scope.everything
        or any(area.path.startswith(p) for p in scope.area_paths)
        or (parent is not None and any(parent.path.startswith(p) for p in scope.organization_paths))
    )
    if not allowed:
        raise PermissionDenied(_("You may not register organizations here."))
    if Organization.objects.filter(code=code).exists():
        message = _("This code is already used by another organization.")
        raise Conflict(message, fields={"code": [message]}, code=NetworkErrorCode.CODE_TAKEN)
    org = Organization.objects.create(
        code=code,
        kind=kind,
        name_zh=name_zh,
        name_en=name_en,
        area=area,
        parent=parent,
        phone=phone,
        website=website,
    )
    org.path = f"{parent.path if parent else ''}{org.pk}/"
    Organization.objects.filter(pk=org.pk).update(path=org.path)
    audit_record(
        actor=actor,
        action="organization.create",
        subject=f"organization:{org.code}",
        data={"kind": kind, "area": area.code},
    )
    return org


ORGANIZATION_EDITABLE = frozenset({"name_zh", "name_en", "phone", "website", "status"})


@transaction.atomic
def organization_update(*, actor: Any, code: str, changes: dict[str, Any]) -> Organization:
    """Change an organization's editable fields; the row is locked while it changes."""
    unknown = set(changes) - ORGANIZATION_EDITABLE
    if unknown:
        raise ValidationFailed(
            _("These fields cannot be changed."),
            fields={name: [_("This field cannot be changed.")] for name in sorted(unknown)},
        )
    if "status" in changes and changes["status"] not in OrganizationStatus.values:
        raise ValidationFailed(
            _("Select a valid status."), fields={"status": [_("Select a valid choice.")]}
        )
    org = (
        Organization.objects.restrict(actor, Action.CHANGE)
        .select_for_update()
        .filter(code=code)
        .first()
    )
    if org is None:
        raise NotFound(_("No such organization."), code=NetworkErrorCode.ORGANIZATION_NOT_FOUND)
    changed = {k: v for k, v in changes.items() if getattr(org, k) != v}
    for field, value in changed.items():
        setattr(org, field, value)
    if changed:
        org.save(update_fields=[*changed, "updated_at"])
        audit_record(
            actor=actor,
            action="organization.update",
            subject=f"organization:{org.code}",
            data={"fields": sorted(changed)},
        )
    return org


@transaction.atomic
def site_create(
    *,
    actor: Any,
    organization: Organization,
    area: Area,
    name_zh: str,
    address_zh: str,
    name_en: str = "",
    address_en: str = "",
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    rooms: int = 1,
    capacity: int = 0,
    step_free: bool = False,
    accessible_toilet: bool = False,
    hearing_loop: bool = False,
) -> LearningSite:
    if not Organization.objects.restrict(actor, Action.CHANGE).filter(pk=organization.pk).exists():
        raise PermissionDenied(_("You may not add sites to this organization."))
    site = LearningSite.objects.create(
        organization=organization,
        area=area,
        name_zh=name_zh,
        name_en=name_en,
        address_zh=address_zh,
        address_en=address_en,
        latitude=latitude,
        longitude=longitude,
        rooms=rooms,
        capacity=capacity,
        step_free=step_free,
        accessible_toilet=accessible_toilet,
        hearing_loop=hearing_loop,
    )
    audit_record(
        actor=actor,
        action="site.create",
        subject=f"site:{site.public_id}",
        data={"organization": organization.code},
    )
    return site


SITE_EDITABLE = frozenset(
    {
        "name_zh",
        "name_en",
        "address_zh",
        "address_en",
        "latitude",
        "longitude",
        "rooms",
        "capacity",
        "step_free",
        "accessible_toilet",
        "hearing_loop",
        "is_active",
    }
)


@transaction.atomic
def site_update(*, actor: Any, public_id: Any, changes: dict[str, Any]) -> LearningSite:
    unknown = set(changes) - SITE_EDITABLE
    if unknown:
        raise ValidationFailed(
            _("These fields cannot be changed."),
            fields={name: [_("This field cannot be changed.")] for name in sorted(unknown)},
        )
    fields: dict[str, list[str]] = {}
    for name in ("rooms", "capacity"):
        if name in changes and (changes[name] is None or changes[name] < 0):
            fields[name] = [_("Enter zero or a positive number.")]
    if fields:
        raise ValidationFailed(_("Please correct the fields below."), fields=fields)
    site = (
        LearningSite.objects.restrict(actor, Action.CHANGE)
        .select_for_update()
        .filter(public_id=public_id)
        .first()
    )
    if site is None:
        raise NotFound(_("No such learning site."))
    changed = {k: v for k, v in changes.items() if getattr(site, k) != v}
    for field, value in changed.items():
        setattr(site, field, value)
    if changed:
        site.save(update_fields=[*changed, "updated_at"])
        audit_record(
            actor=actor,
            action="site.update",
            subject=f"site:{site.public_id}",
            data={"fields": sorted(changed)},
        )
    return site


@transaction.atomic
def staff_role_grant(*, actor: Any, user: Any, organization: Organization, role: str) -> StaffRole:
    """Give `user` a role at `organization`; the actor must manage staff there."""
    if role not in StaffRoleKind.values:
        raise ValidationFailed(
            _("Select a valid role."), fields={"role": [_("Select a valid choice.")]}
        )
    allowed = (
        Organization.objects.restrict(actor, Action.MANAGE_STAFF)
        .filter(pk=organization.pk)
        .exists()
    )
    if not allowed:
        raise PermissionDenied(_("You may not manage staff of this organization."))
    staff_role, created = StaffRole.objects.get_or_create(
        user=user,
        organization=organization,
        role=role,
        defaults={"granted_by_id": getattr(actor, "pk", None)},
    )
    if created:
        if not user.is_staff:
            type(user).objects.filter(pk=user.pk).update(is_staff=True)
            user.is_staff = True
        audit_record(
            actor=actor,
            action="staff_role.grant",
            subject=f"user:{user.pk}",
            data={"organization": organization.code, "role": role},
        )
    return staff_role


@transaction.atomic
def staff_role_revoke(*, actor: Any, staff_role: StaffRole) -> None:
    allowed = (
        Organization.objects.restrict(actor, Action.MANAGE_STAFF)
        .filter(pk=staff_role.organization_id)
        .exists()
    )
    if not allowed:
        raise PermissionDenied(_("You may not manage staff of this organization."))
    audit_record(
        actor=actor,
        action="staff_role.revoke",
        subject=f"user:{staff_role.user_id}",
        data={"organization_id": staff_role.organization_id, "role": staff_role.role},
    )
    staff_role.delete()
