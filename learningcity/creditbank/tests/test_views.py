"""The credit bank pages: the right person gets the page, anyone else 'not found'; every change
goes through one service; bad input is a message on the page with a 4xx, and changes
nothing."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import zlib
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation

from learningcity.core import clock
from learningcity.creditbank import services
from learningcity.creditbank.choices import (
    ClaimStatus,
    ConversionStatus,
    CreditCategory,
    RecordStatus,
)
from learningcity.creditbank.models import (
    Account,
    ConversionApplication,
    LearningRecord,
    PriorLearningClaim,
    RecognitionStandard,
    TranscriptShare,
)
from learningcity.creditbank.tests.factories import (
    Bank,
    account_of,
    make_bank,
    make_resident,
    submit,
)
from learningcity.learners.models import Learner
from learningcity.learners.tests.factories import make_learner
from learningcity.network.choices import StaffRoleKind
from learningcity.network.tests.factories import City, make_staff

pytestmark = pytest.mark.django_db

DEGREE: dict[str, Any] = {
    "category": CreditCategory.DEGREE,
    "score": Decimal("75"),
    "hours": Decimal("45"),
}


@pytest.fixture
def bank(city: City) -> Bank:
    return make_bank(city)


@pytest.fixture
def en(client: Client) -> Client:
    client.cookies["lc_language"] = "en"
    return client


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def as_user(client: Client, user: Any) -> Client:
    client.force_login(user)
    return client


def as_resident(client: Client, learner: Learner) -> Client:
    assert learner.user is not None
    return as_user(client, learner.user)


def text(response: Any) -> str:
    return response.content.decode()


def url(name: str, *args: Any) -> str:
    return reverse(f"creditbank:{name}", args=args)


def with_degree_records(bank: Bank, learner: Learner) -> None:
    """ADM101 in the program; ADM102 elsewhere (transfer); NCRE-1 (equivalence); a leisure
    class named like a program course (never converts)."""
    submit(bank, learner, provider=bank.center, course_code="ADM101", title="管理学基础", **DEGREE)
    submit(bank, learner, course_code="ADM102", title="公共政策（区社区学院）", **DEGREE)
    submit(
        bank,
        learner,
        category=CreditCategory.VOCATIONAL,
        certificate_code="NCRE-1",
        title="计算机等级考试一级",
        hours=0,
    )
    submit(bank, learner, course_code="GEN102", title="大学语文兴趣班")


def pdf_text(pdf: bytes) -> str:
    """The text drawn in a reportlab PDF: inflate the page streams, decode the strings."""
    chunks = []
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", pdf, flags=re.S):
        try:
            chunks.append(zlib.decompress(base64.a85decode(stream.strip().removesuffix(b"~>"))))
        except (ValueError, zlib.error):
            chunks.append(stream)
    found = []
    for chunk in chunks:
        for raw in re.findall(rb"\(((?:\\.|[^\\)])*)\)\s*Tj", chunk, flags=re.S):
            data = re.sub(
                rb"\\([0-7]{1,3}|.)",
                lambda m: bytes([int(m[1], 8)]) if m[1][:1].isdigit() else m[1],
                raw,
            )
            found.append(data.decode("utf-16-be", errors="ignore"))
            found.append(data.decode("latin-1"))
    return "\n".join(found)


# The learner's own bank -------------------------------------------------------------------------


def test_home_shows_balance_records_and_why_a_record_earned_nothing(en: Client, bank: Bank) -> None:
    learner = make_resident(bank.city)
    submit(bank, learner, hours=Decimal("45"), title="Calligraphy")
    submit(bank, learner, attendance_rate=Decimal("70"), title="Tai chi")

    response = as_resident(en, learner).get(url("home"))

    assert response.status_code == 200
    html = text(response)
    assert account_of(learner).number in html
    assert "Calligraphy" in html and "Tai chi" in html
    assert "Attendance was below what the standard needs" in html
    assert f"by standard {bank.leisure.code} v1" in html
    assert '<span class="figure">3.0</span> credits in all' in html


def zh(message: str) -> str:
    """The Chinese of a message, as the catalog has it (the English until it is translated)."""
    with translation.override("zh-hans"):
        return translation.gettext(message)


def test_home_in_chinese_by_default(client: Client, bank: Bank) -> None:
    learner = make_resident(bank.city)
    submit(bank, learner, attendance_rate=Decimal("70"))
    html = text(as_resident(client, learner).get(url("home")))
    assert '<html lang="zh-Hans">' in html
    assert f"<h1>{zh('My credit bank')}</h1>" in html
    reason = "Attendance was below what the standard needs, so no credits were given."
    assert zh(reason) in html


def test_a_resident_without_an_account_may_open_one(en: Client, bank: Bank) -> None:
    learner = make_resident(bank.city)
    page = as_resident(en, learner).get(url("home"))
    assert "Open my credit bank account" in text(page)
    assert not Account.objects.filter(learner=learner).exists()

    response = en.post(url("open"))

    assert response.status_code == 302
    assert Account.objects.filter(learner=learner).count() == 1


def test_staff_without_a_resident_record_are_told_kindly(en: Client, bank: Bank) -> None:
    response = as_user(en, bank.city.a.school_admin).get(url("home"))
    assert response.status_code == 403
    assert "This page is for residents" in text(response)


def test_pages_ask_a_visitor_to_log_in(client: Client, bank: Bank) -> None:
    for name in ("home", "programs", "claims", "shares", "transcript", "staff_home", "review"):
        response = client.get(url(name))
        assert response.status_code == 302, name
        assert "/accounts/login/" in response["Location"]


def test_degree_audit_says_what_counts_what_is_missing_and_what_converts(
    en: Client, bank: Bank
) -> None:
    learner = make_resident(bank.city)
    with_degree_records(bank, learner)

    response = as_resident(en, learner).get(url("audit", bank.program.code))

    assert response.status_code == 200
    html = text(response)
    assert "3.0 of 12.0 credits count toward this programme." in html
    assert "Still missing: 9.0 credits." in html
    row = re.search(r'<tr id="course-ADM101">(.*?)</tr>', html, re.S)
    assert row and "Passed in the programme" in row[1]
    row = re.search(r'<tr id="course-GEN101">(.*?)</tr>', html, re.S)
    assert row and "the certificate NCRE-1" in row[1]
    row = re.search(r'<tr id="course-GEN102">(.*?)</tr>', html, re.S)
    assert row and "Not met yet" in row[1]
    assert "大学语文兴趣班" in html.split("Learning that does not convert")[1]
    programs = as_resident(en, learner).get(url("programs"))
    assert "3.0 of 12.0 credits" in text(programs)


def test_applying_for_conversion_and_an_assessor_approving_it(en: Client, bank: Bank) -> None:
    learner = make_resident(bank.city)
    with_degree_records(bank, learner)

    response = as_resident(en, learner).post(url("audit", bank.program.code), {})

    assert response.status_code == 302
    application = ConversionApplication.objects.get(account__learner=learner)
    assert {i.program_course.code for i in application.items.all()} == {"ADM102", "GEN101"}
    mine = en.get(url("conversions"))
    assert "Submitted" in text(mine) and "GEN101" in text(mine)

    assessor = Client()
    assessor.cookies["lc_language"] = "en"
    as_user(assessor, bank.assessor)
    queue = assessor.get(url("conversion_queue"))
    assert learner.name in text(queue)
    decided = assessor.post(
        url("conversion_decide", application.public_id),
        {"decision": "approve", "reason": "Matches the syllabus"},
    )
    assert decided.status_code == 302
    application.refresh_from_db()
    assert application.status == ConversionStatus.APPROVED
    audit = text(en.get(url("audit", bank.program.code)))
    assert "9.0 of 12.0 credits count toward this programme." in audit
    assert "Met by conversion" in audit


def test_conversion_decision_without_a_reason_is_refused(en: Client, bank: Bank) -> None:
    learner = make_resident(bank.city)
    with_degree_records(bank, learner)
    application = services.conversion_apply(
        actor=learner.user, account=account_of(learner), program_code=bank.program.code
    )

    response = as_user(en, bank.assessor).post(
        url("conversion_decide", application.public_id), {"decision": "approve", "reason": ""}
    )

    assert response.status_code == 400
    assert "Give the reason for the decision" in text(response)
    application.refresh_from_db()
    assert application.status == ConversionStatus.SUBMITTED


def test_conversion_is_refused_when_nothing_converts(en: Client, bank: Bank) -> None:
    learner = make_resident(bank.city)
    submit(bank, learner, course_code="ADM101")  # leisure: never converts
    page = as_resident(en, learner).get(url("audit", bank.program.code))
    assert "Apply to convert</button>" not in text(page)  # no form is offered

    response = en.post(url("audit", bank.program.code), {})  # sent anyway

    assert response.status_code == 400
    assert "Nothing in your credit bank can be converted" in text(response)
    assert not ConversionApplication.objects.exists()


def test_conversion_decision_pages_are_for_assessors_in_scope(en: Client, bank: Bank) -> None:
    learner = make_resident(bank.city)
    with_degree_records(bank, learner)
    application = services.conversion_apply(
        actor=learner.user, account=account_of(learner), program_code=bank.program.code
    )
    for user in (learner.user, bank.city.b.officer, bank.city.a.school_admin):
        response = as_user(Client(), user).get(url("conversion_decide", application.public_id))
        assert response.status_code == 404


# Prior learning --------------------------------------------------------------------------------


def pdf_file(name: str = "cert.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 certificate", content_type="application/pdf")


def claim_data(bank: Bank, **overrides: Any) -> dict[str, Any]:
    data = {
        "title": "Ten years in a community choir",
        "description": "Weekly rehearsals, two hours each.",
        "category": CreditCategory.CULTURE_LEISURE,
        "hours": "60",
        "assessor": bank.center.code,
        "evidence": pdf_file(),
    }
    data.update(overrides)
    return data


def test_a_claim_with_a_fake_file_is_refused_and_nothing_is_kept(en: Client, bank: Bank) -> None:
    learner = make_resident(bank.city)
    services.account_for(learner.pk)

    def fake() -> SimpleUploadedFile:
        return SimpleUploadedFile("cert.pdf", b"MZ\x90\x00 program", content_type="application/pdf")

    response = as_resident(en, learner).post(
        url("claim_new"), claim_data(bank, evidence=fake(), hours="")
    )

    assert response.status_code == 400
    assert "This field is required." in text(response)
    assert not PriorLearningClaim.objects.exists()
    response = en.post(url("claim_new"), claim_data(bank, evidence=fake()))
    assert response.status_code == 400
    assert "Upload a PDF, PNG or JPEG file." in text(response)
    assert not PriorLearningClaim.objects.exists()


def test_a_claim_its_evidence_and_one_appeal(en: Client, bank: Bank) -> None:
    learner = make_resident(bank.city)
    services.account_for(learner.pk)
    as_resident(en, learner)
    assert en.get(url("claim_new")).status_code == 200

    response = en.post(url("claim_new"), claim_data(bank))

    assert response.status_code == 302
    claim = PriorLearningClaim.objects.get()
    evidence = en.get(url("claim_evidence", claim.public_id))
    assert evidence.status_code == 200
    assert b"".join(evidence.streaming_content).startswith(b"%PDF")  # type: ignore[attr-defined]
    assert evidence["Content-Type"] == "application/pdf"

    assessor = as_user(Client(), bank.assessor)
    assert "Ten years" in text(assessor.get(url("claim_queue")))
    assert assessor.get(url("claim_evidence", claim.public_id)).status_code == 200
    refused = assessor.post(url("claim_decide", claim.public_id), {"decision": "reject"})
    assert refused.status_code == 400
    assessor.post(url("claim_decide", claim.public_id), {"decision": "reject", "reason": "No"})
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.REJECTED

    assert en.post(url("claim_appeal", claim.public_id), {"reason": ""}).status_code == 400
    appealed = en.post(url("claim_appeal", claim.public_id), {"reason": "See the letter"})
    assert appealed.status_code == 302
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.APPEALED
    again = en.post(url("claim_appeal", claim.public_id), {"reason": "Again"})
    assert again.status_code == 409
    assert "A claim can be appealed once." in text(again)


def test_evidence_and_claims_are_hidden_from_everyone_else(bank: Bank) -> None:
    learner = make_resident(bank.city)
    claim = services.claim_submit(
        actor=learner.user,
        account=services.account_for(learner.pk),
        assessor_code=bank.center.code,
        title="x",
        description="y",
        category=CreditCategory.CULTURE_LEISURE,
        hours=Decimal("10"),
        evidence=pdf_file(),
    )
    other = make_resident(bank.city, name="李娜")
    services.account_for(other.pk)
    for user in (other.user, bank.city.a.officer, bank.city.b.school_admin):
        client = as_user(Client(), user)
        assert client.get(url("claim_evidence", claim.public_id)).status_code == 404
        assert client.get(url("claim_decide", claim.public_id)).status_code == 404
    assert (
        as_user(Client(), other.user).get(url("claim_appeal", claim.public_id)).status_code == 404
    )


# Transcripts -----------------------------------------------------------------------------------


def test_transcript_in_both_languages(client: Client, bank: Bank) -> None:
    learner = make_resident(bank.city, name="王秀英")
    with_degree_records(bank, learner)
    as_resident(client, learner)

    chinese = text(client.get(url("transcript")))
    client.cookies["lc_language"] = "en"
    en = text(client.get(url("transcript")))

    assert '<html lang="zh-Hans">' in chinese and "王秀英" in chinese
    assert zh("Verified learning records") in chinese
    assert zh("Culture and leisure") in chinese
    assert '<html lang="en">' in en
    assert "Verified learning records" in en and "Culture and leisure" in en
    if zh("Verified learning records") != "Verified learning records":
        assert "Verified learning records" not in chinese
    assert "管理学基础" in chinese and "管理学基础" in en
    assert account_of(learner).number in en


def test_transcript_pdf_is_a_pdf_with_the_name(en: Client, bank: Bank) -> None:
    learner = make_resident(bank.city, name="王秀英")
    with_degree_records(bank, learner)

    response = as_resident(en, learner).get(url("transcript_pdf"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    drawn = pdf_text(response.content)
    assert "王秀英" in drawn
    assert "Verified learning records" in drawn


def test_transcript_pdf_in_chinese(client: Client, bank: Bank) -> None:
    learner = make_resident(bank.city, name="李建国")
    submit(bank, learner)
    response = as_resident(client, learner).get(url("transcript_pdf"))
    drawn = pdf_text(response.content)
    assert "李建国" in drawn
    assert zh("Verified learning records") in drawn


def test_transcript_json(en: Client, bank: Bank) -> None:
    learner = make_resident(bank.city)
    with_degree_records(bank, learner)
    services.conversion_decide(
        actor=bank.assessor,
        public_id=services.conversion_apply(
            actor=learner.user, account=account_of(learner), program_code=bank.program.code
        ).public_id,
        approve=True,
        reason="ok",
    )

    response = as_resident(en, learner).get(url("transcript_json"))

    assert response.status_code == 200
    document = json.loads(response.content)
    assert document["account_number"] == account_of(learner).number
    assert document["learner_name"] == learner.name
    assert dt.datetime.fromisoformat(document["issued_at"])
    assert {b["category"] for b in document["balances"]} == {
        "degree",
        "vocational",
        "culture_leisure",
    }
    assert all(isinstance(b["credits"], str) for b in document["balances"])
    assert len(document["records"]) == 4
    assert {c["course_code"] for c in document["conversions"]} == {"ADM102", "GEN101"}


def test_a_share_link_is_shown_once_works_and_can_be_withdrawn(en: Client, bank: Bank) -> None:
    learner = make_resident(bank.city, name="王秀英")
    submit(bank, learner, title="Calligraphy")
    as_resident(en, learner)

    response = en.post(url("shares"), {"days": "7"})

    assert response.status_code == 200
    match = re.search(r'href="http://testserver(/creditbank/t/[^/"]+/)"', text(response))
    assert match
    link = match[1]
    assert TranscriptShare.objects.count() == 1
    assert link not in text(en.get(url("shares")))  # shown once
    public = Client()
    shared = public.get(link)
    assert shared.status_code == 200
    assert "王秀英" in text(shared) and "Calligraphy" in text(shared)
    assert shared["Cache-Control"] == "private, no-store"
    assert public.get(f"{link}pdf/").content.startswith(b"%PDF")

    share = TranscriptShare.objects.get()
    en.post(url("share_revoke", share.public_id))
    gone = public.get(link)
    assert gone.status_code == 404
    assert "王秀英" not in text(gone)


def test_an_expired_share_link_answers_404(
    en: Client, bank: Bank, monkeypatch: pytest.MonkeyPatch
) -> None:
    learner = make_resident(bank.city)
    _share, token = services.share_create(
        actor=learner.user, account=services.account_for(learner.pk), days=1
    )
    later = clock.now() + dt.timedelta(days=2)
    monkeypatch.setattr(clock, "now", lambda: later)

    response = en.get(url("shared", token))

    assert response.status_code == 404
    assert "This link no longer works" in text(response)
    assert en.get(url("shared_pdf", token)).status_code == 404
    assert en.get(url("shared", "not-a-token")).status_code == 404


def test_a_share_link_for_too_long_is_refused(en: Client, bank: Bank) -> None:
    learner = make_resident(bank.city)
    services.account_for(learner.pk)
    response = as_resident(en, learner).post(url("shares"), {"days": "999"})
    assert response.status_code == 400
    assert "A link lasts from 1 to 90 days." in text(response)
    assert not TranscriptShare.objects.exists()


def test_other_residents_cannot_withdraw_my_link(bank: Bank) -> None:
    learner = make_resident(bank.city)
    share, _token = services.share_create(
        actor=learner.user, account=services.account_for(learner.pk), days=3
    )
    other = make_resident(bank.city, name="李娜")
    response = as_user(Client(), other.user).post(url("share_revoke", share.public_id))
    assert response.status_code == 404
    share.refresh_from_db()
    assert share.revoked_at is None


# Provider staff --------------------------------------------------------------------------------


def record_data(account: Account, provider_code: str, **overrides: Any) -> dict[str, Any]:
    data = {
        "provider": provider_code,
        "account_number": account.number,
        "external_id": "WEB-1",
        "category": CreditCategory.CULTURE_LEISURE,
        "title": "Paper cutting",
        "completed_on": "2026-03-01",
        "hours": "30",
        "attendance_rate": "95",
        "passed": "yes",
    }
    data.update(overrides)
    return data


def test_provider_staff_submit_a_record(en: Client, bank: Bank) -> None:
    learner = make_resident(bank.city)
    account = services.account_for(learner.pk)
    as_user(en, bank.city.a.school_admin)
    assert en.get(url("record_new")).status_code == 200

    response = en.post(url("record_new"), record_data(account, bank.city.a.school.code))

    assert response.status_code == 302
    record = LearningRecord.objects.get(external_id="WEB-1")
    assert record.status == RecordStatus.SUBMITTED and record.passed is True
    listing = text(en.get(url("staff_records")))
    assert "Paper cutting" in listing and "Waiting for an assessor" in listing


def test_a_bad_record_gets_field_messages_and_nothing_is_saved(en: Client, bank: Bank) -> None:
    learner = make_resident(bank.city)
    account = services.account_for(learner.pk)
    as_user(en, bank.city.a.school_admin)

    future = en.post(
        url("record_new"),
        record_data(account, bank.city.a.school.code, completed_on="2999-01-01"),
    )
    unknown = en.post(
        url("record_new"),
        record_data(account, bank.city.a.school.code, account_number="CB0000000000"),
    )
    nobody = en.post(
        url("record_new"),
        record_data(account, bank.city.a.school.code, title="", account_number=""),
    )

    assert future.status_code == 400
    assert "The date cannot be in the future." in text(future)
    assert unknown.status_code == 400
    assert "No account has this number." in text(unknown)
    assert nobody.status_code == 400
    assert "Name the learner by account number or ID number." in text(nobody)
    assert not LearningRecord.objects.filter(external_id="WEB-1").exists()


def test_staff_submit_only_for_their_own_organization(en: Client, bank: Bank) -> None:
    learner = make_resident(bank.city)
    account = services.account_for(learner.pk)
    response = as_user(en, bank.city.b.school_admin).post(
        url("record_new"), record_data(account, bank.city.a.school.code)
    )
    assert response.status_code == 400
    assert not LearningRecord.objects.filter(external_id="WEB-1").exists()
    resident = as_user(Client(), learner.user)
    assert resident.get(url("record_new")).status_code == 404
    assert resident.get(url("staff_records")).status_code == 404


def test_record_lists_are_scoped(en: Client, bank: Bank) -> None:
    learner = make_resident(bank.city)
    submit(bank, learner, provider=bank.city.a.school, title="District A only")
    seen = text(as_user(Client(), bank.city.a.school_admin).get(url("staff_records")))
    unseen = text(as_user(Client(), bank.city.b.school_admin).get(url("staff_records")))
    assert "District A only" in seen
    assert "District A only" not in unseen


def test_upload_page_reports_row_by_row(en: Client, bank: Bank) -> None:
    number = services.account_for(make_resident(bank.city).pk).number
    as_user(en, bank.city.a.school_admin)
    page = en.get(url("records_upload"))
    assert page.status_code == 200
    assert 'name="verify"' not in text(page)  # verifying is for assessors
    csv = (
        "external_id,account_number,category,title,completed_on,hours,attendance_rate\n"
        f"F1,{number},culture_leisure,Knitting,2026-03-01,30,90\n"
        f"F2,{number},culture_leisure,,2026-03-01,30,90\n"
    ).encode()

    response = en.post(
        url("records_upload"),
        {
            "provider": bank.city.a.school.code,
            "file": SimpleUploadedFile("records.csv", csv, content_type="text/csv"),
        },
    )

    assert response.status_code == 200
    html = text(response)
    assert "New records: 1" in html and "Rows with errors: 1" in html
    assert re.search(r"<th scope=\"row\">F2</th>.*?<code>title</code>", html, re.S)
    assert LearningRecord.objects.filter(external_id="F1").exists()
    assert not LearningRecord.objects.filter(external_id="F2").exists()


def test_upload_without_a_file_is_refused(en: Client, bank: Bank) -> None:
    response = as_user(en, bank.city.a.school_admin).post(
        url("records_upload"), {"provider": bank.city.a.school.code}
    )
    assert response.status_code == 400
    assert "This field is required." in text(response)
    assert (
        as_user(Client(), make_resident(bank.city).user).get(url("records_upload")).status_code
        == 404
    )


# Assessors -------------------------------------------------------------------------------------


def test_assessor_verifies_and_rejects_from_the_queue(en: Client, bank: Bank) -> None:
    learner = make_resident(bank.city)
    good = submit(bank, learner, verify=False, title="Good one")
    bad = submit(bank, learner, verify=False, title="Bad one")
    as_user(en, bank.assessor)
    queue = text(en.get(url("review")))
    assert "Good one" in queue and "Bad one" in queue

    en.post(url("record_verify", good.public_id))
    no_reason = en.post(url("record_reject", bad.public_id), {"reason": " "})
    assert no_reason.status_code == 400
    bad.refresh_from_db()
    assert bad.status == RecordStatus.SUBMITTED
    en.post(url("record_reject", bad.public_id), {"reason": "No attendance sheet"})

    good.refresh_from_db()
    bad.refresh_from_db()
    assert good.status == RecordStatus.VERIFIED and good.credits == Decimal("2.0")
    assert bad.status == RecordStatus.REJECTED
    home = text(as_resident(Client(), learner).get(url("home")))
    assert "No attendance sheet" in home


def test_assessor_revokes_with_a_reason(en: Client, bank: Bank) -> None:
    learner = make_resident(bank.city)
    record = submit(bank, learner)
    as_user(en, bank.assessor)
    assert en.get(url("record_revoke", record.public_id)).status_code == 200
    assert en.post(url("record_revoke", record.public_id), {"reason": ""}).status_code == 400
    en.post(url("record_revoke", record.public_id), {"reason": "Forged certificate"})
    record.refresh_from_db()
    assert record.status == RecordStatus.REVOKED


def test_assessor_pages_are_not_for_others(bank: Bank) -> None:
    learner = make_resident(bank.city)
    record = submit(bank, learner, verify=False)
    for user in (learner.user, bank.city.a.school_admin, bank.city.b.officer):
        client = as_user(Client(), user)
        assert client.get(url("review")).status_code == 404
        assert client.get(url("claim_queue")).status_code == 404
        assert client.get(url("conversion_queue")).status_code == 404
        assert client.get(url("standard_new")).status_code == 404
        client.post(url("record_verify", record.public_id))
    record.refresh_from_db()
    assert record.status == RecordStatus.SUBMITTED


def test_standards_are_public(en: Client, bank: Bank) -> None:
    response = en.get(url("standards"))
    assert response.status_code == 200
    html = text(response)
    assert bank.ncre.code in html
    assert "4.0 credits per record." in html
    assert "One credit for every 15.0 hours." in html
    assert "Add a standard" not in html


def standard_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "owner": "",
        "code": "FIRST-AID",
        "name_zh": "急救员证书",
        "name_en": "First-aid certificate",
        "kind": "certificate",
        "match_category": "vocational",
        "match_certificate_code": "FIRST-AID",
        "credit_category": "vocational",
        "level": "3",
        "effective_from": "2025-01-01",
        "credits_fixed": "2",
        "requires_pass": "on",
        "cap_certificates": "1",
    }
    data.update(overrides)
    return data


def test_assessor_adds_a_standard_and_a_version(en: Client, bank: Bank) -> None:
    as_user(en, bank.assessor)
    assert en.get(url("standard_new")).status_code == 200
    bad = en.post(
        url("standard_new"), standard_data(owner=bank.center.code, credits_fixed="", level="3")
    )
    assert bad.status_code == 400
    assert "Give either credits per record or hours per credit." in text(bad)
    assert not RecognitionStandard.objects.filter(code="FIRST-AID").exists()

    made = en.post(url("standard_new"), standard_data(owner=bank.center.code))
    assert made.status_code == 302
    standard = RecognitionStandard.objects.get(code="FIRST-AID")

    form = en.get(url("standard_revise", standard.code))
    assert 'value="FIRST-AID"' in text(form)
    no_note = en.post(url("standard_revise", standard.code), standard_data(credits_fixed="3"))
    assert no_note.status_code == 400
    revised = en.post(
        url("standard_revise", standard.code),
        standard_data(credits_fixed="3", change_note="Now worth 3"),
    )
    assert revised.status_code == 302
    assert standard.versions.count() == 2
    assert "Now worth 3" in text(en.get(url("standards")))


# Offices ---------------------------------------------------------------------------------------


def test_offices_see_accounts_of_their_area_only(en: Client, bank: Bank) -> None:
    learner = make_resident(bank.city, name="王秀英")
    submit(bank, learner, title="Calligraphy")
    number = account_of(learner).number

    a = as_user(Client(), bank.city.a.officer)
    assert number in text(a.get(url("accounts")))
    detail = a.get(url("account", number))
    assert detail.status_code == 200 and "Calligraphy" in text(detail)

    b = as_user(Client(), bank.city.b.officer)
    assert number not in text(b.get(url("accounts")))
    assert b.get(url("account", number)).status_code == 404
    other = make_resident(bank.city, name="李娜")
    assert as_user(Client(), other.user).get(url("account", number)).status_code == 404
    assert as_user(Client(), other.user).get(url("accounts")).status_code == 404


def test_an_office_merges_duplicate_accounts(en: Client, bank: Bank) -> None:
    city = bank.city
    keep = make_learner(actor=city.root, area=city.a.neighbourhood, name="张伟")
    dup = make_learner(actor=city.root, area=city.a.neighbourhood, name="张伟", with_id=False)
    submit(bank, keep, hours=Decimal("30"))
    submit(bank, dup, hours=Decimal("45"))
    keep_number, dup_number = account_of(keep).number, account_of(dup).number
    as_user(en, city.a.officer)
    assert en.get(url("merge")).status_code == 200

    no_reason = en.post(
        url("merge"), {"keep_number": keep_number, "duplicate_number": dup_number, "reason": ""}
    )
    same = en.post(
        url("merge"),
        {"keep_number": keep_number, "duplicate_number": keep_number, "reason": "twice"},
    )
    assert no_reason.status_code == 400 and same.status_code == 400
    assert "Choose two different accounts." in text(same)
    assert account_of(dup).status == "open"

    done = en.post(
        url("merge"),
        {"keep_number": keep_number, "duplicate_number": dup_number.lower(), "reason": "twice"},
    )
    assert done.status_code == 302
    assert account_of(dup).status == "merged"
    assert as_user(Client(), city.b.officer).post(url("merge"), {}).status_code == 400


def test_only_offices_that_may_change_open_the_merge_form(bank: Bank) -> None:
    city = bank.city
    viewer = make_staff(actor=city.root, organization=city.a.office, role=StaffRoleKind.VIEWER)
    reader = as_user(Client(), viewer)
    assert reader.get(url("accounts")).status_code == 200
    assert reader.get(url("merge")).status_code == 404
    assert reader.post(url("merge"), {}).status_code == 404


def test_staff_home_lists_what_each_role_may_do(en: Client, bank: Bank) -> None:
    assessor = text(as_user(Client(), bank.assessor).get(url("staff_home")))
    registrar = make_staff(
        actor=bank.city.root, organization=bank.city.a.school, role=StaffRoleKind.REGISTRAR
    )
    provider = text(as_user(Client(), registrar).get(url("staff_home")))
    assert "/creditbank/assess/records/" in assessor
    assert "/creditbank/assess/records/" not in provider
    assert "/creditbank/staff/records/new/" in provider
