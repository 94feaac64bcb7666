"""The credit bank's JSON API: providers' batches, residents' own account, assessors'
decisions, offices' accounts — each scoped, each retry-safe, never showing an ID number."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from learningcity.accounts.services import api_token_create
from learningcity.core import clock, idnumber
from learningcity.creditbank import services
from learningcity.creditbank.choices import (
    ClaimStatus,
    ConversionStatus,
    CreditCategory,
    RecordChannel,
    RecordStatus,
)
from learningcity.creditbank.models import (
    Account,
    ConversionApplication,
    LearningRecord,
    Posting,
    PriorLearningClaim,
    RecognitionStandard,
    TranscriptShare,
)
from learningcity.creditbank.tests.factories import (
    Bank,
    account_of,
    make_bank,
    make_resident,
    row,
    submit,
)
from learningcity.learners.models import Learner
from learningcity.learners.tests.factories import make_learner
from learningcity.network.tests.factories import City

pytestmark = pytest.mark.django_db

BASE = "/api/v1/creditbank"


@pytest.fixture
def bank(city: City) -> Bank:
    return make_bank(city)


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


def bearer(user: Any) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {api_token_create(actor=None, user=user, name='t').plaintext}"
    }


def post(client: Client, path: str, body: Any = None, *, auth: dict[str, str]) -> Any:
    return client.post(BASE + path, body or {}, content_type="application/json", headers=auth)


def get(client: Client, path: str, *, auth: dict[str, str] | None = None, **query: Any) -> Any:
    return client.get(BASE + path, query, headers=auth or {})


def item(account_number: str = "", **overrides: Any) -> dict[str, Any]:
    """One batch row as a provider's system sends it."""
    base = row()
    body: dict[str, Any] = {
        "external_id": base.external_id,
        "account_number": account_number,
        "category": base.category,
        "title": base.title,
        "completed_on": base.completed_on.isoformat(),
        "hours": "30",
        "attendance_rate": 90,
        "passed": True,
    }
    body.update(overrides)
    return body


def _pdf(name: str = "cert.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 test", content_type="application/pdf")


# Batch submission ---------------------------------------------------------------------------


def test_a_batch_is_reported_row_by_row_and_a_resend_answers_the_same_ids(
    bank: Bank, client: Client
) -> None:
    account = services.account_for(make_resident(bank.city).pk)
    body = {"provider": bank.city.a.school.code, "records": [item(account.number) for _ in "abc"]}
    auth = bearer(bank.city.a.school_admin)

    first = post(client, "/records/batch", body, auth=auth)
    again = post(client, "/records/batch", body, auth=auth)

    assert (first.status_code, again.status_code) == (200, 200)
    one, two = first.json(), again.json()
    assert (one["created"], one["existing"], one["errors"]) == (3, 0, 0)
    assert (two["created"], two["existing"], two["errors"]) == (0, 3, 0)
    assert [r["line"] for r in one["rows"]] == [1, 2, 3]
    assert [r["record_id"] for r in one["rows"]] == [r["record_id"] for r in two["rows"]]
    assert {r["outcome"] for r in two["rows"]} == {"existing"}
    assert LearningRecord.objects.filter(channel=RecordChannel.API).count() == 3


def test_a_bad_row_is_reported_and_the_others_are_created(bank: Bank, client: Client) -> None:
    account = services.account_for(make_resident(bank.city).pk)
    records = [
        item(account.number),
        item(account.number, completed_on="2026-02-30"),
        item(account.number, category="cooking"),
        item(account.number, hours="lots"),
        item(account.number, external_id=""),
        item(account.number),
    ]

    response = post(
        client,
        "/records/batch",
        {"provider": bank.city.a.school.code, "records": records},
        auth=bearer(bank.city.a.school_admin),
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["created"], body["errors"]) == (2, 4)
    outcomes = [(r["line"], r["outcome"], sorted(r["errors"])) for r in body["rows"]]
    assert outcomes == [
        (1, "created", []),
        (2, "error", ["completed_on"]),
        (3, "error", ["category"]),
        (4, "error", ["hours"]),
        (5, "error", ["external_id"]),
        (6, "created", []),
    ]
    assert body["rows"][1]["record_id"] is None
    assert body["rows"][1]["external_id"] == records[1]["external_id"]
    assert LearningRecord.objects.count() == 2


