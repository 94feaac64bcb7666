"""The authorization matrix of funding and credentials.

The world: district A's finance (budgets of the city, district A and town A1, a contract of
district A with town A1's community school, a settlement of that school paid out of resident
A's allowance and an elder's subsidy, a second one held by a fraud flag) and district B's
counterparts (a contract and a flagged settlement at district B's school, paid for the
resident of district B). Resident A holds a credential signed by her community school and a
share link to it; the resident of district B holds one signed by district B's school.

Who may do what, from the README ("Inclusion and funding", "Verifiable credentials"):
finance officers of a level of government see and move money of their level and the levels
below it (budgets, allocations, commitments, flags, settlements, reports); providers see their
contracts and settlements; a resident sees her own allowance and wallet; anyone holding a
credential's id or a share link verifies it; staff who assess or change the issuer revoke.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from decimal import Decimal
from typing import Any

from learningcity.catalog import services as catalog
from learningcity.catalog.choices import Category, Rationing
from learningcity.catalog.models import Class
from learningcity.core import clock
from learningcity.credentials import services as credentials
from learningcity.credentials.models import Credential
from learningcity.credentials.tests.factories import achievement
from learningcity.funding import services as funding
from learningcity.funding.choices import BudgetLevel, ContractUnit, TransactionKind
from learningcity.funding.data import PlaceDelivery
from learningcity.funding.models import JournalTransaction, Settlement
from learningcity.funding.tests.factories import (
    YEAR,
    make_elder,
    make_funded,
    make_paid_class,
    make_resident,
    make_term,
)
from learningcity.learners.choices import TargetGroup
from learningcity.learners.models import Learner
from learningcity.network.tests.factories import City, District
from tests.authz.matrix import (
    OTHER_RESIDENT,
    PUBLIC,
    RESIDENT,
    RESIDENTS,
    SIGNED_IN,
    STAFF,
    SUPERUSER,
    Actors,
    Op,
    Page,
    Route,
    run_matrix,
    staff,
)

# ---------------------------------------------------------------------------------------------
# Who, by the design


# Finance officers of the levels of government above town A1 (the city, district A, town A1).
FINANCE_A = staff("finance")
# ... above district A itself: the town office sits below a district's budget and contracts.
FINANCE_DISTRICT_A = staff("finance", levels=("municipal", "district"))
FINANCE_CITY = staff("finance", levels=("municipal",))
FINANCE_B = staff("finance", levels=("municipal", "other_district"))
# Everyone on either side of town A1's community school's money: the offices above it and
# the school itself, every role (each may view).
VIEW_SCHOOL_A = staff("view", levels=("municipal", "district", "town", "provider"))
VIEW_SCHOOL_B = staff("view", levels=("municipal", "other_district"))
# A contract is seen by the buying level's offices (and those above) and the provider.
VIEW_CONTRACT_A = staff("view", levels=("municipal", "district", "provider"))
# Residents of town A1 are seen by the governance bodies of their area, every role.
VIEW_RESIDENT_A = staff("view")
VIEW_RESIDENT_B = staff("view", levels=("municipal", "other_district"))
# Revoking a credential: staff who assess or change its issuer (town A1's community school),
# in scope: the school itself and the offices above it.
REVOKE_SCHOOL_A = staff(
    levels=("municipal", "district", "town", "provider"),
    roles=("admin", "registrar", "assessor"),
)
REVOKE_SCHOOL_B = staff(
    levels=("municipal", "other_district"), roles=("admin", "registrar", "assessor")
)

API = "/api/v1"
KEY = {"Idempotency-Key": "authz-allocation-1"}


class Document:
    """Stands for a credential's signed JSON in a body; the test puts the world's in."""

    def __init__(self, key: str) -> None:
        self.key = key


CREDENTIAL_A_BODY = Document("cred_a_doc")

ROUTES: list[Route] = [
    # ----------------------------------------------------------------------------- funding pages
    # A resident's own allowance: a login with a learner record; staff have none (a 403 page).
    Page("funding:mine", RESIDENTS, shows="scheme_a_name", seers=frozenset({RESIDENT})),
    Page("funding:mine", RESIDENTS, shows="scheme_b_name", seers=frozenset({OTHER_RESIDENT})),
    Page("funding:policies", PUBLIC, shows="policy_name"),
    # Every member of staff may follow "Funding": finance officers of a level of government get
    # the page, everyone else with a role is sent to the contracts page (a redirect, let in);
    # residents are refused. The open flag of school A shows only to finance officers above it.
    Page("funding:finance", STAFF | {SUPERUSER}, shows="flag_a", seers=FINANCE_A),
    Page("funding:finance", STAFF | {SUPERUSER}, shows="flag_b", seers=FINANCE_B),
    Page("funding:finance", STAFF | {SUPERUSER}, shows="settlement_a", seers=FINANCE_A),
    Page(
        "funding:flag_review",
        FINANCE_A,
        kwargs={"public_id": "{flag_a}"},
        shows="settlement_held_a",
    ),
    Page("funding:flag_review", FINANCE_B, kwargs={"public_id": "{flag_b}"}),
    Page(
        "funding:flag_review",
        FINANCE_A,
        kwargs={"public_id": "{flag_a}"},
        method="POST",
        data={"decision": "clear", "reason": "checked the register"},
    ),
    Page(
        "funding:flag_review",
        FINANCE_B,
        kwargs={"public_id": "{flag_b}"},
        method="POST",
        data={"decision": "uphold", "reason": "more hours billed than bought"},
    ),
    Page("funding:report", FINANCE_A | FINANCE_B, query="by=district&fiscal_year=2027"),
    Page(
        "funding:report",
        FINANCE_A | FINANCE_B,
        query="by=district",
        shows="district_a_name",
        seers=FINANCE_A,
    ),
    Page(
        "funding:report_csv",
        FINANCE_A | FINANCE_B,
        query="by=district",
        shows="district_a_name",
        seers=FINANCE_A,
    ),
    Page("funding:report_xlsx", FINANCE_A | FINANCE_B, query="by=provider"),
    # Any login opens the contracts page; it lists only what the caller's scope holds (nothing
    # for a resident), so school A's contract and settlement show only to their two sides.
    Page("funding:provider", SIGNED_IN, shows="contract_a", seers=VIEW_CONTRACT_A),
    Page("funding:provider", SIGNED_IN, shows="settlement_a", seers=VIEW_SCHOOL_A),
    Page("funding:provider", SIGNED_IN, shows="settlement_b", seers=VIEW_SCHOOL_B),
    Page("funding:settlement", VIEW_SCHOOL_A, kwargs={"public_id": "{settlement_a}"}),
    Page("funding:settlement", VIEW_SCHOOL_A, kwargs={"public_id": "{settlement_held_a}"}),
    Page("funding:settlement", VIEW_SCHOOL_B, kwargs={"public_id": "{settlement_b}"}),
    Page(
        "funding:settlement_pay",
        FINANCE_A,
        kwargs={"public_id": "{settlement_a}"},
        method="POST",
    ),
    # Held by its flag: the finance officers are told so (a redirect with the message).
    Page(
        "funding:settlement_pay",
        FINANCE_B,
        kwargs={"public_id": "{settlement_b}"},
        method="POST",
    ),
    # ---------------------------------------------------------------------------- funding API
    # A login without a learner record gets a 400 that says so (let in, nothing shown).
    Op(
        "GET",
        f"{API}/funding/me/entitlement",
        SIGNED_IN,
        shows="tranche_a",
        seers=frozenset({RESIDENT}),
    ),
    Op(
        "GET",
        f"{API}/funding/me/entitlement",
        SIGNED_IN,
        shows="tranche_b",
        seers=frozenset({OTHER_RESIDENT}),
    ),
    # For one's own record: staff without one get a 400 asking for the learner (let in).
    Op("GET", f"{API}/funding/quote", SIGNED_IN, query="class_id={class_a}"),
    # For a named learner: the offices whose area she lives in, and she herself.
    Op(
        "GET",
        f"{API}/funding/quote",
        VIEW_RESIDENT_A | {RESIDENT},
        query="class_id={class_a}&learner_id={resident_a}",
    ),
    Op(
        "GET",
        f"{API}/funding/quote",
        VIEW_RESIDENT_B | {OTHER_RESIDENT},
        query="class_id={class_a}&learner_id={resident_b}",
    ),
    Op("GET", f"{API}/funding/target-groups", PUBLIC),
    Op("GET", f"{API}/funding/policies", PUBLIC, shows="policy_code"),
    Op("GET", f"{API}/funding/budgets", SIGNED_IN, shows="budget_a", seers=FINANCE_DISTRICT_A),
    Op("GET", f"{API}/funding/budgets", SIGNED_IN, shows="budget_a_town", seers=FINANCE_A),
    Op("GET", f"{API}/funding/budgets", SIGNED_IN, shows="budget_b", seers=FINANCE_B),
    Op(
        "POST",
        f"{API}/funding/budgets/{{budget_id}}/allocations",
        FINANCE_DISTRICT_A,
        params={"budget_id": "budget_a"},
        body={"to_budget": "{budget_a_town}", "amount": "100.00", "reason": "more classes"},
        headers=KEY,
    ),
    Op(
        "POST",
        f"{API}/funding/budgets/{{budget_id}}/allocations",
        FINANCE_CITY,
        params={"budget_id": "budget_city"},
        body={"to_budget": "{budget_b}", "amount": "100.00", "reason": "more classes"},
        headers=KEY,
    ),
    # District B's budget named as the target of district A's money: district A's officer
    # cannot see it (404); the city's officer is told it is not below district A (400).
    Op(
        "POST",
        f"{API}/funding/budgets/{{budget_id}}/allocations",
        FINANCE_CITY,
        params={"budget_id": "budget_a"},
        body={"to_budget": "{budget_b_town}", "amount": "100.00", "reason": "more classes"},
        headers=KEY,
    ),
    Op(
        "GET",
        f"{API}/funding/commitments",
        SIGNED_IN,
        shows="commitment_spend_a",
        seers=FINANCE_DISTRICT_A,
    ),
    Op(
        "GET",
        f"{API}/funding/commitments",
        SIGNED_IN,
        shows="commitment_subsidy_a",
        seers=FINANCE_A,
    ),
    Op(
        "GET",
        f"{API}/funding/commitments",
        SIGNED_IN,
        shows="commitment_contract_b",
        seers=FINANCE_B,
    ),
    Op("GET", f"{API}/funding/flags", SIGNED_IN, shows="flag_a", seers=FINANCE_A),
    Op("GET", f"{API}/funding/flags", SIGNED_IN, shows="flag_b", seers=FINANCE_B),
    Op(
        "POST",
        f"{API}/funding/flags/{{flag_id}}/review",
        FINANCE_A,
        params={"flag_id": "flag_a"},
        body={"uphold": False, "reason": "checked the register"},
    ),
    Op(
        "POST",
        f"{API}/funding/flags/{{flag_id}}/review",
        FINANCE_B,
        params={"flag_id": "flag_b"},
        body={"uphold": True, "reason": "more hours billed than bought"},
    ),
    Op(
        "GET",
        f"{API}/funding/reports",
        SIGNED_IN,
        query="by=district",
        shows="district_a_code",
        seers=FINANCE_A,
    ),
    Op(
        "GET",
        f"{API}/funding/reports",
        SIGNED_IN,
        query="by=district&fiscal_year=2027",
        shows="district_b_code",
        seers=FINANCE_B,
    ),
    Op("GET", f"{API}/funding/contracts", SIGNED_IN, shows="contract_a", seers=VIEW_CONTRACT_A),
    Op("GET", f"{API}/funding/contracts", SIGNED_IN, shows="contract_b", seers=VIEW_SCHOOL_B),
    Op("GET", f"{API}/funding/settlements", SIGNED_IN, shows="settlement_a", seers=VIEW_SCHOOL_A),
    Op("GET", f"{API}/funding/settlements", SIGNED_IN, shows="settlement_b", seers=VIEW_SCHOOL_B),
    Op(
        "POST",
        f"{API}/funding/settlements/{{settlement_id}}/pay",
        FINANCE_A,
        params={"settlement_id": "settlement_a"},
    ),
    # Held: the finance officers above it are told so (409).
    Op(
        "POST",
        f"{API}/funding/settlements/{{settlement_id}}/pay",
        FINANCE_B,
        params={"settlement_id": "settlement_b"},
    ),
    # ------------------------------------------------------------------------- credentials pages
    Page("credentials:verify", PUBLIC),
    Page("credentials:verify", PUBLIC, method="POST", data={"document": "{cred_a_doc}"}),
    # Any login opens the wallet (staff are told they have no learner record); each resident
    # sees only her own credentials.
    Page("credentials:wallet", SIGNED_IN, shows="cred_a", seers=frozenset({RESIDENT})),
    Page("credentials:wallet", SIGNED_IN, shows="cred_b", seers=frozenset({OTHER_RESIDENT})),
    # A share link for resident A's credential: she gets one; the other resident is refused;
    # staff have no wallet, and are shown so.
    Page(
        "credentials:wallet",
        SIGNED_IN - {OTHER_RESIDENT},
        method="POST",
        data={"credential": "{cred_a}", "days": "30"},
    ),
    Page(
        "credentials:wallet",
        SIGNED_IN - {RESIDENT},
        method="POST",
        data={"credential": "{cred_b}", "days": "30"},
    ),
    # The zip names each credential's file by its id.
    Page("credentials:wallet_export", SIGNED_IN, shows="cred_a", seers=frozenset({RESIDENT})),
    Page(
        "credentials:share_revoke",
        frozenset({RESIDENT}),
        kwargs={"public_id": "{share_a}"},
        method="POST",
    ),
    # Whoever holds a live link sees the credential; a withdrawn link shows nobody anything.
    Page("credentials:shared", PUBLIC, kwargs={"token": "{share_a_token}"}, shows="cred_a_name"),
    Page("credentials:shared", frozenset(), kwargs={"token": "{share_gone_token}"}),
    Page("credentials:issuer", PUBLIC, kwargs={"code": "{issuer_a}"}),
    Page("credentials:status_list", PUBLIC, kwargs={"code": "{issuer_a}", "number": "1"}),
    # A credential's page, JSON and QR code answer anyone holding its id (the QR code printed
    # on a certificate, the link an employer follows): verification needs no account.
    Page("credentials:credential", PUBLIC, kwargs={"public_id": "{cred_a}"}),
    Page("credentials:credential_json", PUBLIC, kwargs={"public_id": "{cred_a}"}),
    Page("credentials:credential_qr", PUBLIC, kwargs={"public_id": "{cred_a}"}),
    # --------------------------------------------------------------------------- credentials API
    Op("POST", f"{API}/credentials/verify", PUBLIC, body=CREDENTIAL_A_BODY),
    Op("GET", f"{API}/credentials/issuers/{{code}}", PUBLIC, params={"code": "issuer_a"}),
    Op(
        "GET",
        f"{API}/credentials/status/{{code}}/{{number}}",
        PUBLIC,
        params={"code": "issuer_a", "number": "one"},
    ),
    Op("GET", f"{API}/credentials/{{public_id}}", PUBLIC, params={"public_id": "cred_a"}),
    Op(
        "POST",
        f"{API}/credentials/{{public_id}}/revoke",
        REVOKE_SCHOOL_A,
        params={"public_id": "cred_a"},
        body={"reason": "issued in error"},
    ),
    Op(
        "POST",
        f"{API}/credentials/{{public_id}}/revoke",
        REVOKE_SCHOOL_B,
        params={"public_id": "cred_b"},
        body={"reason": "issued in error"},
    ),
]


# ---------------------------------------------------------------------------------------------
# The world


def _class_at(city: City, district: District, *, code: str) -> Class:
    """A fee-paying class at a district's community school, four sessions from 2 March."""
    course = catalog.course_create(
        actor=city.root,
        provider=district.school,
        code=code,
        title_zh="太极拳",
        title_en="Tai chi",
        category=Category.CULTURE_ARTS,
        hours=Decimal("20"),
        fee=Decimal("200"),
    )
    now = clock.now()
    return catalog.class_create(
        actor=city.root,
        course=course,
        term=make_term(city),
        site=district.site,
        weekday=4,
        starts_at=dt.time(14, 0),
        ends_at=dt.time(16, 0),
        first_session_on=dt.date(YEAR, 3, 4),
        sessions=4,
        capacity=30,
        applications_open_at=now - dt.timedelta(days=1),
        applications_close_at=now + dt.timedelta(days=7),
        rationing=Rationing.FIRST_COME,
    )


