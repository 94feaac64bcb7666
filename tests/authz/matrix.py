"""The authorization matrix: every page and API operation, called as every kind of person.

Each app's module (tests/authz/test_<app>.py) builds a small world of objects that all belong
to district A (town A1, its community school, resident A) and lists its routes, each with the
set of actors expected to be let in. `run_matrix` then calls every route as every actor and
reports every cell that differs from the expectation, and every server error.

Let in means anything but a refusal: a 2xx, a redirect elsewhere than the login page, or a 4xx
about the request itself (400, 409, 422) once the caller has passed the checks. Refused means
401, 403, 404 or a redirect to the login page. A route whose check comes after the body's
validation must therefore be given a valid body, or a refused caller would look let in.

Each call runs inside a savepoint that is rolled back, so every actor meets the same world.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from django.core.cache import caches
from django.db import transaction
from django.test import Client
from django.urls import reverse

from learningcity.accounts.services import user_create
from learningcity.core.ratelimit import CACHE as RATE_LIMIT_CACHE
from learningcity.learners.models import Learner
from learningcity.learners.tests.factories import make_learner
from learningcity.network.choices import ROLE_ACTIONS, StaffRoleKind
from learningcity.network.models import Organization
from learningcity.network.tests.factories import City, make_staff

# ---------------------------------------------------------------------------------------------
# Actors

ANONYMOUS = "anonymous"
RESIDENT = "resident"  # resident A: lives in town A1 and owns the world's personal objects
OTHER_RESIDENT = "other_resident"  # a resident of district B
SUPERUSER = "superuser"  # a platform administrator

ROLES: tuple[str, ...] = tuple(role.value for role in StaffRoleKind)

# Where staff sit: the municipal Education Commission (the whole city), district A's office,
# town A1's office, town A1's community school (a provider), and district B's office.
LEVELS: tuple[str, ...] = ("municipal", "district", "town", "provider", "other_district")
GOVERNANCE_LEVELS: tuple[str, ...] = ("municipal", "district", "town")


def staff_name(level: str, role: str) -> str:
    return f"{level}_{role}"


STAFF: frozenset[str] = frozenset(staff_name(lv, role) for lv in LEVELS for role in ROLES)
ALL: frozenset[str] = frozenset({ANONYMOUS, RESIDENT, OTHER_RESIDENT, SUPERUSER}) | STAFF
SIGNED_IN: frozenset[str] = ALL - {ANONYMOUS}
RESIDENTS: frozenset[str] = frozenset({RESIDENT, OTHER_RESIDENT})
NOBODY: frozenset[str] = frozenset()
PUBLIC: frozenset[str] = ALL


def staff(
    action: str | None = None,
    *,
    levels: Iterable[str] = GOVERNANCE_LEVELS,
    roles: Iterable[str] | None = None,
    superuser: bool = True,
) -> frozenset[str]:
    """Staff at `levels` whose role may do `action` (any role if None), and the superuser."""
    chosen = set(roles) if roles is not None else set(ROLES)
    names = {
        staff_name(level, role)
        for level in levels
        for role in ROLES
        if role in chosen and (action is None or action in ROLE_ACTIONS[role])
    }
    if superuser:
        names.add(SUPERUSER)
    return frozenset(names)


# Every staff login at every place (and the superuser): whoever may open a scoped list.
ANY_STAFF: frozenset[str] = staff(levels=LEVELS)


@dataclass
class Actors:
    """Everyone the matrix calls as, with the residents' learner records."""

    users: dict[str, Any]  # name -> User, or None for the anonymous caller
    resident: Learner
    other_resident: Learner
    organizations: dict[str, Organization]  # level -> where that level's staff sit
    headers: dict[str, dict[str, str]] = field(default_factory=dict)  # name -> sent on every call

    def add(self, name: str, user: Any, *, headers: Mapping[str, str] | None = None) -> None:
        """An extra actor a module needs (say a Service Center assessor, or a system calling
        with `headers={"Authorization": "Basic ..."}` and no login, user None): its name must
        then appear, or not, in that module's expectations like any other."""
        self.users[name] = user
        if headers:
            self.headers[name] = dict(headers)


def make_actors(city: City) -> Actors:
    organizations = {
        "municipal": city.commission,
        "district": city.a.office,
        "town": city.a.town_office,
        "provider": city.a.school,
        "other_district": city.b.office,
    }
    users: dict[str, Any] = {ANONYMOUS: None, SUPERUSER: city.root}
    for level, organization in organizations.items():
        for role in ROLES:
            users[staff_name(level, role)] = make_staff(
                actor=city.root,
                organization=organization,
                role=role,
                username=f"mx-{level}-{role}",
            )
    resident_user = user_create(actor=None, username="mx-resident", password=None)
    resident = make_learner(
        actor=city.root, area=city.a.neighbourhood, user=resident_user, name="王秀英"
    )
    other_user = user_create(actor=None, username="mx-other-resident", password=None)
    other = make_learner(actor=city.root, area=city.b.neighbourhood, user=other_user, name="李建国")
    users[RESIDENT] = resident_user
    users[OTHER_RESIDENT] = other_user
    return Actors(users, resident, other, organizations)


# ---------------------------------------------------------------------------------------------
# Routes


@dataclass(frozen=True)
class Page:
    """A page by URL name; `kwargs` and `data` values are filled from the world with
    str.format_map (so "{class}" becomes the world's "class")."""

    name: str
    allowed: frozenset[str]
    kwargs: Mapping[str, str] = field(default_factory=dict)
    method: str = "GET"
    data: Mapping[str, Any] | None = None
    query: str = ""
    # Object-level check on what the page shows: the world's value under `shows` appears in the
    # page for `seers` (default: everyone let in) and in no other actor's page.
    shows: str | None = None
    seers: frozenset[str] | None = None

    @property
    def key(self) -> str:
        return self.name

    def label(self) -> str:
        return f"{self.method} page {self.name}"


