"""Monitoring and the xAPI learning record store in the matrix.

Monitoring: the definitions and the open data are for everyone (city and districts only, small
cells withheld); the dashboards, the blueprint and the staff figures are for the offices, each
over its own areas and the averages above it (never a neighbour's district or towns); the
population figures, the targets and the refresh are the municipal office's (admins and
registrars, who may change things).

xAPI: the resources under /xapi/ answer a provider's system with its HTTP Basic credential, never
a session login, and a credential reads only its own provider's statements and documents, and
the statements of a provider that granted its provider a read grant (district B's school grants
town A1's school here, so A's system reads B's statement and B's system reads nothing of A's);
`about` is public. The manage pages are for those who may change the provider: its own
administrators and registrars and those of the offices above it.

The figures below are written straight into the aggregates (the refresh is their only writer,
and with a handful of learners every cell would be withheld) so that each area's participation
rate is a value that appears nowhere else: a page shows it or it does not.
"""

from __future__ import annotations

import base64
import json
import uuid
from decimal import Decimal
from urllib.parse import urlencode

from learningcity.core import clock
from learningcity.monitoring.choices import Dimension, Indicator
from learningcity.monitoring.models import Aggregate
from learningcity.monitoring.tests.factories import make_blueprint, set_population, this_year
from learningcity.network.models import Area
from learningcity.network.tests.factories import City
from learningcity.xapi import canonical, services
from learningcity.xapi.choices import DocumentKind
from learningcity.xapi.models import Statement
from learningcity.xapi.services.documents import DocumentKey
from learningcity.xapi.tests.factories import COMPLETED, EXPERIENCED, issue, register, statement
from tests.authz.matrix import (
    GOVERNANCE_LEVELS,
    LEVELS,
    NOBODY,
    PUBLIC,
    Actors,
    Op,
    Page,
    Route,
    run_matrix,
    staff,
)

# ---------------------------------------------------------------------------------------------
# Who

XAPI_A = "xapi_provider_a"  # a system of town A1's community school, with its credential
XAPI_B = "xapi_provider_b"  # a system of district B's community school
SYSTEMS = frozenset({XAPI_A, XAPI_B})
ONLY_A_SYSTEM = frozenset({XAPI_A})
# A system's credential is no login: to the pages and the JSON API it is an anonymous caller.
EVERYONE = PUBLIC | SYSTEMS

# Monitoring. Every staff role may view, so every role of an office sees its dashboard; a
# provider's staff have no area and see open data only.
OFFICES = staff(levels=(*GOVERNANCE_LEVELS, "other_district"))
OVER_A = staff(levels=GOVERNANCE_LEVELS)  # town A1 sees district A and the city as averages
OVER_B = staff(levels=("municipal", "other_district"))
# On the municipal dashboard the comparison is between districts: towns appear only on their
# district's (and their own) dashboard.
B_OFFICE = staff(levels=("other_district",), superuser=False)
A_OFFICES = staff(levels=("district", "town"), superuser=False)
MUNICIPAL_KEEPERS = staff("change", levels=("municipal",))

# xAPI manage pages: whoever may change some provider, and those over each school.
MANAGERS = staff("change", levels=LEVELS)
OVER_SCHOOL_A = staff("change", levels=(*GOVERNANCE_LEVELS, "provider"))
OVER_SCHOOL_B = staff("change", levels=("municipal", "other_district"))
# The school's own staff manage one provider: the list sends them straight to its page.
SCHOOL_A_STAFF = staff("change", levels=("provider",), superuser=False)


def _pct(value: str) -> str:
    return f"{value} %"