def test_rows_name_learners_by_id_number_which_is_never_returned(
    bank: Bank, client: Client
) -> None:
    number = idnumber.build("310101", dt.date(1950, 2, 3), 77)
    unknown = idnumber.build("310101", dt.date(1950, 2, 3), 78)
    learner = make_learner(
        actor=bank.city.root,
        area=bank.city.a.neighbourhood,
        id_number=number,
        birth_date=dt.date(1950, 2, 3),
    )
    body = {
        "provider": bank.city.a.school.code,
        "records": [item(id_number=number), item(id_number=unknown), item(id_number="123")],
    }

    response = post(client, "/records/batch", body, auth=bearer(bank.city.a.school_admin))

    assert response.status_code == 200
    text = response.content.decode()
    assert number not in text and unknown not in text
    rows = response.json()["rows"]
    assert [r["outcome"] for r in rows] == ["created", "error", "error"]
    assert list(rows[1]["errors"]) == ["learner"]
    assert account_of(learner).records.count() == 1


def test_a_malformed_batch_is_refused_whole_with_fields(bank: Bank, client: Client) -> None:
    response = post(
        client,
        "/records/batch",
        {"records": [{"title": 5, "passed": "perhaps"}]},
        auth={**bearer(bank.city.a.school_admin), "Accept-Language": "en"},
    )

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid"
    assert body["fields"]["provider"] == ["This field is required."]
    assert {"records.0.title", "records.0.passed"} <= set(body["fields"])
    assert LearningRecord.objects.count() == 0


def test_a_batch_that_is_not_json_is_refused(bank: Bank, client: Client) -> None:
    response = client.post(
        f"{BASE}/records/batch",
        "{not json",
        content_type="application/json",
        headers=bearer(bank.city.a.school_admin),
    )

    assert response.status_code in (400, 422)
    assert LearningRecord.objects.count() == 0


def test_a_batch_has_at_most_a_thousand_records(bank: Bank, client: Client) -> None:
    account = services.account_for(make_resident(bank.city).pk)
    records = [item(account.number) for _ in range(1001)]

    response = post(
        client,
        "/records/batch",
        {"provider": bank.city.a.school.code, "records": records},
        auth=bearer(bank.city.a.school_admin),
    )

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["records"]
    assert LearningRecord.objects.count() == 0


def test_only_staff_who_may_change_the_provider_submit_for_it(bank: Bank, client: Client) -> None:
    account = services.account_for(make_resident(bank.city).pk)
    body = {"provider": bank.city.a.school.code, "records": [item(account.number)]}

    other_district = post(client, "/records/batch", body, auth=bearer(bank.city.b.school_admin))
    assessor = post(client, "/records/batch", body, auth=bearer(bank.assessor))
    resident = post(client, "/records/batch", body, auth=bearer(make_resident(bank.city).user))
    nobody = post(client, "/records/batch", body, auth={})

    assert [r.status_code for r in (other_district, assessor, resident)] == [404, 404, 404]
    assert nobody.status_code == 401
    assert LearningRecord.objects.count() == 0


# Records: staff and assessors ---------------------------------------------------------------


def test_records_are_listed_in_scope_only(bank: Bank, client: Client) -> None:
    learner = make_resident(bank.city)
    submit(bank, learner)
    submit(bank, learner, verify=False, category=CreditCategory.DIGITAL)

    mine = get(client, "/records", auth=bearer(bank.city.a.officer))
    theirs = get(client, "/records", auth=bearer(bank.city.b.officer))
    filtered = get(
        client,
        "/records",
        auth=bearer(bank.city.a.officer),
        status=RecordStatus.SUBMITTED,
        category=CreditCategory.DIGITAL,
        provider=bank.city.a.college.code,
    )

    assert (mine.json()["count"], theirs.json()["count"]) == (2, 0)
    assert filtered.json()["count"] == 1
    assert filtered.json()["items"][0]["category"] == CreditCategory.DIGITAL


def test_a_bad_filter_is_a_field_error(bank: Bank, client: Client) -> None:
    response = get(client, "/records", auth=bearer(bank.city.a.officer), status="lost")

    assert response.status_code == 422
    assert list(response.json()["fields"]) == ["status"]


def test_listing_records_takes_a_fixed_number_of_queries(
    bank: Bank, client: Client, django_assert_max_num_queries: Any
) -> None:
    for _ in range(2):
        learner = make_resident(bank.city)
        for _ in range(5):
            submit(bank, learner)
    auth = bearer(bank.city.a.officer)

    # The token, the caller's scope, the count, the page.
    with django_assert_max_num_queries(4):
        response = get(client, "/records", auth=auth, limit=50)

    assert response.json()["count"] == 10


def test_one_record_for_its_learner_and_staff_in_scope(bank: Bank, client: Client) -> None:
    learner = make_resident(bank.city)
    record = submit(bank, learner)
    path = f"/records/{record.public_id}"

    own = get(client, path, auth=bearer(learner.user))
    office = get(client, path, auth=bearer(bank.city.a.officer))
    other_office = get(client, path, auth=bearer(bank.city.b.officer))
    other_resident = get(client, path, auth=bearer(make_resident(bank.city).user))

    assert (own.status_code, office.status_code) == (200, 200)
    assert own.json()["credits"] == "2.0"
    assert own.json()["status"] == RecordStatus.VERIFIED
    assert (other_office.status_code, other_resident.status_code) == (404, 404)