@dataclass(frozen=True)
class Op:
    """An API operation by its OpenAPI method and path ("/api/v1/classes/{class_id}");
    `params` maps each path parameter to a world key; strings in `body` and `query` are filled
    from the world."""

    method: str
    path: str
    allowed: frozenset[str]
    params: Mapping[str, str] = field(default_factory=dict)
    body: Any = None
    query: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    shows: str | None = None
    seers: frozenset[str] | None = None
    # A multipart form (django-ninja's Form and File) instead of JSON: `body` holds the fields
    # and `files`, called afresh for every call, the uploads.
    multipart: bool = False
    files: Callable[[], Mapping[str, Any]] | None = None

    @property
    def key(self) -> str:
        return f"{self.method.upper()} {self.path}"

    def label(self) -> str:
        return f"{self.key}"


Route = Page | Op


def fill(value: Any, world: Mapping[str, Any]) -> Any:
    if isinstance(value, str):
        return value.format_map(world)
    if isinstance(value, Mapping):
        return {k: fill(v, world) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [fill(v, world) for v in value]
    return value


# ---------------------------------------------------------------------------------------------
# Running


def clients_for(actors: Actors) -> dict[str, Client]:
    clients: dict[str, Client] = {}
    for name, user in actors.users.items():
        client = Client(
            raise_request_exception=False,
            headers={"Accept-Language": "en", **actors.headers.get(name, {})},
        )
        if user is not None:
            client.force_login(user)
        clients[name] = client
    return clients


def _request(client: Client, route: Route, world: Mapping[str, Any]) -> Any:
    if isinstance(route, Page):
        path = reverse(route.name, kwargs={k: fill(v, world) for k, v in route.kwargs.items()})
        if route.query:
            path = f"{path}?{fill(route.query, world)}"
        if route.method == "GET":
            return client.get(path)
        return client.generic(
            route.method,
            path,
            data=_urlencode(fill(route.data or {}, world)),
            content_type="application/x-www-form-urlencoded",
        )
    path = route.path.format_map({k: fill("{" + v + "}", world) for k, v in route.params.items()})
    if route.query:
        path = f"{path}?{fill(route.query, world)}"
    headers = {k: fill(v, world) for k, v in route.headers.items()}
    if route.multipart:
        data = {**fill(route.body or {}, world), **(route.files() if route.files else {})}
        return client.post(path, data=data, headers=headers)
    if route.method.upper() in ("GET", "HEAD", "DELETE") and route.body is None:
        return client.generic(route.method.upper(), path, headers=headers)
    body = json.dumps(fill(route.body if route.body is not None else {}, world))
    return client.generic(
        route.method.upper(), path, data=body, content_type="application/json", headers=headers
    )


def _urlencode(data: Mapping[str, Any]) -> str:
    from urllib.parse import urlencode

    return urlencode(
        [
            (k, v)
            for k, values in data.items()
            for v in (values if isinstance(values, list) else [values])
        ]
    )


def let_in(response: Any) -> bool:
    status = response.status_code
    if status in (401, 403, 404):
        return False
    if status in (301, 302, 303, 307):
        target = urlsplit(response.get("Location", "")).path
        # The admin answers an object outside one's scope by sending one back to its index
        # ("… doesn't exist. Perhaps it was deleted?").
        return target not in (
            reverse("accounts:login"),
            reverse("admin:login"),
            reverse("admin:index"),
        )
    return True


def run_matrix(
    routes: Iterable[Route],
    world: Mapping[str, Any],
    actors: Actors,
    *,
    before_each: Callable[[], None] | None = None,
) -> None:
    """Call every route as every actor; fail with every cell that differs, listed."""
    clients = clients_for(actors)
    problems: list[str] = []
    for route in routes:
        unknown = (route.allowed | (route.seers or frozenset())) - set(clients)
        if unknown:
            problems.append(f"{route.label()}: unknown actors {sorted(unknown)}")
            continue
        for name, client in clients.items():
            caches[RATE_LIMIT_CACHE].clear()
            with transaction.atomic():
                if before_each is not None:
                    before_each()
                response = _request(client, route, world)
                transaction.set_rollback(True)
            status = response.status_code
            expected = name in route.allowed
            got = let_in(response)
            if status >= 500:
                problems.append(f"{route.label()} as {name}: server error {status}")
            elif got != expected:
                verdict = "let in" if got else "refused"
                problems.append(
                    f"{route.label()} as {name}: {verdict} ({status}{_where(response)}), "
                    f"expected {'let in' if expected else 'refused'}"
                )
            elif got and route.shows is not None:
                needle = str(fill("{" + route.shows + "}", world))
                seers = route.seers if route.seers is not None else route.allowed
                visible = needle in response.content.decode("utf-8", "replace")
                if visible != (name in seers):
                    problems.append(
                        f"{route.label()} as {name}: {route.shows} "
                        f"{'shown' if visible else 'not shown'}, expected the opposite"
                    )
    assert not problems, f"{len(problems)} cells differ:\n" + "\n".join(problems)


def _where(response: Any) -> str:
    location = response.get("Location")
    return f" to {location}" if location else ""


def keys(routes: Iterable[Route]) -> set[str]:
    return {route.key for route in routes}


def combine(*sets: frozenset[str]) -> frozenset[str]:
    return frozenset(itertools.chain.from_iterable(sets))
