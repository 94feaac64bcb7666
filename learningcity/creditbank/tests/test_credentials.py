"""Credentials for what the credit bank verified: records, conversions, the transcript."""

from __future__ import annotations

import io
import json
import zipfile
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from learningcity.core.errors import Conflict
from learningcity.credentials import services as credentials
from learningcity.credentials.models import Credential
from learningcity.credentials.tests.factories import issue
from learningcity.creditbank import services
from learningcity.creditbank.choices import CreditCategory
from learningcity.creditbank.tests.factories import account_of, make_bank, make_resident, submit
from learningcity.learners.tests.factories import make_learner
from learningcity.network.tests.factories import City, make_user

pytestmark = pytest.mark.django_db


def test_a_verified_record_becomes_a_signed_open_badge(city: City) -> None:
    bank = make_bank(city)
    learner = make_resident(city)
    record = submit(bank, learner, score=Decimal("86"), title="书法入门")

    credential = services.record_credential_issue(actor=bank.assessor, record=record)

    document = json.loads(credential.document)
    subject = document["credentialSubject"]
    assert document["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert document["issuer"]["id"].endswith(f"/credentials/issuers/{city.a.college.code}")
    assert subject["id"] == f"urn:uuid:{learner.public_id}"
    assert subject["achievement"]["name"] == "书法入门"
    assert subject["achievement"]["achievementType"] == "Course"
    assert "认定" in subject["achievement"]["criteria"]["narrative"]
    assert subject["result"][0]["value"] == "86"
    assert subject["creditsEarned"] == 2
    assert credentials.credential_verify(document).valid


def test_issuing_a_record_twice_returns_the_first_credential(city: City) -> None:
    bank = make_bank(city)
    record = submit(bank, make_resident(city))

    first = services.record_credential_issue(actor=bank.assessor, record=record)
    again = services.record_credential_issue(actor=bank.assessor, record=record)

    assert again.pk == first.pk
    assert Credential.objects.count() == 1


def test_an_unverified_record_is_not_issued(city: City) -> None:
    bank = make_bank(city)
    record = submit(bank, make_resident(city), verify=False)

    with pytest.raises(Conflict):
        services.record_credential_issue(actor=bank.assessor, record=record)


def test_a_certificate_is_issued_as_a_certificate(city: City) -> None:
    bank = make_bank(city)
    record = submit(
        bank,
        make_resident(city),
        category=CreditCategory.VOCATIONAL,
        certificate_code="NCRE-1",
        certificate_number="N123",
        title="全国计算机等级考试一级",
    )

    credential = services.record_credential_issue(actor=bank.assessor, record=record)

    achievement = json.loads(credential.document)["credentialSubject"]["achievement"]
    assert achievement["achievementType"] == "Certificate"
    assert achievement["humanCode"] == "NCRE-1"
    assert "N123" in achievement["description"]


def test_the_transcript_is_a_signed_clr_with_every_record(city: City) -> None:
    bank = make_bank(city)
    learner = make_resident(city)
    submit(bank, learner, title="书法入门")
    submit(bank, learner, title="钢琴")

    clr = services.transcript_credential_issue(
        actor=bank.assessor, account=account_of(learner), issuer_code=bank.center.code
    )

    document = json.loads(clr.document)
    assert document["type"] == ["VerifiableCredential", "ClrCredential"]
    names = {c["name"] for c in document["credentialSubject"]["verifiableCredential"]}
    assert names == {"书法入门", "钢琴"}
    assert credentials.credential_verify(document).valid


def test_an_approved_conversion_is_issued_by_the_awarding_institution(city: City) -> None:
    bank = make_bank(city)
    learner = make_resident(city)
    submit(
        bank,
        learner,
        category=CreditCategory.VOCATIONAL,
        certificate_code="NCRE-1",
        title="计算机一级",
    )
    application = services.conversion_apply(
        actor=learner.user, account=account_of(learner), program_code=bank.program.code
    )
    application = services.conversion_decide(
        actor=bank.assessor, public_id=application.public_id, approve=True, reason="ok"
    )

    credential = services.conversion_credential_issue(actor=bank.assessor, application=application)

    document = json.loads(credential.document)
    assert document["issuer"]["id"].endswith(f"/issuers/{bank.center.code}")
    assert "GEN101" in document["credentialSubject"]["achievement"]["description"]
    assert credentials.credential_verify(document).valid


# The wallet: the signed-in resident's credentials --------------------------------------------


def resident(city: City) -> tuple[Any, Client]:
    user = make_user(password="a-long-test-passphrase")
    learner = make_learner(actor=city.root, area=city.a.neighbourhood, name="王秀英", user=user)
    client = Client()
    client.force_login(user)
    return learner, client


def test_the_wallet_lists_only_the_residents_own_credentials(city: City) -> None:
    learner, client = resident(city)
    mine = issue(city, learner_public_id=str(learner.public_id))
    issue(city)

    page = client.get("/credentials/wallet/")

    assert [c.pk for c in page.context["credentials"]] == [mine.pk]


def test_a_share_link_works_until_withdrawn(city: City) -> None:
    learner, client = resident(city)
    mine = issue(city, learner_public_id=str(learner.public_id))

    made = client.post("/credentials/wallet/", {"credential": str(mine.public_id), "days": 7})
    link = made.context["new_link"]
    shown = Client().get(link)
    share = mine.shares.get()
    client.post(f"/credentials/wallet/links/{share.public_id}/withdraw")
    gone = Client().get(link)

    assert shown.status_code == 200
    assert gone.status_code == 404


def test_a_resident_cannot_share_someone_elses_credential(city: City) -> None:
    _learner, client = resident(city)
    theirs = issue(city)

    answer = client.post("/credentials/wallet/", {"credential": str(theirs.public_id), "days": 7})

    assert answer.status_code == 404
    assert not theirs.shares.exists()


def test_the_export_zip_holds_credentials_and_documents(city: City) -> None:
    learner, client = resident(city)
    mine = issue(city, learner_public_id=str(learner.public_id))

    answer = client.get("/credentials/wallet/export.zip")

    names = zipfile.ZipFile(io.BytesIO(answer.content)).namelist()
    assert f"{mine.public_id}.json" in names
    assert len([n for n in names if n.startswith("docs/")]) == 2
    docs = [
        json.loads(zipfile.ZipFile(io.BytesIO(answer.content)).read(n))
        for n in names
        if n.startswith("docs/")
    ]
    assert all("id" in d for d in docs)


def test_revoking_a_records_credential(city: City) -> None:
    bank = make_bank(city)
    record = submit(bank, make_resident(city))
    credential = services.record_credential_issue(actor=bank.assessor, record=record)

    services.record_credential_revoke(actor=bank.assessor, record=record, reason="record revoked")

    assert credentials.credential_verify(json.loads(credential.document)).reasons == ("revoked",)
    assert (
        services.record_credential_revoke(actor=bank.assessor, record=record, reason="again")
        is None
    )


def _run_worker() -> None:
    call_command(
        "db_worker", "--batch", "--no-startup-delay", stdout=io.StringIO(), stderr=io.StringIO()
    )


@pytest.mark.django_db(transaction=True)
def test_verification_signs_the_credential_in_the_background(city: City) -> None:
    bank = make_bank(city)
    learner = make_resident(city)
    record = submit(bank, learner, hours=Decimal("30"))
    nothing = submit(bank, learner, attendance_rate=Decimal("50"))  # no credits: no badge
    assert not Credential.objects.exists()  # the decision did not wait for the signature

    _run_worker()

    credential = Credential.objects.get()
    assert credential.source == f"creditbank.record:{record.public_id}"
    assert credentials.credential_verify(json.loads(credential.document)).valid
    assert nothing.credits == 0


def test_revoking_a_record_revokes_its_credential(city: City) -> None:
    bank = make_bank(city)
    record = submit(bank, make_resident(city))
    credential = services.record_credential_issue(actor=bank.assessor, record=record)

    services.record_revoke(actor=bank.assessor, public_id=record.public_id, reason="forged")

    credential.refresh_from_db()
    assert credential.revoked_at is not None
    result = credentials.credential_verify(json.loads(credential.document))
    assert not result.valid and "revoked" in result.reasons


def test_a_resident_cannot_withdraw_someone_elses_link(city: City) -> None:
    learner, owner = resident(city)
    mine = issue(city, learner_public_id=str(learner.public_id))
    made = owner.post("/credentials/wallet/", {"credential": str(mine.public_id), "days": 7})
    share = mine.shares.get()
    _other, stranger = resident(city)

    answer = stranger.post(f"/credentials/wallet/links/{share.public_id}/withdraw")

    assert answer.status_code == 404
    share.refresh_from_db()
    assert share.revoked_at is None
    assert Client().get(made.context["new_link"]).status_code == 200