def test_an_assessor_verifies_and_a_retry_changes_nothing(bank: Bank, client: Client) -> None:
    record = submit(bank, make_resident(bank.city), verify=False)
    path = f"/records/{record.public_id}/verify"

    first = post(client, path, {"reason": "checked"}, auth=bearer(bank.assessor))
    again = post(client, path, {"reason": "checked"}, auth=bearer(bank.assessor))

    assert (first.status_code, again.status_code) == (200, 200)
    assert first.json()["status"] == RecordStatus.VERIFIED
    assert first.json()["credits"] == again.json()["credits"] == "2.0"
    assert Posting.objects.filter(record=record).count() == 1


def test_verify_with_a_named_standard_that_does_not_apply(bank: Bank, client: Client) -> None:
    record = submit(bank, make_resident(bank.city), verify=False)

    response = post(
        client,
        f"/records/{record.public_id}/verify",
        {"standard_code": "NOPE"},
        auth=bearer(bank.assessor),
    )

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["standard"]
    record.refresh_from_db()
    assert record.status == RecordStatus.SUBMITTED


def test_only_assessors_in_scope_decide_records(bank: Bank, client: Client) -> None:
    record = submit(bank, make_resident(bank.city), verify=False)

    for user in (bank.city.a.school_admin, bank.city.b.officer):
        response = post(client, f"/records/{record.public_id}/verify", auth=bearer(user))
        assert response.status_code == 404
    record.refresh_from_db()
    assert record.status == RecordStatus.SUBMITTED


def test_reject_needs_a_reason(bank: Bank, client: Client) -> None:
    record = submit(bank, make_resident(bank.city), verify=False)
    path = f"/records/{record.public_id}/reject"

    blank = post(client, path, {"reason": " "}, auth=bearer(bank.assessor))
    missing = post(client, path, {}, auth=bearer(bank.assessor))
    rejected = post(client, path, {"reason": "no proof"}, auth=bearer(bank.assessor))
    again = post(client, path, {"reason": "no proof"}, auth=bearer(bank.assessor))

    assert (blank.status_code, missing.status_code) == (400, 422)
    assert list(blank.json()["fields"]) == ["reason"]
    assert list(missing.json()["fields"]) == ["reason"]
    assert (rejected.status_code, again.status_code) == (200, 200)
    assert again.json()["status"] == RecordStatus.REJECTED
    assert again.json()["decision_reason"] == "no proof"


def test_revoke_reverses_the_credits_once(bank: Bank, client: Client) -> None:
    learner = make_resident(bank.city)
    record = submit(bank, learner)
    path = f"/records/{record.public_id}/revoke"

    first = post(client, path, {"reason": "forged"}, auth=bearer(bank.assessor))
    again = post(client, path, {"reason": "forged"}, auth=bearer(bank.assessor))
    me = get(client, "/me", auth=bearer(learner.user))

    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json()["status"] == RecordStatus.REVOKED
    assert Decimal(me.json()["total"]) == 0
    assert Posting.objects.filter(record=record).count() == 2


def test_revoking_a_submitted_record_is_a_conflict(bank: Bank, client: Client) -> None:
    record = submit(bank, make_resident(bank.city), verify=False)

    response = post(
        client, f"/records/{record.public_id}/revoke", {"reason": "x"}, auth=bearer(bank.assessor)
    )

    assert response.status_code == 409
    assert response.json()["code"] == "wrong_status"


# The resident's own account -----------------------------------------------------------------


def test_my_account_shows_balances_by_category_and_level(bank: Bank, client: Client) -> None:
    learner = make_resident(bank.city)
    submit(bank, learner, hours=Decimal("45"))
    submit(bank, learner, category=CreditCategory.VOCATIONAL, certificate_code="NCRE-1", hours=0)

    response = get(client, "/me", auth=bearer(learner.user))

    assert response.status_code == 200
    body = response.json()
    assert body["number"] == account_of(learner).number
    assert body["learner_name"] == learner.name
    assert body["balances"] == [
        {"category": "culture_leisure", "level": 2, "credits": "3.0"},
        {"category": "vocational", "level": 4, "credits": "4.0"},
    ]
    assert body["by_category"]["culture_leisure"] == "3.0"
    assert body["by_category"]["degree"] == "0.0"
    assert body["total"] == "7.0"


