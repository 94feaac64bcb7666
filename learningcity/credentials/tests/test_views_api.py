"""Public pages and endpoints: verify by paste, upload and link; the documents a verifier
needs; revocation over the API. The wallet needs a learner: see
creditbank/tests/test_credentials.py."""

from __future__ import annotations

import io

import pytest
from django.test import Client

from learningcity.credentials import selectors, services
from learningcity.credentials.tests.factories import issue
from learningcity.network.tests.factories import City

pytestmark = pytest.mark.django_db


def test_the_api_verifies_a_posted_credential(city: City, client: Client) -> None:
    credential = issue(city)

    answer = client.post(
        "/api/v1/credentials/verify", credential.document, content_type="application/json"
    )

    assert answer.status_code == 200
    body = answer.json()
    assert body["valid"] is True
    assert body["reasons"] == []
    assert body["subject_name"] == "王秀英"


def test_the_api_reports_reasons(city: City, client: Client) -> None:
    credential = issue(city)
    services.credential_revoke(actor=city.root, public_id=credential.public_id, reason="x")

    body = client.post(
        "/api/v1/credentials/verify", credential.document, content_type="application/json"
    ).json()

    assert body["valid"] is False
    assert body["reasons"] == ["revoked"]


def test_the_api_serves_credential_issuer_and_status_list(city: City, client: Client) -> None:
    credential = issue(city)
    code = city.a.college.code

    fetched = client.get(f"/api/v1/credentials/{credential.public_id}")
    controller = client.get(f"/api/v1/credentials/issuers/{code}")
    listing = client.get(f"/api/v1/credentials/status/{code}/1")

    assert fetched.content.decode() == credential.document
    assert controller.json()["id"] == selectors.issuer_url(code)
    assert listing.json()["type"][1] == "BitstringStatusListCredential"
    assert client.get("/api/v1/credentials/issuers/NOPE").status_code == 404


def test_the_stable_urls_serve_the_documents(city: City, client: Client) -> None:
    issue(city)
    code = city.a.college.code

    assert client.get(f"/credentials/issuers/{code}").json()["id"] == selectors.issuer_url(code)
    assert client.get(f"/credentials/status/{code}/1").status_code == 200
    assert client.get(f"/credentials/status/{code}/2").status_code == 404


def test_revoking_over_the_api_needs_the_issuer_scope(city: City) -> None:
    credential = issue(city)
    outsider, insider = Client(), Client()
    outsider.force_login(city.b.officer)
    insider.force_login(city.root)
    url = f"/api/v1/credentials/{credential.public_id}/revoke"

    refused = outsider.post(url, {"reason": "x"}, content_type="application/json")
    done = insider.post(url, {"reason": "issued in error"}, content_type="application/json")

    assert refused.status_code == 404
    assert done.status_code == 200
    assert done.json()["reason"] == "issued in error"


def test_the_verify_page_takes_a_paste_and_a_file(city: City, client: Client) -> None:
    credential = issue(city)

    pasted = client.post("/credentials/verify/", {"document": credential.document})
    upload = io.BytesIO(credential.document.encode())
    upload.name = "c.json"
    uploaded = client.post("/credentials/verify/", {"file": upload})
    empty = client.post("/credentials/verify/", {"document": ""})
    garbage = client.post("/credentials/verify/", {"document": "{not json"})

    assert pasted.status_code == 200
    assert pasted.context["result"].valid
    assert uploaded.context["result"].valid
    assert empty.status_code == 400
    assert garbage.status_code == 400


def test_the_verify_page_refuses_a_file_too_big_or_not_text(city: City, client: Client) -> None:
    big = io.BytesIO(b"{" + b" " * (2 * 1024 * 1024) + b"}")
    big.name = "big.json"
    binary = io.BytesIO(b"\xff\xd8\xff\xe0 not json at all")
    binary.name = "photo.json"

    too_big = client.post("/credentials/verify/", {"file": big}, HTTP_ACCEPT_LANGUAGE="en")
    not_text = client.post("/credentials/verify/", {"file": binary}, HTTP_ACCEPT_LANGUAGE="en")

    assert too_big.status_code == 400
    assert too_big.context["form"].errors["file"] == ["The file is larger than 2 MB."]
    assert not_text.status_code == 400
    assert not_text.context["form"].errors["file"] == ["The file is not a JSON text file."]


def test_the_link_page_verifies_the_stored_credential(city: City, client: Client) -> None:
    credential = issue(city)

    page = client.get(f"/credentials/{credential.public_id}/")
    qr = client.get(f"/credentials/{credential.public_id}/qr.svg")
    download = client.get(f"/credentials/{credential.public_id}/credential.json")

    assert page.status_code == 200
    assert page.context["result"].valid
    assert qr["Content-Type"] == "image/svg+xml"
    assert download.content.decode() == credential.document
    assert client.get("/credentials/00000000-0000-4000-8000-000000000000/").status_code == 404


def test_the_wallet_needs_a_login(client: Client) -> None:
    assert client.get("/credentials/wallet/").status_code == 302