ROUTES: list[Route] = [
    # -----------------------------------------------------------------------------------------
    # Monitoring pages
    Page("monitoring:dashboard", OFFICES, shows="district_b_pct", seers=OVER_B),
    Page("monitoring:dashboard", OFFICES, shows="town_b_pct", seers=B_OFFICE),
    Page("monitoring:dashboard", OFFICES, shows="town_a_pct", seers=A_OFFICES),
    Page("monitoring:dashboard", OVER_A, query="area={district_a}", shows="district_a_pct"),
    Page("monitoring:dashboard", OVER_A, query="area={town_a}", shows="town_a_pct"),
    Page("monitoring:dashboard", OVER_B, query="area={district_b}", shows="district_b_pct"),
    Page("monitoring:dashboard", OVER_B, query="area={town_b}", shows="town_b_pct"),
    Page("monitoring:blueprint", OFFICES, shows="district_b_pct", seers=B_OFFICE),
    Page("monitoring:blueprint", OFFICES, query="code={blueprint}"),
    Page("monitoring:blueprint", OVER_A, query="area={town_a}", shows="town_a_pct"),
    Page("monitoring:blueprint", OVER_B, query="area={district_b}", shows="district_b_pct"),
    Page("monitoring:blueprint", NOBODY, query="code=no-such-plan"),
    Page("monitoring:indicators", EVERYONE),
    Page(
        "monitoring:indicator",
        EVERYONE,
        kwargs={"code": "participation_rate"},
        shows="district_b_pct",
        seers=OVER_B,
    ),
    Page(
        "monitoring:indicator",
        EVERYONE,
        kwargs={"code": "participation_rate"},
        shows="town_a_pct",
        seers=A_OFFICES,
    ),
    # The definition is public; an office asking for an area outside its own is refused
    # (the area is ignored for those who see no figures).
    Page(
        "monitoring:indicator",
        EVERYONE - A_OFFICES,
        kwargs={"code": "participation_rate"},
        query="area={district_b}",
        shows="district_b_pct",
        seers=OVER_B,
    ),
    Page("monitoring:indicator", NOBODY, kwargs={"code": "no-such-indicator"}),
    # Open data: the city and its districts, never a town, never a small cell.
    Page("monitoring:open_data", EVERYONE, shows="district_b_pct"),
    Page("monitoring:open_data", EVERYONE, shows="town_a_pct", seers=NOBODY),
    Page("monitoring:open_data_csv", EVERYONE, shows="district_b_value"),
    Page("monitoring:open_data_csv", EVERYONE, shows="town_a_value", seers=NOBODY),
    Page("monitoring:open_data_csv", EVERYONE, shows="small_value", seers=NOBODY),
    Page("monitoring:open_data_xlsx", EVERYONE),
    Page("monitoring:schema", EVERYONE),
    # -----------------------------------------------------------------------------------------
    # Monitoring API
    Op("GET", "/api/v1/monitoring/indicators", EVERYONE),
    Op("GET", "/api/v1/monitoring/open-data", EVERYONE, shows="district_b_value"),
    Op("GET", "/api/v1/monitoring/open-data", EVERYONE, shows="town_a_value", seers=NOBODY),
    Op("GET", "/api/v1/monitoring/open-data", EVERYONE, shows="small_value", seers=NOBODY),
    # Asking open data for a town gets nothing about it.
    Op(
        "GET",
        "/api/v1/monitoring/open-data",
        EVERYONE,
        query="area={town_a}",
        shows="town_a_value",
        seers=NOBODY,
    ),
    Op("GET", "/api/v1/monitoring/figures", OFFICES, shows="town_a_value", seers=OVER_A),
    Op("GET", "/api/v1/monitoring/figures", OFFICES, shows="town_b_value", seers=OVER_B),
    Op("GET", "/api/v1/monitoring/figures", OVER_A, query="area={town_a}"),
    Op("GET", "/api/v1/monitoring/figures", OVER_B, query="area={district_b}"),
    Op(
        "GET",
        "/api/v1/monitoring/blueprints/{code}",
        OFFICES,
        params={"code": "blueprint"},
        shows="district_b_value",
        seers=B_OFFICE,
    ),
    Op(
        "GET",
        "/api/v1/monitoring/blueprints/{code}",
        OVER_B,
        params={"code": "blueprint"},
        query="area={district_b}",
        shows="district_b_value",
    ),
    Op(
        "GET",
        "/api/v1/monitoring/blueprints/{code}",
        OVER_A,
        params={"code": "blueprint"},
        query="area={town_a}",
        shows="town_a_value",
    ),
    Op("GET", "/api/v1/monitoring/blueprints/{code}", NOBODY, params={"code": "no_plan"}),
    Op(
        "PUT",
        "/api/v1/monitoring/blueprints/{code}/targets",
        MUNICIPAL_KEEPERS,
        params={"code": "blueprint"},
        body={"objective": 1, "indicator": "participation_rate", "year": "{year}", "value": "60"},
    ),
    Op(
        "PUT",
        "/api/v1/monitoring/population",
        MUNICIPAL_KEEPERS,
        body={"area": "{district_a}", "year": "{year}", "count": 120000},
    ),
    Op(
        "PUT",
        "/api/v1/monitoring/population",
        MUNICIPAL_KEEPERS,
        body={"area": "{town_b}", "year": "{year}", "count": 50000},
    ),
    Op("POST", "/api/v1/monitoring/refresh", MUNICIPAL_KEEPERS),
    # -----------------------------------------------------------------------------------------
    # The learning record store: systems with credentials only; each reads its own.
    Page("xapi:about", EVERYONE),
    Page("xapi:statements", SYSTEMS, shows="statement_a", seers=ONLY_A_SYSTEM),
    Page("xapi:statements", SYSTEMS, shows="statement_b"),  # B granted A a read grant
    Page("xapi:statements", SYSTEMS, query="statementId={statement_b}"),
    Page("xapi:statements", ONLY_A_SYSTEM, query="statementId={statement_a}"),
    Page(
        "xapi:statements",
        SYSTEMS,
        query="{statements_of_learner}",
        shows="statement_a",
        seers=ONLY_A_SYSTEM,
    ),
    # A form body is no statement (400), but only a system that passed the checks hears so.
    Page("xapi:statements", SYSTEMS, method="POST", data={"content": "{{}}"}),
    Page("xapi:statements", SYSTEMS, method="PUT", query="statementId={new_id}", data={"a": "b"}),
    Page("xapi:state", ONLY_A_SYSTEM, query="{state_a}", shows="state_a_content"),
    Page("xapi:state", SYSTEMS, query="{state_list}", shows="state_a_id", seers=ONLY_A_SYSTEM),
    # Each provider writes in its own space (B's PUT makes B's own document).
    Page("xapi:state", SYSTEMS, method="PUT", query="{state_a}", data={"page": "4"}),
    Page("xapi:state", SYSTEMS, method="DELETE", query="{state_a}"),
    Page("xapi:activity_profile", ONLY_A_SYSTEM, query="{activity_profile_a}"),
    Page(
        "xapi:activity_profile",
        SYSTEMS,
        query="{activity_profile_list}",
        shows="activity_profile_a_id",
        seers=ONLY_A_SYSTEM,
    ),
    Page(
        "xapi:activity_profile",
        SYSTEMS,
        method="PUT",
        query="{activity_profile_new}",
        data={"level": "2"},
    ),
    Page("xapi:agent_profile", ONLY_A_SYSTEM, query="{agent_profile_a}"),
    Page(
        "xapi:agent_profile",
        SYSTEMS,
        query="{agent_profile_list}",
        shows="agent_profile_a_id",
        seers=ONLY_A_SYSTEM,
    ),
    Page("xapi:agent_profile", SYSTEMS, method="DELETE", query="{agent_profile_a}"),
    # Activity definitions are the LRS's, shared by every provider (xAPI 1.0.3, 2.5).
    Page("xapi:activities", SYSTEMS, query="{activity_query}"),
    Page("xapi:agents", SYSTEMS, query="{agent_query}"),
    # -----------------------------------------------------------------------------------------
    # The manage pages: for those who may change the provider.
    Page("xapi:providers", MANAGERS, shows="school_a", seers=OVER_SCHOOL_A - SCHOOL_A_STAFF),
    Page("xapi:providers", MANAGERS, shows="school_b", seers=OVER_SCHOOL_B),
    Page("xapi:provider", OVER_SCHOOL_A, kwargs={"code": "{school_a}"}, shows="credential_a"),
    Page("xapi:provider", OVER_SCHOOL_A, kwargs={"code": "{school_a}"}, shows="statement_a"),
    Page("xapi:provider", OVER_SCHOOL_B, kwargs={"code": "{school_b}"}, shows="credential_b"),
    Page(
        "xapi:provider",
        OVER_SCHOOL_B,
        kwargs={"code": "{school_b}"},
        shows="statement_a",
        seers=NOBODY,
    ),
    # Read grants: the grant A gave (to district B's college) on A's page only; the grant A
    # received (from B's school) on A's page, and on B's page as the grant B gave.
    Page("xapi:provider", OVER_SCHOOL_A, kwargs={"code": "{school_a}"}, shows="grant_a_grantee"),
    Page(
        "xapi:provider",
        OVER_SCHOOL_B,
        kwargs={"code": "{school_b}"},
        shows="grant_a_grantee",
        seers=NOBODY,
    ),
    Page("xapi:provider", OVER_SCHOOL_A, kwargs={"code": "{school_a}"}, shows="grant_b_reason"),
    Page("xapi:provider", OVER_SCHOOL_B, kwargs={"code": "{school_b}"}, shows="grant_b_reason"),
    Page(
        "xapi:credential_create",
        OVER_SCHOOL_A,
        kwargs={"code": "{school_a}"},
        method="POST",
        data={"name": "Online classroom"},
    ),
    Page(
        "xapi:credential_create",
        OVER_SCHOOL_B,
        kwargs={"code": "{school_b}"},
        method="POST",
        data={"name": "Online classroom"},
    ),
    Page(
        "xapi:credential_revoke",
        OVER_SCHOOL_A,
        kwargs={"code": "{school_a}", "public_id": "{credential_a_id}"},
        method="POST",
    ),
    Page(
        "xapi:credential_revoke",
        OVER_SCHOOL_B,
        kwargs={"code": "{school_b}", "public_id": "{credential_b_id}"},
        method="POST",
    ),
    # A's credential named under another provider's address is no credential of that page.
    Page(
        "xapi:credential_revoke",
        NOBODY,
        kwargs={"code": "{school_b}", "public_id": "{credential_a_id}"},
        method="POST",
    ),
    Page(
        "xapi:registration_create",
        OVER_SCHOOL_A,
        kwargs={"code": "{school_a}"},
        method="POST",
        data={
            "activity_id": "https://lms.example.org/course/new-a",
            "title": "Smartphone basics",
            "category": "digital",
            "hours": "6",
            "course_code": "",
        },
    ),
    Page(
        "xapi:registration_create",
        OVER_SCHOOL_B,
        kwargs={"code": "{school_b}"},
        method="POST",
        data={
            "activity_id": "https://lms.example.org/course/new-b",
            "title": "Smartphone basics",
            "category": "digital",
            "hours": "6",
            "course_code": "",
        },
    ),
    Page(
        "xapi:registration_delete",
        OVER_SCHOOL_A,
        kwargs={"code": "{school_a}", "public_id": "{registration_a_id}"},
        method="POST",
    ),
    Page(
        "xapi:registration_delete",
        NOBODY,
        kwargs={"code": "{school_b}", "public_id": "{registration_a_id}"},
        method="POST",
    ),
    Page(
        "xapi:read_grant_create",
        OVER_SCHOOL_A,
        kwargs={"code": "{school_a}"},
        method="POST",
        data={"grantee": "{district_b_college}", "reason": ""},
    ),
    Page(
        "xapi:read_grant_create",
        OVER_SCHOOL_B,
        kwargs={"code": "{school_b}"},
        method="POST",
        data={"grantee": "{district_b_college}", "reason": "A joint course"},
    ),
    Page(
        "xapi:read_grant_revoke",
        OVER_SCHOOL_A,
        kwargs={"code": "{school_a}", "public_id": "{grant_a_id}"},
        method="POST",
    ),
    Page(
        "xapi:read_grant_revoke",
        OVER_SCHOOL_B,
        kwargs={"code": "{school_b}", "public_id": "{grant_b_id}"},
        method="POST",
    ),
    # The grantee's staff cannot revoke a grant it received, not even on its own page.
    Page(
        "xapi:read_grant_revoke",
        NOBODY,
        kwargs={"code": "{school_a}", "public_id": "{grant_b_id}"},
        method="POST",
    ),
]