def test_without_an_account_me_is_404_until_opened(bank: Bank, client: Client) -> None:
    learner = make_resident(bank.city)
    auth = bearer(learner.user)

    before = get(client, "/me", auth=auth)
    opened = post(client, "/me/open", auth=auth)
    again = post(client, "/me/open", auth=auth)
    after = get(client, "/me", auth=auth)

    assert before.status_code == 404
    assert (opened.status_code, again.status_code, after.status_code) == (200, 200, 200)
    assert opened.json()["number"] == again.json()["number"] == after.json()["number"]
    assert Account.objects.filter(learner=learner).count() == 1


def test_a_staff_login_has_no_account_to_open(bank: Bank, client: Client) -> None:
    response = post(client, "/me/open", auth=bearer(bank.city.a.officer))

    assert response.status_code == 404
    assert Account.objects.count() == 0


def test_my_records_are_only_mine(bank: Bank, client: Client) -> None:
    me, other = make_resident(bank.city), make_resident(bank.city)
    submit(bank, me)
    submit(bank, me, verify=False)
    submit(bank, other)

    response = get(client, "/me/records", auth=bearer(me.user))
    verified = get(client, "/me/records", auth=bearer(me.user), status=RecordStatus.VERIFIED)

    assert response.json()["count"] == 2
    assert {r["account_number"] for r in response.json()["items"]} == {account_of(me).number}
    assert verified.json()["count"] == 1


def test_my_transcript_lists_verified_records_and_conversions(bank: Bank, client: Client) -> None:
    learner = make_resident(bank.city)
    submit(bank, learner, title="书法入门")
    submit(bank, learner, verify=False, title="未审核")
    submit(
        bank,
        learner,
        title="计算机一级",
        category=CreditCategory.VOCATIONAL,
        certificate_code="NCRE-1",
        hours=0,
    )
    application = services.conversion_apply(
        actor=learner.user, account=account_of(learner), program_code=bank.program.code
    )
    services.conversion_decide(
        actor=bank.assessor, public_id=application.public_id, approve=True, reason="ok"
    )

    response = get(client, "/me/transcript", auth=bearer(learner.user))

    assert response.status_code == 200
    body = response.json()
    assert body["account_number"] == account_of(learner).number
    assert body["learner_name"] == learner.name
    assert body["issued_at"]
    assert sorted(r["title"] for r in body["records"]) == sorted(["书法入门", "计算机一级"])
    course = bank.program.courses.get(code="GEN101")
    assert body["conversions"] == [
        {
            "program_code": bank.program.code,
            "course_code": "GEN101",
            "course_name": course.name,
            "credits": "3.0",
            "record_title": "计算机一级",
        }
    ]
    assert Decimal(body["total"]) == Decimal("6.0")


def test_my_degree_audit_has_every_field(bank: Bank, client: Client) -> None:
    learner = make_resident(bank.city)
    degree: dict[str, Any] = {
        "category": CreditCategory.DEGREE,
        "score": Decimal("75"),
        "hours": Decimal("45"),
    }
    submit(bank, learner, provider=bank.center, course_code="ADM101", **degree)
    submit(bank, learner, category=CreditCategory.VOCATIONAL, certificate_code="NCRE-1", hours=0)
    submit(bank, learner, course_code="GEN102", title="大学语文兴趣班")

    response = get(client, f"/me/audit/{bank.program.code}", auth=bearer(learner.user))
    missing = get(client, "/me/audit/NOPE", auth=bearer(learner.user))

    assert (response.status_code, missing.status_code) == (200, 404)
    body = response.json()
    assert set(body) == {
        "program_code",
        "program_name",
        "total_required",
        "counted",
        "earned_in_program",
        "converted",
        "convertible",
        "major",
        "major_required",
        "general",
        "general_required",
        "in_program_required",
        "converted_max",
        "missing",
        "complete",
        "courses",
        "never_convert",
    }
    assert (body["earned_in_program"], body["convertible"], body["missing"]) == (
        "3.0",
        "3.0",
        "9.0",
    )
    assert body["complete"] is False
    assert body["never_convert"] == ["大学语文兴趣班"]
    lines = {line["code"]: line for line in body["courses"]}
    assert lines["ADM101"]["met_by"] == "program"
    assert lines["GEN101"]["candidate_via"] == "equivalence:NCRE-1"
    assert lines["GEN101"]["candidate_record_id"]


# Conversion ---------------------------------------------------------------------------------


