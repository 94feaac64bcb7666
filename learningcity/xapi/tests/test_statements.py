"""The statements resource and the protocol around it (xAPI 1.0.3 Part Three)."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from typing import Any
from urllib.parse import urlencode

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from django.test import Client
from django.utils import translation

from learningcity.network.tests.factories import City
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


@pytest.fixture
def lrs(city: City) -> XapiClient:
    return XapiClient(issue(city))


def test_post_returns_ids_and_get_returns_the_statement_with_lrs_properties(
    lrs: XapiClient,
) -> None:
    sent = statement()
    response = lrs.post(URL, sent)
    assert response.status_code == 200
    (statement_id,) = response.json()
    stored = lrs.get(URL, {"statementId": statement_id})
    assert stored.status_code == 200
    body = stored.json()
    assert body["id"] == statement_id
    assert body["actor"] == sent["actor"]
    assert body["version"] == "1.0.0"
    assert body["authority"]["account"]["name"] == "310101-CC"
    assert body["timestamp"] == body["stored"]
    assert stored["X-Experience-API-Version"] == "1.0.3"
    assert "X-Experience-API-Consistent-Through" in stored
    assert "Last-Modified" in stored


def test_put_stores_under_the_given_id_and_the_same_again_is_a_no_op(lrs: XapiClient) -> None:
    statement_id = new_id()
    sent = statement(timestamp="2026-03-15T10:00:00+08:00")
    assert lrs.put(f"{URL}?statementId={statement_id}", sent).status_code == 204
    again = {**sent, "timestamp": "2026-03-15T02:00:00Z"}  # the same instant, other format
    assert lrs.put(f"{URL}?statementId={statement_id}", again).status_code == 204


def test_a_different_statement_under_a_stored_id_is_a_conflict(lrs: XapiClient) -> None:
    statement_id = new_id()
    assert lrs.put(f"{URL}?statementId={statement_id}", statement()).status_code == 204
    response = lrs.post(URL, [{**statement(), "id": statement_id}])
    assert response.status_code == 409
    assert response.json()["code"] == "statement_conflict"


def test_a_batch_with_an_invalid_statement_stores_nothing(lrs: XapiClient) -> None:
    good = {**statement(), "id": new_id()}
    bad = statement(verb="not an iri")
    with translation.override("en"):
        response = lrs.post(URL, [good, bad], **{"Accept-Language": "en"})
    assert response.status_code == 400
    assert lrs.get(URL, {"statementId": good["id"]}).status_code == 404


def test_a_batch_with_one_id_twice_is_refused(lrs: XapiClient) -> None:
    same = new_id()
    response = lrs.post(URL, [{**statement(), "id": same}, {**statement(), "id": same}])
    assert response.status_code == 400


def test_put_without_statement_id_or_with_another_id_is_refused(lrs: XapiClient) -> None:
    assert lrs.put(URL, statement()).status_code == 400
    response = lrs.put(f"{URL}?statementId={new_id()}", {**statement(), "id": new_id()})
    assert response.status_code == 400


def test_voiding_hides_the_statement_and_voided_statement_id_finds_it(lrs: XapiClient) -> None:
    (target,) = lrs.post(URL, statement()).json()
    voiding = statement(verb=VOIDED, obj={"objectType": "StatementRef", "id": target})
    assert lrs.post(URL, voiding).status_code == 200
    assert lrs.get(URL, {"statementId": target}).status_code == 404
    assert lrs.get(URL, {"voidedStatementId": target}).json()["id"] == target
    ids = [s["id"] for s in lrs.get(URL).json()["statements"]]
    assert target not in ids


def test_a_statement_voided_before_it_arrives_is_stored_voided(lrs: XapiClient) -> None:
    target = new_id()
    lrs.post(URL, statement(verb=VOIDED, obj={"objectType": "StatementRef", "id": target}))
    lrs.put(f"{URL}?statementId={target}", statement())
    assert lrs.get(URL, {"statementId": target}).status_code == 404
    assert lrs.get(URL, {"voidedStatementId": target}).status_code == 200


def test_a_voiding_statement_cannot_be_voided(lrs: XapiClient) -> None:
    (target,) = lrs.post(URL, statement()).json()
    (voiding,) = lrs.post(
        URL, statement(verb=VOIDED, obj={"objectType": "StatementRef", "id": target})
    ).json()
    lrs.post(URL, statement(verb=VOIDED, obj={"objectType": "StatementRef", "id": voiding}))
    assert lrs.get(URL, {"statementId": voiding}).status_code == 200


def _ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [s["id"] for s in response.json()["statements"]]


def test_filters_agent_verb_activity_registration(lrs: XapiClient) -> None:
    me = {"mbox": "mailto:me@example.org"}
    course = activity_id()
    registration = str(uuid.uuid4())
    mine = lrs.post(
        URL,
        [
            statement(actor=me, obj={"id": course}),
            statement(actor=me, verb=EXPERIENCED, context={"registration": registration}),
            statement(obj={"id": course}),
        ],
    ).json()
    assert set(_ids(lrs.get(URL, {"agent": json.dumps(me)}))) == set(mine[:2])
    assert _ids(lrs.get(URL, {"agent": json.dumps(me), "verb": EXPERIENCED})) == [mine[1]]
    assert set(_ids(lrs.get(URL, {"activity": course}))) == {mine[0], mine[2]}
    assert _ids(lrs.get(URL, {"registration": registration})) == [mine[1]]


def test_related_activities_and_agents(lrs: XapiClient) -> None:
    parent = activity_id()
    teacher = {"mbox": "mailto:teacher@example.org"}
    (child,) = lrs.post(
        URL,
        statement(
            context={"contextActivities": {"parent": [{"id": parent}]}, "instructor": teacher}
        ),
    ).json()
    assert _ids(lrs.get(URL, {"activity": parent})) == []
    assert _ids(lrs.get(URL, {"activity": parent, "related_activities": "true"})) == [child]
    assert _ids(lrs.get(URL, {"agent": json.dumps(teacher)})) == []
    assert _ids(lrs.get(URL, {"agent": json.dumps(teacher), "related_agents": "true"})) == [child]


def test_since_until_ascending_and_more_paging(lrs: XapiClient) -> None:
    sent = [lrs.post(URL, statement()).json()[0] for _ in range(5)]
    first = lrs.get(URL, {"limit": 2})
    body = first.json()
    assert [s["id"] for s in body["statements"]] == [sent[4], sent[3]]
    second = lrs.get(body["more"]).json()
    assert [s["id"] for s in second["statements"]] == [sent[2], sent[1]]
    third = lrs.get(second["more"]).json()
    assert [s["id"] for s in third["statements"]] == [sent[0]]
    assert third["more"] == ""
    assert _ids(lrs.get(URL, {"ascending": "true", "limit": 2})) == sent[:2]
    stored = lrs.get(URL, {"statementId": sent[2]}).json()["stored"]
    assert _ids(lrs.get(URL, {"since": stored, "ascending": "true"})) == sent[3:]
    assert _ids(lrs.get(URL, {"until": stored, "ascending": "true"})) == sent[:3]


def test_formats_ids_and_canonical(lrs: XapiClient) -> None:
    sent = statement(
        actor={"mbox": "mailto:fmt@example.org", "name": "Format"},
        obj={
            "id": activity_id(),
            "definition": {"name": {"en-US": "Calligraphy", "zh-Hans": "书法"}},
        },
    )
    (statement_id,) = lrs.post(URL, sent).json()
    ids = lrs.get(URL, {"statementId": statement_id, "format": "ids"}).json()
    assert ids["actor"] == {"mbox": "mailto:fmt@example.org"}
    assert ids["object"] == {"objectType": "Activity", "id": sent["object"]["id"]}
    canon = lrs.get(
        URL, {"statementId": statement_id, "format": "canonical"}, **{"Accept-Language": "zh-Hans"}
    ).json()
    assert canon["object"]["definition"]["name"] == {"zh-Hans": "书法"}


def test_unknown_parameter_and_bad_values_are_400(lrs: XapiClient) -> None:
    assert lrs.get(URL, {"colour": "red"}).status_code == 400
    assert lrs.get(URL, {"limit": "-1"}).status_code == 400
    assert lrs.get(URL, {"since": "yesterday"}).status_code == 400
    assert lrs.get(URL, {"agent": "{}"}).status_code == 400
    both = {"statementId": new_id(), "voidedStatementId": new_id()}
    assert lrs.get(URL, both).status_code == 400
    assert lrs.get(URL, {"statementId": new_id(), "verb": EXPERIENCED}).status_code == 400


def test_version_header_is_required_and_checked(city: City) -> None:
    issued = issue(city)
    assert XapiClient(issued, version="0.95").get(URL).status_code == 400
    client = XapiClient(issued)
    del client.headers["X-Experience-API-Version"]
    assert client.get(URL).status_code == 400


def test_a_caller_without_credentials_is_refused_before_the_request_is_judged(
    city: City,
) -> None:
    # No credential and no version header: 401, not the 400 a provider would hear; a staff
    # member's browser session is no credential either.
    assert Client().get(URL).status_code == 401
    client = Client()
    client.force_login(city.a.school_admin)
    assert client.get(URL, headers={"X-Experience-API-Version": "1.0.3"}).status_code == 401
    assert client.post(URL, {"content": "x"}).status_code == 401


def test_missing_wrong_and_revoked_credentials_are_401(city: City) -> None:
    assert Client().get(URL, headers={"X-Experience-API-Version": "1.0.3"}).status_code == 401
    issued = issue(city)
    wrong = XapiClient(issued)
    wrong.headers["Authorization"] = "Basic " + base64.b64encode(b"lcx_nope:nope").decode()
    response = wrong.get(URL)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Basic realm="xAPI"'
    from learningcity.xapi import services

    services.credential_revoke(actor=city.root, public_id=issued.credential.public_id)
    assert XapiClient(issued).get(URL).status_code == 401


def test_a_provider_reads_only_its_own_statements(city: City) -> None:
    mine, theirs = XapiClient(issue(city)), XapiClient(issue(city, city.b.college))
    (statement_id,) = mine.post(URL, statement()).json()
    assert theirs.get(URL, {"statementId": statement_id}).status_code == 404
    assert _ids(theirs.get(URL)) == []
    assert _ids(mine.get(URL)) == [statement_id]


def test_alternate_request_syntax(city: City) -> None:
    issued = issue(city)
    token = base64.b64encode(f"{issued.key}:{issued.secret}".encode()).decode()
    statement_id = new_id()
    form = "application/x-www-form-urlencoded"
    response = Client().post(
        f"{URL}?method=PUT",
        urlencode(
            {
                "Authorization": f"Basic {token}",
                "X-Experience-API-Version": "1.0.3",
                "Content-Type": "application/json",
                "statementId": statement_id,
                "content": json.dumps(statement()),
            }
        ),
        content_type=form,
    )
    assert response.status_code == 204
    got = Client().post(
        f"{URL}?method=GET",
        urlencode(
            {
                "Authorization": f"Basic {token}",
                "X-Experience-API-Version": "1.0.3",
                "statementId": statement_id,
            }
        ),
        content_type=form,
    )
    assert got.json()["id"] == statement_id
    extra = Client().post(f"{URL}?method=GET&statementId={statement_id}", "", content_type=form)
    assert extra.status_code == 400


def test_head_answers_headers_without_a_body(lrs: XapiClient) -> None:
    lrs.post(URL, statement())
    response = lrs.head(URL)
    assert response.status_code == 200
    assert response.content == b""
    assert int(response["Content-Length"]) > 0


def test_about_needs_no_credentials() -> None:
    response = Client().get("/xapi/about")
    assert response.status_code == 200
    assert "1.0.3" in response.json()["version"]


def _multipart(statements: Any, parts: list[tuple[str, bytes]]) -> tuple[bytes, str]:
    boundary = "abcABC0123"
    chunks = [
        f"--{boundary}\r\nContent-Type: application/json\r\n\r\n".encode(),
        json.dumps(statements).encode(),
        b"\r\n",
    ]
    for content_type, content in parts:
        sha2 = hashlib.sha256(content).hexdigest()
        chunks.append(
            f"--{boundary}\r\nContent-Type: {content_type}\r\nContent-Transfer-Encoding: binary\r\n"
            f"X-Experience-API-Hash: {sha2}\r\n\r\n".encode()
        )
        chunks += [content, b"\r\n"]
    chunks.append(f"--{boundary}--".encode())
    return b"".join(chunks), f"multipart/mixed; boundary={boundary}"


def _attachment(
    content: bytes,
    usage: str = "https://example.org/usage/certificate",
    content_type: str = "text/plain",
) -> dict[str, Any]:
    return {
        "usageType": usage,
        "display": {"en": "certificate"},
        "contentType": content_type,
        "length": len(content),
        "sha2": hashlib.sha256(content).hexdigest(),
    }


def test_attachments_are_stored_by_hash_and_returned_as_multipart(lrs: XapiClient) -> None:
    content = "证书 certificate".encode()
    sent = statement(attachments=[_attachment(content)])
    body, content_type = _multipart(sent, [("text/plain", content)])
    response = lrs.post(URL, body, content_type=content_type)
    assert response.status_code == 200, response.content
    (statement_id,) = response.json()
    plain = lrs.get(URL, {"statementId": statement_id})
    assert plain["Content-Type"] == "application/json"
    mixed = lrs.get(URL, {"statementId": statement_id, "attachments": "true"})
    assert mixed["Content-Type"].startswith("multipart/mixed; boundary=")
    assert content in mixed.content
    assert hashlib.sha256(content).hexdigest().encode() in mixed.content


def test_an_attachment_without_its_part_or_a_part_without_its_attachment_is_400(
    lrs: XapiClient,
) -> None:
    content = b"certificate"
    alone = statement(attachments=[_attachment(content)])
    assert lrs.post(URL, alone).status_code == 400
    body, content_type = _multipart(statement(), [("text/plain", content)])
    assert lrs.post(URL, body, content_type=content_type).status_code == 400


def _signed(
    statement_value: dict[str, Any], *, tamper: bool = False
) -> tuple[dict[str, Any], bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "lms.example.org")])
    import datetime as dt

    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    header = {
        "alg": "RS256",
        "x5c": [base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()],
    }
    payload = dict(statement_value)
    if tamper:
        payload["verb"] = {"id": "http://example.org/verbs/other"}

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}"
    signature = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    jws = f"{signing_input}.{b64(signature)}".encode()
    signed = {
        **statement_value,
        "attachments": [
            _attachment(
                jws, "http://adlnet.gov/expapi/attachments/signature", "application/octet-stream"
            )
        ],
    }
    return signed, jws


def test_a_signed_statement_is_accepted_and_a_tampered_one_refused(lrs: XapiClient) -> None:
    base = {**statement(), "id": new_id()}
    signed, jws = _signed(base)
    body, content_type = _multipart(signed, [("application/octet-stream", jws)])
    assert lrs.post(URL, body, content_type=content_type).status_code == 200
    other = {**statement(), "id": new_id()}
    tampered, bad_jws = _signed(other, tamper=True)
    body, content_type = _multipart(tampered, [("application/octet-stream", bad_jws)])
    response = lrs.post(URL, body, content_type=content_type)
    assert response.status_code == 400
    assert response.json()["code"] == "bad_signature"


def test_activities_and_agents_resources(lrs: XapiClient) -> None:
    course = activity_id()
    lrs.post(URL, statement(obj={"id": course, "definition": {"name": {"en": "Piano"}}}))
    activity = lrs.get("/xapi/activities", {"activityId": course}).json()
    assert activity == {
        "objectType": "Activity",
        "id": course,
        "definition": {"name": {"en": "Piano"}},
    }
    agent = {"mbox": "mailto:p@example.org", "name": "P"}
    person = lrs.get("/xapi/agents", {"agent": json.dumps(agent)}).json()
    assert person == {"objectType": "Person", "name": ["P"], "mbox": ["mailto:p@example.org"]}
    assert lrs.get("/xapi/activities").status_code == 400


def test_listing_statements_takes_a_fixed_number_of_queries(
    lrs: XapiClient, django_assert_max_num_queries: Any
) -> None:
    lrs.post(URL, [statement() for _ in range(30)])
    with django_assert_max_num_queries(3):  # the credential, its read grants, the page
        response = lrs.get(URL, {"limit": 20})
    assert len(response.json()["statements"]) == 20


def test_related_references_belong_to_their_own_statement_in_a_batch(lrs: XapiClient) -> None:
    parents = [activity_id(), activity_id(), activity_id()]
    ids = lrs.post(
        URL,
        [statement(context={"contextActivities": {"grouping": [{"id": p}]}}) for p in parents],
    ).json()
    for parent, statement_id in zip(parents, ids, strict=True):
        found = _ids(lrs.get(URL, {"activity": parent, "related_activities": "true"}))
        assert found == [statement_id]


def test_the_same_statement_without_timestamp_sent_again_is_a_no_op(lrs: XapiClient) -> None:
    statement_id = new_id()
    sent = statement()
    assert lrs.put(f"{URL}?statementId={statement_id}", sent).status_code == 204
    assert lrs.post(URL, [{**sent, "id": statement_id}]).status_code == 200


def test_related_agents_matches_the_authority(lrs: XapiClient) -> None:
    (statement_id,) = lrs.post(URL, statement()).json()
    authority = lrs.get(URL, {"statementId": statement_id}).json()["authority"]
    agent = json.dumps(authority)
    assert _ids(lrs.get(URL, {"agent": agent})) == []
    assert _ids(lrs.get(URL, {"agent": agent, "related_agents": "true"})) == [statement_id]


def test_attachments_true_always_answers_multipart(lrs: XapiClient) -> None:
    (statement_id,) = lrs.post(URL, statement()).json()
    response = lrs.get(URL, {"statementId": statement_id, "attachments": "true"})
    assert response["Content-Type"].startswith("multipart/mixed; boundary=")
    assert statement_id.encode() in response.content


def test_a_provider_over_its_rate_is_told_to_wait(
    city: City, settings: Any, lrs: XapiClient
) -> None:
    settings.XAPI_REQUESTS_PER_MINUTE = 3
    other = XapiClient(issue(city, city.b.college))

    answers = [lrs.get(URL).status_code for _ in range(3)]
    over = lrs.client.get(URL, headers={**lrs.headers, "Accept-Language": "en"})
    elsewhere = other.get(URL)

    assert answers == [200, 200, 200]
    assert over.status_code == 429
    assert int(over["Retry-After"]) >= 1
    assert over["X-Experience-API-Version"] == "1.0.3"
    assert over.json()["message"].startswith("Too many requests")
    assert elsewhere.status_code == 200  # another provider counts apart


def test_an_attachment_larger_than_djangos_own_limit_is_stored(
    lrs: XapiClient, settings: Any
) -> None:
    # Given Django's limit for other requests well below the LRS's own
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    settings.XAPI_MAX_BODY_BYTES = 100_000
    content = b"%PDF scanned certificate " * 1_000  # 25,000 bytes
    sent = statement(attachments=[_attachment(content, content_type="application/pdf")])
    body, content_type = _multipart(sent, [("application/pdf", content)])
    # When a provider sends it
    response = lrs.post(URL, body, content_type=content_type)
    # Then it is stored, and comes back whole
    assert response.status_code == 200, response.content
    (statement_id,) = response.json()
    mixed = lrs.get(URL, {"statementId": statement_id, "attachments": "true"})
    assert content in mixed.content


def test_a_body_over_the_lrs_limit_is_413_with_the_version_header(
    lrs: XapiClient, settings: Any
) -> None:
    settings.XAPI_MAX_BODY_BYTES = 1024 * 1024
    content = b"x" * (1024 * 1024)
    sent = statement(id=new_id(), attachments=[_attachment(content)])
    body, content_type = _multipart(sent, [("text/plain", content)])
    with translation.override("en"):
        response = lrs.post(URL, body, content_type=content_type, **{"Accept-Language": "en"})
    assert response.status_code == 413
    assert response["X-Experience-API-Version"] == "1.0.3"
    assert response.json()["code"] == "too_large"
    assert response.json()["fields"]["content"] == [
        "The request is larger than 1 MB. Send fewer statements or smaller attachments at a time."
    ]
    assert lrs.get(URL, {"statementId": sent["id"]}).status_code == 404


def test_an_alternate_syntax_form_over_djangos_limit_is_413_with_the_version_header(
    lrs: XapiClient, settings: Any
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    sent = statement(id=new_id(), result={"response": "y" * 20_000})
    form = {
        "Authorization": lrs.headers["Authorization"],
        "X-Experience-API-Version": "1.0.3",
        "Content-Type": "application/json",
        "content": json.dumps(sent),
    }
    response = Client().post(
        f"{URL}?method=POST",
        urlencode(form),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 413
    assert response["X-Experience-API-Version"] == "1.0.3"
    assert response.json()["code"] == "too_large"
    assert lrs.get(URL, {"statementId": sent["id"]}).status_code == 404