# ---------------------------------------------------------------------------------------------
# The world


def _figure(area: Area, numerator: int, denominator: int, *, group: str = "") -> str:
    """A participation rate of the current year for `area`; returns its value, one place."""
    value = (Decimal(numerator) * 100 / Decimal(denominator)).quantize(Decimal("0.1"))
    Aggregate.objects.create(
        indicator=Indicator.PARTICIPATION,
        period=this_year(),
        area=area,
        area_level=area.level,
        dimension=Dimension.TARGET_GROUP if group else Dimension.ALL,
        dimension_value=group,
        numerator=numerator,
        denominator=denominator,
        value=value,
        computed_at=clock.now(),
    )
    return str(value)


def _basic(issued: services.IssuedCredential) -> dict[str, str]:
    token = base64.b64encode(f"{issued.key}:{issued.secret}".encode()).decode()
    return {"Authorization": f"Basic {token}", "X-Experience-API-Version": "1.0.3"}


def _document(
    issued: services.IssuedCredential, kind: str, document_id: str, content: str, **hashes: str
) -> None:
    services.document_write(
        credential=issued.credential,
        key=DocumentKey(kind=kind, document_id=document_id, **hashes),
        content=content.encode(),
        content_type="application/json",
        merge=False,
    )


def build_world(city: City, actors: Actors) -> dict[str, str]:
    set_population(city)
    blueprint = make_blueprint(city)
    figures = {
        "city_value": _figure(city.city, 4830, 10000),
        "district_a_value": _figure(city.a.area, 526, 1000),
        "district_b_value": _figure(city.b.area, 617, 1000),
        "town_a_value": _figure(city.a.town, 367, 500),
        "town_b_value": _figure(city.b.town, 849, 1000),
        # Three people with disabilities in district A: too few to publish.
        "small_value": _figure(city.a.area, 3, 8, group="disabled"),
    }

    issued_a = issue(city, city.a.school)
    issued_b = issue(city, city.b.school)
    actors.add(XAPI_A, None, headers=_basic(issued_a))
    actors.add(XAPI_B, None, headers=_basic(issued_b))

    activity = "https://lms.example.org/course/calligraphy"
    learner = {"mbox": "mailto:wang.xiuying@example.org", "name": "王秀英"}
    statement_a = str(uuid.uuid4())
    services.statements_store(
        credential=issued_a.credential,
        statements=[
            statement(
                id=statement_a,
                verb=COMPLETED,
                actor=learner,
                obj={"id": activity, "definition": {"name": {"zh-Hans": "书法"}}},
            )
        ],
    )
    assert Statement.objects.filter(statement_id=statement_a).exists()
    agent_json = json.dumps(learner)
    activity_hash = canonical.activity_hash(activity)
    agent_hash = canonical.agent_hash(learner)
    _document(
        issued_a,
        DocumentKind.STATE,
        "bookmark-of-a",
        '{"page": "chapter-seven-of-a"}',
        activity_hash=activity_hash,
        agent_hash=agent_hash,
    )
    _document(
        issued_a,
        DocumentKind.ACTIVITY_PROFILE,
        "profile-of-a",
        "{}",
        activity_hash=activity_hash,
    )
    _document(
        issued_a, DocumentKind.AGENT_PROFILE, "agent-profile-of-a", "{}", agent_hash=agent_hash
    )
    registration_a = register(
        city, "https://lms.example.org/course/registered-a", provider=city.a.school
    )
    statement_b = str(uuid.uuid4())
    services.statements_store(
        credential=issued_b.credential, statements=[statement(id=statement_b, verb=EXPERIENCED)]
    )
    grant_a = services.read_grant_create(
        actor=city.root, provider=city.a.school, grantee_code=city.b.college.code
    )
    grant_b = services.read_grant_create(
        actor=city.root,
        provider=city.b.school,
        grantee_code=city.a.school.code,
        reason="Shared smartphone course of two districts",
    )
    register(city, "https://lms.example.org/course/registered-b", provider=city.b.school)

    year = this_year()
    return {
        **figures,
        "city_pct": _pct(figures["city_value"]),
        "district_a_pct": _pct(figures["district_a_value"]),
        "district_b_pct": _pct(figures["district_b_value"]),
        "town_a_pct": _pct(figures["town_a_value"]),
        "town_b_pct": _pct(figures["town_b_value"]),
        "year": str(year),
        "district_a": city.a.area.code,
        "district_b": city.b.area.code,
        "town_a": city.a.town.code,
        "town_b": city.b.town.code,
        "blueprint": blueprint.code,
        "no_plan": "no-such-plan",
        # xAPI
        "statement_a": statement_a,
        "new_id": str(uuid.uuid4()),
        "statements_of_learner": urlencode({"agent": agent_json}),
        "state_a": urlencode(
            {"activityId": activity, "agent": agent_json, "stateId": "bookmark-of-a"}
        ),
        "state_a_content": "chapter-seven-of-a",
        "state_list": urlencode({"activityId": activity, "agent": agent_json}),
        "state_a_id": "bookmark-of-a",
        "activity_profile_a": urlencode({"activityId": activity, "profileId": "profile-of-a"}),
        "activity_profile_list": urlencode({"activityId": activity}),
        "activity_profile_new": urlencode({"activityId": activity, "profileId": "new-profile"}),
        "activity_profile_a_id": "profile-of-a",
        "agent_profile_a": urlencode({"agent": agent_json, "profileId": "agent-profile-of-a"}),
        "agent_profile_list": urlencode({"agent": agent_json}),
        "agent_profile_a_id": "agent-profile-of-a",
        "activity_query": urlencode({"activityId": activity}),
        "agent_query": urlencode({"agent": agent_json}),
        "school_a": city.a.school.code,
        "school_b": city.b.school.code,
        "credential_a": issued_a.key,
        "credential_b": issued_b.key,
        "credential_a_id": str(issued_a.credential.public_id),
        "credential_b_id": str(issued_b.credential.public_id),
        "registration_a_id": str(registration_a.public_id),
        "statement_b": statement_b,
        "district_b_college": city.b.college.code,
        "grant_a_grantee": city.b.college.code,
        "grant_a_id": str(grant_a.public_id),
        "grant_b_id": str(grant_b.public_id),
        "grant_b_reason": grant_b.reason,
    }


def test_monitoring_and_xapi_matrix(city: City, actors: Actors) -> None:
    world = build_world(city, actors)
    run_matrix(ROUTES, world, actors)