def test_a_conversion_is_applied_for_once_and_decided_by_the_institution(
    bank: Bank, client: Client
) -> None:
    learner = make_resident(bank.city)
    submit(bank, learner, category=CreditCategory.VOCATIONAL, certificate_code="NCRE-1", hours=0)
    auth = bearer(learner.user)
    body = {"program_code": bank.program.code}

    first = post(client, "/me/conversions", body, auth=auth)
    again = post(client, "/me/conversions", body, auth=auth)
    queue = get(client, "/conversions", auth=bearer(bank.assessor))
    elsewhere = get(client, "/conversions", auth=bearer(bank.city.b.officer))
    path = f"/conversions/{first.json()['id']}/decide"
    refused = post(
        client, path, {"approve": True, "reason": "ok"}, auth=bearer(bank.city.b.officer)
    )
    decided = post(client, path, {"approve": True, "reason": "ok"}, auth=bearer(bank.assessor))
    retried = post(client, path, {"approve": True, "reason": "ok"}, auth=bearer(bank.assessor))
    mine = get(client, "/me/conversions", auth=auth)

    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json()["id"] == again.json()["id"]
    assert first.json()["items"][0]["course_code"] == "GEN101"
    assert ConversionApplication.objects.count() == 1
    assert queue.json()["count"] == 1 and elsewhere.json()["count"] == 0
    assert refused.status_code == 404
    assert (decided.status_code, retried.status_code) == (200, 200)
    assert decided.json()["status"] == ConversionStatus.APPROVED
    assert decided.json()["items"][0]["approved"] is True
    assert mine.json()["count"] == 1
    assert mine.json()["items"][0]["status"] == ConversionStatus.APPROVED


def test_nothing_to_convert_is_a_field_error(bank: Bank, client: Client) -> None:
    learner = make_resident(bank.city)
    submit(bank, learner, course_code="ADM101")  # culture and leisure never converts

    response = post(
        client, "/me/conversions", {"program_code": bank.program.code}, auth=bearer(learner.user)
    )

    assert response.status_code == 400
    assert response.json()["code"] == "not_convertible"
    assert list(response.json()["fields"]) == ["courses"]
    assert ConversionApplication.objects.count() == 0


def test_a_decision_needs_a_reason(bank: Bank, client: Client) -> None:
    learner = make_resident(bank.city)
    submit(bank, learner, category=CreditCategory.VOCATIONAL, certificate_code="NCRE-1", hours=0)
    application = services.conversion_apply(
        actor=learner.user, account=account_of(learner), program_code=bank.program.code
    )

    response = post(
        client,
        f"/conversions/{application.public_id}/decide",
        {"approve": True, "reason": ""},
        auth=bearer(bank.assessor),
    )

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["reason"]
    application.refresh_from_db()
    assert application.status == ConversionStatus.SUBMITTED


# Transcript links ---------------------------------------------------------------------------


def test_a_share_link_shows_the_transcript_to_anyone_until_withdrawn(
    bank: Bank, client: Client
) -> None:
    learner = make_resident(bank.city)
    submit(bank, learner)

    made = post(client, "/me/shares", {"days": 7}, auth=bearer(learner.user))
    token = made.json()["token"]
    shown = get(client, f"/shared/{token}")
    page = client.get(made.json()["url"])
    share = TranscriptShare.objects.get()
    services.share_revoke(actor=learner.user, public_id=share.public_id)
    withdrawn = get(client, f"/shared/{token}")

    assert made.status_code == 201
    assert made.json()["url"].endswith(f"/creditbank/t/{token}/")
    assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
    assert client.get(made.json()["url"]).status_code == 404
    assert shown.status_code == 200
    assert shown.json()["account_number"] == account_of(learner).number
    assert len(shown.json()["records"]) == 1
    assert withdrawn.status_code == 404
    assert withdrawn.json()["code"] == "link_expired"


def test_an_expired_or_unknown_link_is_404(bank: Bank, client: Client) -> None:
    learner = make_resident(bank.city)
    services.account_for(learner.pk)
    made = post(client, "/me/shares", {"days": 1}, auth=bearer(learner.user))
    TranscriptShare.objects.update(expires_at=clock.now() - dt.timedelta(seconds=1))

    assert get(client, f"/shared/{made.json()['token']}").status_code == 404
    assert get(client, "/shared/not-a-token").status_code == 404


def test_a_share_retried_with_its_key_makes_one_link(bank: Bank, client: Client) -> None:
    learner = make_resident(bank.city)
    services.account_for(learner.pk)
    auth = {**bearer(learner.user), "Idempotency-Key": "share-1"}

    first = post(client, "/me/shares", {"days": 7}, auth=auth)
    retry = post(client, "/me/shares", {"days": 7}, auth=auth)
    reused = post(client, "/me/shares", {"days": 8}, auth=auth)

    assert (first.status_code, retry.status_code, reused.status_code) == (201, 201, 409)
    assert first.json()["id"] == retry.json()["id"]
    assert first.json()["token"] and retry.json()["token"] is None
    assert TranscriptShare.objects.count() == 1


