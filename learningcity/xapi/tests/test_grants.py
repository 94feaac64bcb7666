"""Read grants: a provider lets another provider's credentials read its statements (xAPI
issue 7: "a provider reads only statements it is allowed to (its own, unless granted)").

The world: district B's college grants district A's college; district A's community school
is a third provider that nobody granted anything."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import translation

from learningcity.core.errors import NotFound, ValidationFailed
from learningcity.core.models import AuditEntry
from learningcity.network.tests.factories import City
from learningcity.xapi import canonical, services
from learningcity.xapi.choices import DocumentKind
from learningcity.xapi.models import ReadGrant, Statement
from learningcity.xapi.services.documents import DocumentKey
from learningcity.xapi.tests.factories import (
    EXPERIENCED,
    VOIDED,
    XapiClient,
    activity_id,
    issue,
    new_id,
    statement,
)

URL = "/xapi/statements"


def _ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [s["id"] for s in response.json()["statements"]]


def _grant(city: City, reason: str = "") -> ReadGrant:
    return services.read_grant_create(
        actor=city.b.officer,
        provider=city.b.college,
        grantee_code=city.a.college.code,
        reason=reason,
    )


def _audits(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("id"))


# Services -----------------------------------------------------------------------------------


def test_granting_records_who_granted_whom_and_why_with_an_audit_row(city: City) -> None:
    grant = _grant(city, reason="  A joint course on smartphones  ")

    assert (grant.provider, grant.grantee) == (city.b.college, city.a.college)
    assert grant.reason == "A joint course on smartphones"
    assert grant.created_by == city.b.officer
    assert grant.revoked_at is None
    (audit,) = _audits("xapi.read_grant_create")
    assert audit.actor_id == city.b.officer.pk
    assert audit.subject == f"network.organization:{city.b.college.code}"
    assert audit.reason == "A joint course on smartphones"
    assert audit.data == {"grantee": city.a.college.code, "grant": str(grant.public_id)}


def test_granting_twice_changes_nothing(city: City) -> None:
    first = _grant(city)
    again = _grant(city, reason="another reason")

    assert again.pk == first.pk
    assert again.reason == ""
    assert ReadGrant.objects.count() == 1
    assert len(_audits("xapi.read_grant_create")) == 1


def test_a_provider_cannot_grant_itself(city: City) -> None:
    with translation.override("en"), pytest.raises(ValidationFailed) as refused:
        services.read_grant_create(
            actor=city.b.officer, provider=city.b.college, grantee_code=city.b.college.code
        )
    message = "A provider reads its own statements already: enter another provider's code."
    assert refused.value.fields == {"grantee": [message]}
    assert refused.value.status == 400
    assert ReadGrant.objects.count() == 0


def test_the_database_refuses_a_grant_to_oneself_too(city: City) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        ReadGrant.objects.create(provider=city.b.college, grantee=city.b.college)


def test_an_unknown_or_empty_code_is_refused_on_its_field(city: City) -> None:
    with translation.override("en"):
        with pytest.raises(ValidationFailed) as unknown:
            services.read_grant_create(
                actor=city.b.officer, provider=city.b.college, grantee_code="NO-SUCH"
            )
        with pytest.raises(ValidationFailed) as empty:
            services.read_grant_create(
                actor=city.b.officer, provider=city.b.college, grantee_code="  "
            )
        with pytest.raises(ValidationFailed) as long_reason:
            services.read_grant_create(
                actor=city.b.officer,
                provider=city.b.college,
                grantee_code=city.a.college.code,
                reason="x" * 501,
            )
    assert unknown.value.fields == {"grantee": ["No provider has the code NO-SUCH."]}
    assert empty.value.fields == {
        "grantee": ["Enter the code of the provider that may read your statements."]
    }
    assert long_reason.value.fields == {"reason": ["At most 500 characters."]}
    assert ReadGrant.objects.count() == 0
    assert _audits("xapi.read_grant_create") == []


def test_a_code_typed_in_lower_case_finds_the_provider(city: City) -> None:
    grant = services.read_grant_create(
        actor=city.b.officer, provider=city.b.college, grantee_code=city.a.college.code.lower()
    )
    assert grant.grantee == city.a.college


def test_another_districts_staff_may_neither_grant_nor_revoke(city: City) -> None:
    with pytest.raises(NotFound):
        services.read_grant_create(
            actor=city.a.officer, provider=city.b.college, grantee_code=city.a.college.code
        )
    grant = _grant(city)
    with pytest.raises(NotFound):
        services.read_grant_revoke(actor=city.a.officer, public_id=grant.public_id)
    with pytest.raises(NotFound):  # nor the grantee's own administrator
        services.read_grant_revoke(actor=city.a.school_admin, public_id=grant.public_id)
    grant.refresh_from_db()
    assert grant.revoked_at is None
    assert ReadGrant.objects.count() == 1


def test_revoking_stops_the_grant_and_twice_changes_nothing(city: City) -> None:
    grant = _grant(city)

    revoked = services.read_grant_revoke(actor=city.b.officer, public_id=grant.public_id)
    again = services.read_grant_revoke(actor=city.b.officer, public_id=grant.public_id)

    assert revoked.revoked_at is not None
    assert revoked.revoked_by == city.b.officer
    assert again.revoked_at == revoked.revoked_at
    (audit,) = _audits("xapi.read_grant_revoke")
    assert audit.actor_id == city.b.officer.pk
    assert audit.data == {"grantee": city.a.college.code, "grant": str(grant.public_id)}


def test_granting_again_after_a_revocation_is_a_new_grant(city: City) -> None:
    first = _grant(city)
    services.read_grant_revoke(actor=city.b.officer, public_id=first.public_id)

    second = _grant(city)

    assert second.pk != first.pk
    assert second.revoked_at is None
    assert ReadGrant.objects.filter(revoked_at__isnull=True).get() == second
    assert len(_audits("xapi.read_grant_create")) == 2


def test_revoking_on_another_providers_page_finds_no_grant(city: City) -> None:
    grant = _grant(city)
    with pytest.raises(NotFound):
        services.read_grant_revoke(
            actor=city.root, public_id=grant.public_id, provider=city.a.college
        )


# Reads --------------------------------------------------------------------------------------


@pytest.fixture
def granter(city: City) -> XapiClient:
    return XapiClient(issue(city, city.b.college))


@pytest.fixture
def grantee(city: City) -> XapiClient:
    return XapiClient(issue(city, city.a.college))


@pytest.fixture
def third(city: City) -> XapiClient:
    return XapiClient(issue(city, city.a.school))


def test_the_grantee_reads_granted_statements_with_every_filter(
    city: City, granter: XapiClient, grantee: XapiClient, third: XapiClient
) -> None:
    learner = {"mbox": "mailto:li.na@example.org", "name": "李娜"}
    course, parent = activity_id(), activity_id()
    registration = new_id()
    (theirs,) = granter.post(
        URL,
        statement(
            actor=learner,
            obj={"id": course},
            context={
                "registration": registration,
                "contextActivities": {"parent": [{"id": parent}]},
            },
        ),
    ).json()
    (other,) = granter.post(URL, statement(verb=EXPERIENCED)).json()
    (mine,) = grantee.post(URL, statement()).json()
    _grant(city)

    assert _ids(grantee.get(URL)) == [mine, other, theirs]
    assert _ids(grantee.get(URL, {"agent": json.dumps(learner)})) == [theirs]
    assert _ids(grantee.get(URL, {"verb": EXPERIENCED})) == [other]
    assert _ids(grantee.get(URL, {"activity": course})) == [theirs]
    assert _ids(grantee.get(URL, {"activity": parent})) == []
    assert _ids(grantee.get(URL, {"activity": parent, "related_activities": "true"})) == [theirs]
    assert _ids(grantee.get(URL, {"registration": registration})) == [theirs]
    assert _ids(grantee.get(URL, {"ascending": "true"})) == [theirs, other, mine]
    stored = grantee.get(URL, {"statementId": theirs})
    assert stored.status_code == 200
    assert stored.json()["authority"]["account"]["name"] == city.b.college.code
    # The granter and a provider nobody granted read nothing more than before.
    assert _ids(granter.get(URL)) == [other, theirs]
    assert _ids(third.get(URL)) == []
    assert third.get(URL, {"statementId": theirs}).status_code == 404


def test_reading_with_grants_takes_as_many_queries_as_without(
    city: City, granter: XapiClient, grantee: XapiClient, django_assert_max_num_queries: Any
) -> None:
    granter.post(URL, [statement() for _ in range(15)])
    XapiClient(issue(city, city.a.school)).post(URL, [statement() for _ in range(15)])
    _grant(city)
    services.read_grant_create(
        actor=city.root, provider=city.a.school, grantee_code=city.a.college.code
    )
    with django_assert_max_num_queries(3):  # the credential, its read grants, the page
        response = grantee.get(URL, {"limit": 20})
    assert len(response.json()["statements"]) == 20


def test_the_grantee_pages_through_both_providers_with_more(
    city: City, granter: XapiClient, grantee: XapiClient
) -> None:
    sent = []
    for client in (granter, grantee, granter, grantee, granter):
        sent.extend(client.post(URL, statement()).json())
    _grant(city)

    seen: list[str] = []
    response = grantee.get(URL, {"limit": 2})
    while True:
        body = response.json()
        seen.extend(s["id"] for s in body["statements"])
        if not body["more"]:
            break
        more = urlsplit(body["more"])
        response = grantee.client.get(f"{more.path}?{more.query}", headers=grantee.headers)

    assert seen == list(reversed(sent))


def test_related_agents_tells_each_providers_authority_apart(
    city: City, granter: XapiClient, grantee: XapiClient
) -> None:
    (theirs,) = granter.post(URL, statement()).json()
    (mine,) = grantee.post(URL, statement()).json()
    _grant(city)

    def authority(code: str) -> str:
        return json.dumps({"account": {"homePage": settings.CREDENTIALS_BASE_URL, "name": code}})

    def related(code: str) -> list[str]:
        return _ids(grantee.get(URL, {"agent": authority(code), "related_agents": "true"}))

    assert related(city.b.college.code) == [theirs]
    assert related(city.a.college.code) == [mine]
    assert _ids(grantee.get(URL, {"agent": authority(city.b.college.code)})) == []


def test_the_grantee_finds_a_granted_voided_statement_by_voided_statement_id(
    city: City, granter: XapiClient, grantee: XapiClient
) -> None:
    (target,) = granter.post(URL, statement()).json()
    granter.post(URL, statement(verb=VOIDED, obj={"objectType": "StatementRef", "id": target}))
    _grant(city)

    assert grantee.get(URL, {"statementId": target}).status_code == 404
    assert grantee.get(URL, {"voidedStatementId": target}).json()["id"] == target


def test_after_revocation_the_grantee_reads_only_its_own(
    city: City, granter: XapiClient, grantee: XapiClient
) -> None:
    (theirs,) = granter.post(URL, statement()).json()
    (mine,) = grantee.post(URL, statement()).json()
    grant = _grant(city)
    assert _ids(grantee.get(URL)) == [mine, theirs]

    services.read_grant_revoke(actor=city.b.officer, public_id=grant.public_id)

    assert _ids(grantee.get(URL)) == [mine]
    assert grantee.get(URL, {"statementId": theirs}).status_code == 404


def test_a_grant_runs_one_way(city: City, granter: XapiClient, grantee: XapiClient) -> None:
    (mine,) = grantee.post(URL, statement()).json()
    _grant(city)
    assert _ids(granter.get(URL)) == []
    assert granter.get(URL, {"statementId": mine}).status_code == 404


def test_the_grantee_may_not_void_a_granted_statement(
    city: City, granter: XapiClient, grantee: XapiClient
) -> None:
    (target,) = granter.post(URL, statement()).json()
    _grant(city)
    voiding = {
        **statement(verb=VOIDED, obj={"objectType": "StatementRef", "id": target}),
        "id": new_id(),
    }
    alongside = {**statement(), "id": new_id()}

    with translation.override("en"):
        response = grantee.post(URL, [alongside, voiding], **{"Accept-Language": "en"})

    assert response.status_code == 403
    message = (
        f"Statement {target} is another provider's: a read grant lets you read it, and only "
        "that provider may void it."
    )
    assert response.json() == {
        "code": "permission_denied",
        "message": message,
        "fields": {"object": [message]},
    }
    # The whole batch is refused, and the target stays as it was.
    assert not Statement.objects.filter(statement_id__in=[voiding["id"], alongside["id"]]).exists()
    assert granter.get(URL, {"statementId": target}).status_code == 200
    assert grantee.get(URL, {"statementId": target}).status_code == 200


def test_a_provider_nobody_granted_voids_nothing_and_learns_nothing(
    city: City, granter: XapiClient, third: XapiClient
) -> None:
    # As before grants: another provider's statement is as good as absent, and xAPI says a
    # voiding statement whose target is absent is not refused.
    (target,) = granter.post(URL, statement()).json()
    _grant(city)
    voiding = statement(verb=VOIDED, obj={"objectType": "StatementRef", "id": target})

    assert third.post(URL, voiding).status_code == 200
    assert granter.get(URL, {"statementId": target}).status_code == 200


def test_the_grantee_may_not_overwrite_a_granted_statement(
    city: City, granter: XapiClient, grantee: XapiClient
) -> None:
    (target,) = granter.post(URL, statement()).json()
    _grant(city)
    before = Statement.objects.get(statement_id=target).body

    response = grantee.put(f"{URL}?statementId={target}", statement())

    assert response.status_code == 409
    row = Statement.objects.get(statement_id=target)
    assert (row.provider_id, row.body) == (city.b.college.pk, before)


def test_documents_stay_with_the_provider_that_wrote_them(city: City, grantee: XapiClient) -> None:
    issued = issue(city, city.b.college)
    course = activity_id()
    agent = {"mbox": "mailto:li.na@example.org"}
    services.document_write(
        credential=issued.credential,
        key=DocumentKey(
            kind=DocumentKind.STATE,
            activity_hash=canonical.activity_hash(course),
            agent_hash=canonical.agent_hash(agent),
            document_id="bookmark",
        ),
        content=b'{"page": 7}',
        content_type="application/json",
        merge=False,
    )
    _grant(city)
    params = {"activityId": course, "agent": json.dumps(agent), "stateId": "bookmark"}

    assert XapiClient(issued).get("/xapi/activities/state", params).status_code == 200
    assert grantee.get("/xapi/activities/state", params).status_code == 404


# The manage page --------------------------------------------------------------------------


def _client(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def test_the_granting_providers_staff_grant_and_revoke_on_the_page(city: City) -> None:
    client = _client(city.b.officer)
    page = f"/xapi/manage/{city.b.college.code}/"

    response = client.post(
        f"{page}grants", {"grantee": city.a.college.code, "reason": "Joint course"}
    )

    assert response.status_code == 302
    assert response["Location"] == page
    grant = ReadGrant.objects.get()
    assert (grant.provider, grant.grantee, grant.reason) == (
        city.b.college,
        city.a.college,
        "Joint course",
    )
    with translation.override("en"):
        shown = client.get(page, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Read grants you gave" in shown
    assert city.a.college.code in shown
    assert f"{page}grants/{grant.public_id}/revoke" in shown

    revoked = client.post(f"{page}grants/{grant.public_id}/revoke")

    assert revoked.status_code == 302
    grant.refresh_from_db()
    assert grant.revoked_at is not None


def test_the_grantee_sees_the_grant_it_received(city: City) -> None:
    _grant(city, reason="Joint course")
    with translation.override("en"):
        shown = (
            _client(city.a.officer)
            .get(f"/xapi/manage/{city.a.college.code}/", HTTP_ACCEPT_LANGUAGE="en")
            .content.decode()
        )
    received = shown.split("Read grants you received", 1)[1]
    assert city.b.college.code in received
    assert "Joint course" in received


def test_a_bad_code_on_the_page_is_told_on_its_field(city: City) -> None:
    client = _client(city.b.officer)
    with translation.override("en"):
        response = client.post(
            f"/xapi/manage/{city.b.college.code}/grants",
            {"grantee": city.b.college.code, "reason": ""},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert response.status_code == 400
    content = response.content.decode()
    assert "Please correct the fields below." in content
    assert 'href="#id_grantee"' in content
    assert "A provider reads its own statements already" in content
    assert ReadGrant.objects.count() == 0


def test_another_districts_staff_cannot_grant_or_revoke_on_the_page(city: City) -> None:
    grant = _grant(city)
    outsider = _client(city.a.officer)
    page = f"/xapi/manage/{city.b.college.code}/"

    assert outsider.post(f"{page}grants", {"grantee": city.a.college.code}).status_code == 404
    assert outsider.post(f"{page}grants/{grant.public_id}/revoke").status_code == 404
    # Named on the grantee's own page, the grant is no grant of that page.
    own_page = f"/xapi/manage/{city.a.college.code}/grants/{grant.public_id}/revoke"
    assert outsider.post(own_page).status_code == 404
    grant.refresh_from_db()
    assert grant.revoked_at is None
    assert ReadGrant.objects.count() == 1
