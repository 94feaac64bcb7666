"""Every change to the city's learning network. Each takes the acting user and audits."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils.translation import gettext as _

from learningcity.accounts.services import second_factor_require
from learningcity.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from learningcity.core.services import audit_record
from learningcity.network.choices import (
    AREA_LEVEL_DEPTH,
    SECOND_FACTOR_ROLES,
    Action,
    AreaLevel,
    OrganizationKind,
    OrganizationStatus,
    StaffRoleKind,
)
from learningcity.network.data import AreaRow, OrganizationRow, SiteRow, StaffGrantRow
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
    if website:
        _website_check(website)
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


def _website_check(website: str) -> None:
    """A website is shown as a link on the public pages: only http(s) addresses, never a
    javascript: or data: link."""
    try:
        URLValidator(schemes=["http", "https"])(website)
    except DjangoValidationError:
        message = _("Enter a web address that starts with http:// or https://.")
        raise ValidationFailed(message, fields={"website": [message]}) from None


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
    if changes.get("website"):
        _website_check(changes["website"])
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
        _second_factor_sync([user.pk])
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
    _second_factor_sync([staff_role.user_id])


def _second_factor_sync(user_ids: Iterable[int]) -> None:
    """Keep each user's second-factor requirement in step with their roles: required while
    they hold a role that can change anything, or administer the platform."""
    user_ids = set(user_ids)
    changing = set(
        StaffRole.objects.filter(user_id__in=user_ids, role__in=SECOND_FACTOR_ROLES)
        .order_by()
        .values_list("user_id", flat=True)
        .distinct()
    )
    superusers = set(
        get_user_model()
        ._default_manager.filter(pk__in=user_ids, is_superuser=True)
        .values_list("pk", flat=True)
    )
    second_factor_require(user_ids=changing | superusers, required=True)
    second_factor_require(user_ids=user_ids - changing - superusers, required=False)


# =============================================================================================
# Bulk loads of the network: the demo city, a municipal data import.
#
# A bulk load skips the per-row scope checks above, so only a municipal administrator (whose
# scope is the whole city) may make one. Each call is one transaction with one audit row.
# Rows come parents first; a row whose parent still waits in the current batch flushes the
# batch, so parents and their children may arrive in the same call.
# =============================================================================================

BULK_BATCH_SIZE = 1000
_LOOKUP_CHUNK = 500  # codes per IN (...) lookup, well below every database's parameter limit


def _require_municipal(actor: Any, message: str) -> None:
    if not actor_scope(actor, Action.CHANGE).everything:
        raise PermissionDenied(message)


def _chunks(items: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(items), _LOOKUP_CHUNK):
        yield items[start : start + _LOOKUP_CHUNK]


def _code_taken(model: type[Area] | type[Organization], codes: list[str]) -> Conflict:
    message = (
        _("This code is already used by another area.")
        if model is Area
        else _("This code is already used by another organization.")
    )
    return Conflict(
        message,
        fields={"code": [message]},
        code=NetworkErrorCode.CODE_TAKEN,
        extra={"codes": sorted(codes)[:20]},
    )


def _refuse_taken_codes(model: type[Area] | type[Organization], codes: list[str]) -> None:
    taken: list[str] = []
    for chunk in _chunks(codes):
        taken.extend(model._default_manager.filter(code__in=chunk).values_list("code", flat=True))
    if taken:
        raise _code_taken(model, taken)


class _ByCode:
    """Primary key, path and level (or kind) of rows looked up by code, cached."""

    def __init__(self, model: type[Area] | type[Organization], third: str) -> None:
        self.model = model
        self.third = third
        self.found: dict[str, tuple[int, str, str]] = {}

    def fetch(self, codes: Iterable[str]) -> None:
        missing = sorted({c for c in codes if c and c not in self.found})
        for chunk in _chunks(missing):
            rows = self.model._default_manager.filter(code__in=chunk).values_list(
                "code", "pk", "path", self.third
            )
            self.found.update((code, (pk, path, third)) for code, pk, path, third in rows)

    def require(self, code: str, field: str) -> tuple[int, str, str]:
        if code not in self.found:
            self.fetch([code])
        if code not in self.found:
            message = (
                _("No area has this code.") if self.model is Area else _("No such organization.")
            )
            raise ValidationFailed(message, fields={field: [message]}, extra={"code": code})
        return self.found[code]


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(_("Please correct the fields below."), fields={field: [message]})


@transaction.atomic
def areas_bulk_create(
    *, actor: Any, rows: Iterable[AreaRow], batch_size: int = BULK_BATCH_SIZE
) -> dict[str, int]:
    """Create many districts, towns and neighbourhoods; returns the new primary keys by code.

    Each area's path is its parent's path plus its own code ("310000/310115/310115001/").
    """
    _require_municipal(actor, _("You may not change this area."))
    known = _ByCode(Area, "level")
    created: dict[str, int] = {}
    pending: dict[str, Area] = {}

    def flush() -> None:
        if not pending:
            return
        batch = list(pending.values())
        _refuse_taken_codes(Area, list(pending))
        Area.objects.bulk_create(batch)
        for area in batch:
            known.found[area.code] = (area.pk, area.path, area.level)
            created[area.code] = area.pk
        pending.clear()

    for row in rows:
        if row.code in pending or row.code in created:
            raise _code_taken(Area, [row.code])
        if row.parent_code in pending:
            flush()
        parent_pk, parent_path, parent_level = known.require(row.parent_code, "parent")
        if _CHILD_LEVEL.get(AreaLevel(parent_level)) != row.level:
            message = _("This level of area needs a parent one level above it.")
            raise ValidationFailed(
                message, fields={"parent": [message]}, code=NetworkErrorCode.AREA_LEVEL
            )
        _check_subpopulations(row.population, row.population_over_65, row.population_non_local)
        pending[row.code] = Area(
            code=row.code,
            level=row.level,
            parent_id=parent_pk,
            path=f"{parent_path}{row.code}/",
            name_zh=row.name_zh,
            name_en=row.name_en,
            population=row.population,
            population_over_65=row.population_over_65,
            population_non_local=row.population_non_local,
        )
        if len(pending) >= batch_size:
            flush()
    flush()
    audit_record(
        actor=actor, action="area.bulk_create", subject="areas", data={"count": len(created)}
    )
    return created


@transaction.atomic
def organizations_bulk_create(
    *, actor: Any, rows: Iterable[OrganizationRow], batch_size: int = BULK_BATCH_SIZE
) -> dict[str, int]:
    """Register many organizations; returns the new primary keys by code.

    An organization's path holds primary keys ("12/340/"), which exist only once the row is
    inserted: each batch is inserted, then its paths are written in one bulk update.
    """
    _require_municipal(actor, _("You may not register organizations here."))
    areas = _ByCode(Area, "level")
    known = _ByCode(Organization, "kind")
    created: dict[str, int] = {}
    kinds: dict[str, int] = {}
    pending: dict[str, OrganizationRow] = {}

    def flush() -> None:
        if not pending:
            return
        _refuse_taken_codes(Organization, list(pending))
        areas.fetch(row.area_code for row in pending.values())
        parent_paths: list[str] = []
        batch: list[Organization] = []
        for row in pending.values():
            parent_pk, parent_path = None, ""
            if row.parent_code:
                parent_pk, parent_path, _kind = known.require(row.parent_code, "parent")
            parent_paths.append(parent_path)
            batch.append(
                Organization(
                    code=row.code,
                    kind=row.kind,
                    name_zh=row.name_zh,
                    name_en=row.name_en,
                    area_id=areas.require(row.area_code, "area")[0],
                    parent_id=parent_pk,
                    phone=row.phone,
                    website=row.website,
                )
            )
        Organization.objects.bulk_create(batch)
        for org, parent_path in zip(batch, parent_paths, strict=True):
            org.path = f"{parent_path}{org.pk}/"
            known.found[org.code] = (org.pk, org.path, org.kind)
            created[org.code] = org.pk
            kinds[org.kind] = kinds.get(org.kind, 0) + 1
        Organization.objects.bulk_update(batch, ["path"], batch_size=batch_size)
        pending.clear()

    for row in rows:
        if row.code in pending or row.code in created:
            raise _code_taken(Organization, [row.code])
        if row.kind not in OrganizationKind.values:
            raise _invalid("kind", _("Select a valid choice."))
        if row.parent_code in pending:
            flush()
        pending[row.code] = row
        if len(pending) >= batch_size:
            flush()
    flush()
    audit_record(
        actor=actor,
        action="organization.bulk_create",
        subject="organizations",
        data={"count": len(created), "kinds": dict(sorted(kinds.items()))},
    )
    return created


@transaction.atomic
def sites_bulk_create(
    *, actor: Any, rows: Iterable[SiteRow], batch_size: int = BULK_BATCH_SIZE
) -> int:
    """Open many learning sites at once; returns how many were created."""
    _require_municipal(actor, _("You may not add sites to this organization."))
    areas = _ByCode(Area, "level")
    organizations = _ByCode(Organization, "kind")
    written = 0
    pending: list[SiteRow] = []

    def flush() -> int:
        areas.fetch(row.area_code for row in pending)
        organizations.fetch(row.organization_code for row in pending)
        batch = [
            LearningSite(
                organization_id=organizations.require(row.organization_code, "organization")[0],
                area_id=areas.require(row.area_code, "area")[0],
                name_zh=row.name_zh,
                name_en=row.name_en,
                address_zh=row.address_zh,
                address_en=row.address_en,
                latitude=row.latitude,
                longitude=row.longitude,
                rooms=row.rooms,
                capacity=row.capacity,
                step_free=row.step_free,
                accessible_toilet=row.accessible_toilet,
                hearing_loop=row.hearing_loop,
            )
            for row in pending
        ]
        LearningSite.objects.bulk_create(batch)
        pending.clear()
        return len(batch)

    for row in rows:
        for name in ("rooms", "capacity"):
            if getattr(row, name) < 0:
                raise _invalid(name, _("Enter zero or a positive number."))
        pending.append(row)
        if len(pending) >= batch_size:
            written += flush()
    if pending:
        written += flush()
    audit_record(actor=actor, action="site.bulk_create", subject="sites", data={"count": written})
    return written


@transaction.atomic
def staff_roles_bulk_grant(
    *, actor: Any, grants: Iterable[StaffGrantRow], batch_size: int = BULK_BATCH_SIZE
) -> int:
    """Give many users roles at organizations; a role a user already holds stays as it is.
    Returns the number of grants processed."""
    _require_municipal(actor, _("You may not manage staff of this organization."))
    organizations = _ByCode(Organization, "kind")
    user_model = get_user_model()
    actor_id = getattr(actor, "pk", None)
    processed = 0
    pending: list[StaffGrantRow] = []

    def flush() -> int:
        organizations.fetch(grant.organization_code for grant in pending)
        batch = [
            StaffRole(
                user_id=grant.user_id,
                organization_id=organizations.require(grant.organization_code, "organization")[0],
                role=grant.role,
                granted_by_id=actor_id,
            )
            for grant in pending
        ]
        StaffRole.objects.bulk_create(batch, ignore_conflicts=True)
        user_model._default_manager.filter(
            pk__in={grant.user_id for grant in pending}, is_staff=False
        ).update(is_staff=True)
        second_factor_require(
            user_ids={g.user_id for g in pending if g.role in SECOND_FACTOR_ROLES}, required=True
        )
        pending.clear()
        return len(batch)

    for grant in grants:
        if grant.role not in StaffRoleKind.values:
            raise _invalid("role", _("Select a valid choice."))
        pending.append(grant)
        if len(pending) >= batch_size:
            processed += flush()
    if pending:
        processed += flush()
    audit_record(
        actor=actor, action="staff_role.bulk_grant", subject="staff", data={"count": processed}
    )
    return processed