def test_a_share_lasts_a_bounded_time(bank: Bank, client: Client) -> None:
    learner = make_resident(bank.city)
    services.account_for(learner.pk)

    response = post(client, "/me/shares", {"days": 1000}, auth=bearer(learner.user))

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["days"]
    assert TranscriptShare.objects.count() == 0


# Recognition of prior learning --------------------------------------------------------------


def claim_form(bank: Bank, **overrides: Any) -> dict[str, Any]:
    form: dict[str, Any] = {
        "assessor_code": bank.center.code,
        "title": "社区合唱团十年",
        "description": "每周排练两小时",
        "category": CreditCategory.CULTURE_LEISURE,
        "hours": "60",
        "evidence": _pdf(),
    }
    form.update(overrides)
    return form


def test_a_claim_is_submitted_queued_decided_and_appealed(bank: Bank, client: Client) -> None:
    learner = make_resident(bank.city)
    services.account_for(learner.pk)
    auth = bearer(learner.user)

    made = client.post(f"{BASE}/me/claims", claim_form(bank), headers=auth)
    claim_id = made.json()["id"]
    queue = get(client, "/claims", auth=bearer(bank.assessor))
    elsewhere = get(client, "/claims", auth=bearer(bank.city.b.officer))
    rejected = post(
        client,
        f"/claims/{claim_id}/decide",
        {"approve": False, "reason": "no proof"},
        auth=bearer(bank.assessor),
    )
    appealed = post(client, f"/me/claims/{claim_id}/appeal", {"reason": "see"}, auth=auth)
    overturned = post(
        client,
        f"/claims/{claim_id}/decide",
        {"approve": True, "reason": "ok"},
        auth=bearer(bank.second_assessor),
    )
    mine = get(client, "/me/claims", auth=auth)

    assert made.status_code == 201
    assert made.json()["status"] == ClaimStatus.SUBMITTED
    assert made.json()["evidence_name"] == "cert.pdf"
    assert made.json()["credits"] is None
    assert queue.json()["count"] == 1 and elsewhere.json()["count"] == 0
    assert queue.json()["items"][0]["learner_name"] == learner.name
    assert rejected.json()["status"] == ClaimStatus.REJECTED
    assert appealed.json()["status"] == ClaimStatus.APPEALED
    assert overturned.json()["status"] == ClaimStatus.OVERTURNED
    assert overturned.json()["credits"] == "4.0"
    assert mine.json()["count"] == 1


def test_a_claim_with_bad_evidence_writes_nothing(bank: Bank, client: Client) -> None:
    learner = make_resident(bank.city)
    services.account_for(learner.pk)
    fake = SimpleUploadedFile("cert.pdf", b"MZ\x90\x00 not a pdf")

    bad_file = client.post(
        f"{BASE}/me/claims", claim_form(bank, evidence=fake), headers=bearer(learner.user)
    )
    no_file = client.post(
        f"{BASE}/me/claims",
        {k: v for k, v in claim_form(bank).items() if k != "evidence"},
        headers=bearer(learner.user),
    )
    bad_hours = client.post(
        f"{BASE}/me/claims", claim_form(bank, hours="many"), headers=bearer(learner.user)
    )

    assert bad_file.status_code == 400
    assert bad_file.json()["code"] == "invalid"
    assert list(bad_file.json()["fields"]) == ["evidence"]
    assert no_file.status_code == 422
    assert [f for f in no_file.json()["fields"] if f.endswith("evidence")]
    assert bad_hours.status_code == 422 and "hours" in bad_hours.json()["fields"]
    assert PriorLearningClaim.objects.count() == 0


def test_a_claim_retried_with_its_key_is_made_once(bank: Bank, client: Client) -> None:
    learner = make_resident(bank.city)
    services.account_for(learner.pk)
    auth = {**bearer(learner.user), "Idempotency-Key": "claim-1"}

    first = client.post(f"{BASE}/me/claims", claim_form(bank), headers=auth)
    retry = client.post(f"{BASE}/me/claims", claim_form(bank), headers=auth)

    assert (first.status_code, retry.status_code) == (201, 201)
    assert first.json()["id"] == retry.json()["id"]
    assert PriorLearningClaim.objects.count() == 1