def _held(city: City, finance: Any, budget: Any, klass: Class, learner: Learner, code: str) -> Any:
    """A settlement held by a flag: a contract bought five learner-hours, the class billed
    twenty."""
    funding.contract_sign(
        actor=finance,
        budget=budget,
        course=klass.course,
        code=code,
        unit=ContractUnit.HOUR,
        quantity=Decimal("5"),
        unit_price=Decimal("10"),
        valid_from=dt.date(YEAR, 1, 1),
        valid_until=dt.date(YEAR, 12, 31),
    )
    source = f"place:{learner.pk}:{klass.pk}"
    funding.place_commit(actor=learner.user, learner=learner, klass=klass, source=source)
    settlement = funding.class_deliver(
        actor=city.root, klass=klass, places=[PlaceDelivery(source, learner.pk, 4, 4)]
    )
    assert settlement is not None and settlement.status == "held"
    return settlement


def build_world(city: City, actors: Actors) -> dict[str, str]:
    funded = make_funded(city)
    resident, other = actors.resident, actors.other_resident
    scheme_b = funding.scheme_create(
        actor=funded.municipal,
        owner=city.commission,
        code="XUHUI-ALLOWANCE",
        name_zh="徐汇终身学习券",
        name_en="Xuhui lifelong learning voucher",
        groups=[TargetGroup.RESIDENT],
        amount=Decimal("45"),
        funded_by=BudgetLevel.DISTRICT,
        valid_from=dt.date(2020, 1, 1),
    )
    tranche_a = funding.tranche_grant(
        actor=funded.municipal, scheme=funded.scheme, learner=resident, year=YEAR
    )
    tranche_b = funding.tranche_grant(
        actor=funded.municipal, scheme=scheme_b, learner=other, year=YEAR
    )

    # School A's class: resident A pays from her allowance, an elder of town A1 is subsidised
    # by the three levels; the class is over and the school is owed (payable, no flag).
    class_a = make_paid_class(city)
    elder = make_elder(funded)
    places = []
    for learner in (resident, elder):
        source = f"place:{learner.pk}:{class_a.pk}"
        funding.place_commit(actor=learner.user, learner=learner, klass=class_a, source=source)
        places.append(PlaceDelivery(source, learner.pk, 4, 4))
    settlement_a = funding.class_deliver(actor=city.root, klass=class_a, places=places)
    assert settlement_a is not None and settlement_a.status == "payable"

    # School A's second class, bought by district A and billed beyond the contract: held.
    class_held = make_paid_class(city, weekday=5)
    held_a = _held(
        city, funded.finance_a, funded.budgets["a"], class_held, make_resident(city), "HP-AUTHZ-1"
    )
    # District B's school: the same, for the resident of district B.
    class_b = _class_at(city, city.b, code="XH-TAICHI")
    held_b = _held(city, funded.finance_b, funded.budgets["b"], class_b, other, "XH-AUTHZ-1")

    def txn(kind: str, **filters: Any) -> str:
        return str(JournalTransaction.objects.get(kind=kind, **filters).public_id)

    # Credentials: resident A's from her community school, with a live and a withdrawn link;
    # the other resident's from district B's school.
    cred_a = credentials.credential_issue(
        actor=city.root,
        issuer_code=city.a.school.code,
        subject=achievement(learner_public_id=str(resident.public_id), name="书法结业 Calligraphy"),
    )
    cred_b = credentials.credential_issue(
        actor=city.root,
        issuer_code=city.b.school.code,
        subject=achievement(learner_public_id=str(other.public_id), name="太极结业 Tai chi"),
    )
    assert resident.user is not None
    share_a, token_a = credentials.share_create(
        actor=resident.user, public_id=cred_a.public_id, days=30
    )
    gone, token_gone = credentials.share_create(
        actor=resident.user, public_id=cred_a.public_id, days=30
    )
    credentials.share_revoke(actor=resident.user, public_id=gone.public_id)

    return {
        "scheme_a_name": funded.scheme.name_en,
        "scheme_b_name": scheme_b.name_en,
        "policy_code": funded.policy.code,
        "policy_name": funded.policy.name_en,
        "tranche_a": str(tranche_a.public_id),
        "tranche_b": str(tranche_b.public_id),
        "resident_a": str(resident.public_id),
        "resident_b": str(other.public_id),
        "class_a": str(class_a.public_id),
        "budget_city": str(funded.budgets["city"].public_id),
        "budget_a": str(funded.budgets["a"].public_id),
        "budget_a_town": str(funded.budgets["a_town"].public_id),
        "budget_b": str(funded.budgets["b"].public_id),
        "budget_b_town": str(funded.budgets["b_town"].public_id),
        "commitment_spend_a": txn(TransactionKind.SPEND, learner=resident),
        "commitment_subsidy_a": txn(TransactionKind.SUBSIDY, learner=elder),
        "commitment_contract_b": txn(TransactionKind.CONTRACT_COMMIT, budget=funded.budgets["b"]),
        "settlement_a": str(settlement_a.public_id),
        "settlement_held_a": str(held_a.public_id),
        "settlement_b": str(held_b.public_id),
        "flag_a": str(held_a.flags.get().public_id),
        "flag_b": str(held_b.flags.get().public_id),
        "contract_a": "HP-AUTHZ-1",
        "contract_b": "XH-AUTHZ-1",
        "district_a_code": city.a.area.code,
        "district_b_code": city.b.area.code,
        "district_a_name": city.a.area.name_en,
        "cred_a": str(cred_a.public_id),
        "cred_a_name": cred_a.name,
        "cred_a_doc": cred_a.document,
        "cred_b": str(cred_b.public_id),
        "share_a": str(share_a.public_id),
        "share_a_token": token_a,
        "share_gone_token": token_gone,
        "issuer_a": city.a.school.code,
        "one": "1",
    }


def _literal(value: Any) -> Any:
    """A JSON value whose strings pass through the matrix's str.format_map unchanged."""
    if isinstance(value, str):
        return value.replace("{", "{{").replace("}", "}}")
    if isinstance(value, dict):
        return {k: _literal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_literal(v) for v in value]
    return value


def _with_documents(routes: list[Route], world: dict[str, str]) -> list[Route]:
    """The rows, with each `Document` body replaced by the world's signed credential."""
    out: list[Route] = []
    for route in routes:
        if isinstance(route, Op) and isinstance(route.body, Document):
            route = dataclasses.replace(route, body=_literal(json.loads(world[route.body.key])))
        out.append(route)
    return out


def test_funding_and_credentials(city: City, actors: Actors) -> None:
    world = build_world(city, actors)
    assert Settlement.objects.count() == 3 and Credential.objects.count() == 2
    run_matrix(_with_documents(ROUTES, world), world, actors)