def test_someone_elses_claim_cannot_be_appealed(bank: Bank, client: Client) -> None:
    me, other = make_resident(bank.city), make_resident(bank.city)
    services.account_for(other.pk)
    claim = services.claim_submit(
        actor=me.user,
        account=services.account_for(me.pk),
        assessor_code=bank.center.code,
        title="x",
        description="y",
        category=CreditCategory.CULTURE_LEISURE,
        hours=Decimal("10"),
        evidence=_pdf(),
    )
    services.claim_decide(actor=bank.assessor, public_id=claim.public_id, approve=False, reason="n")

    response = post(
        client, f"/me/claims/{claim.public_id}/appeal", {"reason": "x"}, auth=bearer(other.user)
    )
    outsider = post(
        client,
        f"/claims/{claim.public_id}/decide",
        {"approve": True, "reason": "ok"},
        auth=bearer(bank.city.b.officer),
    )

    assert (response.status_code, outsider.status_code) == (404, 404)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.REJECTED


# Standards and programs ---------------------------------------------------------------------


def terms(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "course_hours",
        "match_category": "vocational",
        "credit_category": "vocational",
        "level": 3,
        "effective_from": "2026-01-01",
        "hours_per_credit": "20",
        "min_attendance": "80",
    }
    body.update(overrides)
    return body


def test_standards_and_programs_are_public(bank: Bank, client: Client) -> None:
    standards = get(client, "/standards")
    programs = get(client, "/programs")

    assert (standards.status_code, programs.status_code) == (200, 200)
    by_code = {s["code"]: s for s in standards.json()["items"]}
    leisure = by_code[bank.leisure.code]
    assert leisure["owner_code"] == bank.center.code
    assert leisure["versions"][0]["hours_per_credit"] == "15.0"
    assert leisure["versions"][0]["cap_per_term"] == "24.0"
    program = programs.json()["items"][0]
    assert program["code"] == bank.program.code
    assert [c["code"] for c in program["courses"]] == ["ADM101", "ADM102", "GEN101", "GEN102"]
    assert program["equivalences"] == [
        {
            "certificate_code": "NCRE-1",
            "name_zh": "计算机一级",
            "name_en": "NCRE level 1",
            "course_codes": ["GEN101"],
        }
    ]


def test_an_assessor_creates_and_revises_a_standard(bank: Bank, client: Client) -> None:
    auth = bearer(bank.assessor)
    body = {"owner": bank.center.code, "code": "OFFICE-1", "name_zh": "办公软件", **terms()}

    created = post(client, "/standards", body, auth=auth)
    revised = post(
        client,
        "/standards/OFFICE-1/versions",
        {**terms(hours_per_credit="10"), "change_note": "10 h per credit"},
        auth={**auth, "Idempotency-Key": "rev-1"},
    )
    retried = post(
        client,
        "/standards/OFFICE-1/versions",
        {**terms(hours_per_credit="10"), "change_note": "10 h per credit"},
        auth={**auth, "Idempotency-Key": "rev-1"},
    )

    assert created.status_code == 201
    assert [v["version"] for v in created.json()["versions"]] == [1]
    assert (revised.status_code, retried.status_code) == (201, 201)
    versions = revised.json()["versions"]
    assert [v["version"] for v in versions] == [2, 1]
    assert versions[0]["change_note"] == "10 h per credit"
    assert versions[0]["hours_per_credit"] == "10.0"
    assert RecognitionStandard.objects.get(code="OFFICE-1").versions.count() == 2


def test_standard_terms_are_checked_field_by_field(bank: Bank, client: Client) -> None:
    body = {
        "owner": bank.center.code,
        "code": "BAD-1",
        "name_zh": "坏",
        **terms(level=9, hours_per_credit=None),
    }

    response = post(client, "/standards", body, auth=bearer(bank.assessor))
    wrong_type = post(client, "/standards", {**body, "kind": "magic"}, auth=bearer(bank.assessor))
    no_note = post(
        client,
        f"/standards/{bank.leisure.code}/versions",
        {**terms(), "change_note": ""},
        auth=bearer(bank.assessor),
    )

    assert response.status_code == 400
    assert {"level", "hours_per_credit"} <= set(response.json()["fields"])
    assert wrong_type.status_code == 422 and "kind" in wrong_type.json()["fields"]
    assert no_note.status_code == 400 and list(no_note.json()["fields"]) == ["change_note"]
    assert not RecognitionStandard.objects.filter(code="BAD-1").exists()
    assert bank.leisure.versions.count() == 1


def test_only_assessors_of_the_owner_keep_standards(bank: Bank, client: Client) -> None:
    body = {"owner": bank.center.code, "code": "X-1", "name_zh": "某", **terms()}

    created = post(client, "/standards", body, auth=bearer(bank.city.b.officer))
    revised = post(
        client,
        f"/standards/{bank.leisure.code}/versions",
        {**terms(), "change_note": "x"},
        auth=bearer(bank.city.a.school_admin),
    )

    assert (created.status_code, revised.status_code) == (404, 404)
    assert not RecognitionStandard.objects.filter(code="X-1").exists()


# Accounts: offices --------------------------------------------------------------------------


def test_offices_list_and_read_accounts_in_their_area(bank: Bank, client: Client) -> None:
    learner = make_resident(bank.city)
    submit(bank, learner)
    number = account_of(learner).number

    listed = get(client, "/accounts", auth=bearer(bank.city.a.officer))
    found = get(client, "/accounts", auth=bearer(bank.city.a.officer), q=learner.name)
    elsewhere = get(client, "/accounts", auth=bearer(bank.city.b.officer))
    one = get(client, f"/accounts/{number}", auth=bearer(bank.city.a.officer))
    own = get(client, f"/accounts/{number}", auth=bearer(learner.user))
    hidden = get(client, f"/accounts/{number}", auth=bearer(bank.city.b.officer))
    stranger = get(client, f"/accounts/{number}", auth=bearer(make_resident(bank.city).user))

    assert listed.json()["count"] == 1 and found.json()["count"] == 1
    assert listed.json()["items"][0]["number"] == number
    assert elsewhere.json()["count"] == 0
    assert (one.status_code, own.status_code) == (200, 200)
    assert one.json()["total"] == "2.0"
    assert (hidden.status_code, stranger.status_code) == (404, 404)


def test_merging_duplicates_moves_credits_and_never_returns_the_id_number(
    bank: Bank, client: Client
) -> None:
    city = bank.city
    number = idnumber.build("310101", dt.date(1980, 5, 17), 55)
    keep = make_learner(actor=city.root, area=city.a.neighbourhood, name="张伟", id_number=number)
    dup = make_learner(actor=city.root, area=city.a.neighbourhood, name="张伟", with_id=False)
    submit(bank, keep, hours=Decimal("30"))
    submit(bank, dup, hours=Decimal("45"))
    body = {
        "keep": account_of(keep).number,
        "duplicate": account_of(dup).number,
        "reason": "same resident",
        "id_number": number,
    }
    auth = {**bearer(city.a.officer), "Idempotency-Key": "merge-1"}

    outsider = post(client, "/accounts/merge", body, auth=bearer(city.b.officer))
    merged = post(client, "/accounts/merge", body, auth=auth)
    retry = post(client, "/accounts/merge", body, auth=auth)

    assert outsider.status_code == 404
    assert (merged.status_code, retry.status_code) == (200, 200)
    assert merged.json()["number"] == account_of(keep).number
    assert merged.json()["total"] == retry.json()["total"] == "5.0"
    assert number not in merged.content.decode()
    assert Learner.objects.count() == 2


def test_merging_different_people_is_refused(bank: Bank, client: Client) -> None:
    city = bank.city
    a = make_learner(actor=city.root, area=city.a.neighbourhood, name="张伟")
    b = make_learner(actor=city.root, area=city.a.neighbourhood, name="李娜", with_id=False)
    submit(bank, a)
    submit(bank, b)

    response = post(
        client,
        "/accounts/merge",
        {"keep": account_of(a).number, "duplicate": account_of(b).number, "reason": "x"},
        auth=bearer(city.a.officer),
    )

    assert response.status_code == 400
    assert response.json()["code"] == "not_duplicates"
    assert account_of(b).status == "open"


@pytest.mark.parametrize(
    ("who", "path", "most"),
    [
        ("resident", "/me/records", 4),
        ("resident", "/me/conversions", 7),
        ("resident", "/me/claims", 4),
        ("resident", "/me/transcript", 6),  # the providers come in one query of their own
        ("assessor", "/conversions", 7),
        ("assessor", "/claims", 4),
        ("officer", "/accounts", 4),
        ("public", "/standards", 3),
        ("public", "/programs", 5),
    ],
)
def test_other_lists_take_a_fixed_number_of_queries(
    bank: Bank,
    client: Client,
    django_assert_max_num_queries: Any,
    who: str,
    path: str,
    most: int,
) -> None:
    residents = [make_resident(bank.city) for _ in range(3)]
    for learner in residents:
        for title in ("计算机一级", "计算机一级（补考）"):
            submit(
                bank,
                learner,
                title=title,
                category=CreditCategory.VOCATIONAL,
                certificate_code="NCRE-1",
                hours=0,
            )
        services.conversion_apply(
            actor=learner.user, account=account_of(learner), program_code=bank.program.code
        )
        client.post(f"{BASE}/me/claims", claim_form(bank), headers=bearer(learner.user))
    users = {
        "resident": residents[0].user,
        "assessor": bank.assessor,
        "officer": bank.city.a.officer,
    }
    auth = bearer(users[who]) if who in users else None

    with django_assert_max_num_queries(most):
        response = get(client, path, auth=auth)

    assert response.status_code == 200
