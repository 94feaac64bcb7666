"""The credit bank's services: accounts, records, recognition, the ledger, conversion,
prior learning and share links."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from learningcity.core import clock, idnumber
from learningcity.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from learningcity.core.models import AuditEntry
from learningcity.creditbank import selectors, services
from learningcity.creditbank.choices import (
    ClaimStatus,
    ConversionStatus,
    CreditCategory,
    PostingKind,
    RecordChannel,
    RecordStatus,
)
from learningcity.creditbank.data import EquivalenceRow, ProgramCourseRow, StandardTerms
from learningcity.creditbank.models import Account, Posting, Program, account_number_for
from learningcity.creditbank.services.records import balance_total
from learningcity.creditbank.tests.factories import (
    LEISURE,
    Bank,
    account_of,
    make_bank,
    make_program,
    make_resident,
    row,
    submit,
)
from learningcity.learners.tests.factories import make_learner
from learningcity.network.tests.factories import City

pytestmark = pytest.mark.django_db


@pytest.fixture
def bank(city: City) -> Bank:
    return make_bank(city)


def test_account_number_is_stable_and_checked() -> None:
    assert account_number_for(1234) == account_number_for(1234)
    number = account_number_for(1234)
    assert number.startswith("CB000001234") and len(number) == 12
    assert account_number_for(1235)[-1] != number[-1]


def test_first_record_opens_one_account(bank: Bank) -> None:
    learner = make_resident(bank.city)
    submit(bank, learner)
    submit(bank, learner)
    assert Account.objects.filter(learner=learner).count() == 1


def test_leisure_hours_earn_credits_by_the_standard(bank: Bank) -> None:
    learner = make_resident(bank.city)
    record = submit(bank, learner, hours=Decimal("45"))
    assert record.status == RecordStatus.VERIFIED
    assert record.credits == Decimal("3.0")
    posting = Posting.objects.get(record=record)
    assert posting.category == CreditCategory.CULTURE_LEISURE
    assert posting.standard_version is not None
    assert posting.standard_version.standard == bank.leisure
    assert AuditEntry.objects.filter(action="creditbank.record_verify").exists()


def test_low_attendance_earns_nothing_and_says_why(bank: Bank) -> None:
    learner = make_resident(bank.city)
    record = submit(bank, learner, attendance_rate=Decimal("70"))
    assert record.credits == 0
    assert "low_attendance" in record.recognition_note
    assert not Posting.objects.filter(record=record).exists()


def test_term_cap_cuts_credits_to_what_is_left(bank: Bank) -> None:
    learner = make_resident(bank.city)
    # 24 per term: 300 hours = 20 credits, then 90 hours = 6 credits but only 4 fit.
    submit(bank, learner, hours=Decimal("300"))
    second = submit(bank, learner, hours=Decimal("90"))
    assert second.credits == Decimal("4.0")
    assert "capped_term" in second.recognition_note
    third = submit(bank, learner, hours=Decimal("30"))
    assert third.credits == 0


def test_certificate_counts_once(bank: Bank) -> None:
    learner = make_resident(bank.city)
    first = submit(
        bank, learner, category=CreditCategory.VOCATIONAL, certificate_code="NCRE-1", hours=0
    )
    again = submit(
        bank, learner, category=CreditCategory.VOCATIONAL, certificate_code="NCRE-1", hours=0
    )
    assert first.credits == Decimal("4")
    assert again.credits == 0 and "capped_count" in again.recognition_note


def test_revoking_restores_the_balance(bank: Bank) -> None:
    learner = make_resident(bank.city)
    keep = submit(bank, learner, hours=Decimal("30"))
    gone = submit(bank, learner, hours=Decimal("60"))
    account = account_of(learner)
    assert balance_total(account) == Decimal("6.0")
    services.record_revoke(actor=bank.assessor, public_id=gone.public_id, reason="forged")
    assert balance_total(account) == keep.credits
    reversal = Posting.objects.get(record=gone, kind=PostingKind.REVERSAL)
    assert reversal.reverses is not None
    assert reversal.credits == -gone.credits and reversal.reverses.record == gone
    # A retry changes nothing.
    services.record_revoke(actor=bank.assessor, public_id=gone.public_id, reason="forged")
    assert balance_total(account) == keep.credits


def test_revoked_credits_free_the_cap(bank: Bank) -> None:
    learner = make_resident(bank.city)
    big = submit(bank, learner, hours=Decimal("360"))  # 24 = the term cap
    services.record_revoke(actor=bank.assessor, public_id=big.public_id, reason="error")
    after = submit(bank, learner, hours=Decimal("30"))
    assert after.credits == Decimal("2.0")


def test_resending_a_batch_changes_nothing(bank: Bank) -> None:
    learner = make_resident(bank.city)
    account = services.account_for(learner.pk)
    rows = [row(account_number=account.number) for _ in range(3)]
    first = services.records_submit(
        actor=bank.city.a.school_admin,
        provider=bank.city.a.school,
        rows=rows,
        channel=RecordChannel.API,
    )
    again = services.records_submit(
        actor=bank.city.a.school_admin,
        provider=bank.city.a.school,
        rows=rows,
        channel=RecordChannel.API,
    )
    assert (first.created, first.existing) == (3, 0)
    assert (again.created, again.existing) == (0, 3)
    assert [r.record_id for r in first.rows] == [r.record_id for r in again.rows]


def test_bad_rows_are_reported_and_good_rows_kept(bank: Bank) -> None:
    learner = make_resident(bank.city)
    account = services.account_for(learner.pk)
    report = services.records_submit(
        actor=bank.city.a.school_admin,
        provider=bank.city.a.school,
        rows=[
            row(account_number=account.number),
            row(account_number="CB0000000000", title=""),
            row(account_number=account.number, completed_on=dt.date(2999, 1, 1)),
        ],
        channel=RecordChannel.UPLOAD,
    )
    assert (report.created, report.errors) == (1, 2)
    bad = report.rows[1]
    assert bad.outcome == "error" and set(bad.errors) == {"title", "learner"}
    assert "completed_on" in report.rows[2].errors


def test_records_found_by_id_number(bank: Bank) -> None:
    number = idnumber.build("310101", dt.date(1950, 2, 3), 77)
    learner = make_learner(
        actor=bank.city.root,
        area=bank.city.a.neighbourhood,
        id_number=number,
        birth_date=dt.date(1950, 2, 3),
    )
    with translation.override("en"):
        report = services.records_submit(
            actor=bank.city.root,
            provider=bank.city.a.school,
            rows=[
                row(id_number=number),
                row(id_number=idnumber.build("310101", dt.date(1950, 2, 3), 78)),
            ],
            channel=RecordChannel.API,
        )
    assert report.rows[0].outcome == "created"
    assert account_of(learner).records.count() == 1
    assert report.rows[1].errors == {"learner": ["No resident has this ID number."]}


def test_provider_staff_submit_only_for_their_own_organization(bank: Bank) -> None:
    learner = make_resident(bank.city)
    account = services.account_for(learner.pk)
    with pytest.raises(PermissionDenied):
        services.records_submit(
            actor=bank.city.b.school_admin,
            provider=bank.city.a.school,
            rows=[row(account_number=account.number)],
            channel=RecordChannel.WEB,
        )


def test_only_assessors_in_scope_verify(bank: Bank) -> None:
    learner = make_resident(bank.city)
    record = submit(bank, learner, verify=False)
    with pytest.raises(NotFound):
        services.record_verify(actor=bank.city.a.school_admin, public_id=record.public_id)
    verified = services.record_verify(actor=bank.assessor, public_id=record.public_id)
    assert verified.status == RecordStatus.VERIFIED


def test_no_assessor_decides_on_their_own_learning(bank: Bank) -> None:
    """An assessor who is also a learner: her records, claims and conversion applications
    are left out of her queues and refused to her; a colleague decides them."""
    city = bank.city
    learner = make_learner(actor=city.root, area=city.a.neighbourhood, user=bank.second_assessor)
    account = services.account_for(learner.pk)
    record = submit(bank, learner, verify=False)
    submit(bank, learner, category=CreditCategory.VOCATIONAL, certificate_code="NCRE-1", hours=0)
    claim = services.claim_submit(
        actor=bank.second_assessor,
        account=account,
        assessor_code=bank.center.code,
        title="社区合唱团十年",
        description="每周排练两小时",
        category=CreditCategory.CULTURE_LEISURE,
        hours=Decimal("60"),
        evidence=_pdf(),
    )
    application = services.conversion_apply(
        actor=bank.second_assessor, account=account, program_code=bank.program.code
    )
    assert not selectors.review_queue(viewer=bank.second_assessor).filter(pk=record.pk).exists()
    assert not selectors.claim_queue(viewer=bank.second_assessor).filter(pk=claim.pk).exists()
    assert (
        not selectors.conversion_queue(viewer=bank.second_assessor)
        .filter(pk=application.pk)
        .exists()
    )
    with pytest.raises(PermissionDenied):
        services.record_verify(actor=bank.second_assessor, public_id=record.public_id)
    with pytest.raises(PermissionDenied):
        services.record_reject(actor=bank.second_assessor, public_id=record.public_id, reason="x")
    with pytest.raises(PermissionDenied):
        services.claim_decide(
            actor=bank.second_assessor, public_id=claim.public_id, approve=True, reason="ok"
        )
    with pytest.raises(PermissionDenied):
        services.conversion_decide(
            actor=bank.second_assessor, public_id=application.public_id, approve=True, reason="ok"
        )
    colleague = bank.assessor  # the one who verified her certificate above
    assert selectors.review_queue(viewer=colleague).filter(pk=record.pk).exists()
    verified = services.record_verify(actor=colleague, public_id=record.public_id)
    assert verified.status == RecordStatus.VERIFIED
    with pytest.raises(PermissionDenied):
        services.record_revoke(actor=bank.second_assessor, public_id=record.public_id, reason="x")
    decided = services.claim_decide(
        actor=colleague, public_id=claim.public_id, approve=False, reason="no proof"
    )
    assert decided.status == ClaimStatus.REJECTED


def test_rejecting_needs_a_reason_and_grants_nothing(bank: Bank) -> None:
    learner = make_resident(bank.city)
    record = submit(bank, learner, verify=False)
    with pytest.raises(ValidationFailed) as info:
        services.record_reject(actor=bank.assessor, public_id=record.public_id, reason=" ")
    assert "reason" in info.value.fields
    services.record_reject(actor=bank.assessor, public_id=record.public_id, reason="no proof")
    with pytest.raises(Conflict):
        services.record_verify(actor=bank.assessor, public_id=record.public_id)
    assert not Posting.objects.filter(record=record).exists()


def test_a_new_standard_version_leaves_past_decisions_alone(bank: Bank) -> None:
    learner = make_resident(bank.city)
    before = submit(bank, learner, hours=Decimal("30"))
    terms = StandardTerms(**{**LEISURE.__dict__, "hours_per_credit": Decimal("10")})
    version = services.standard_revise(
        actor=bank.assessor, code=bank.leisure.code, terms=terms, change_note="10 h per credit"
    )
    assert version.version == 2
    after = submit(bank, learner, hours=Decimal("30"), completed_on=dt.date(2026, 4, 1))
    assert after.credits == Decimal("3.0")
    used = [Posting.objects.get(record=r).standard_version for r in (before, after)]
    assert [v.version if v else None for v in used] == [1, 2]


def test_standard_terms_are_checked_field_by_field(bank: Bank) -> None:
    terms = StandardTerms(**{**LEISURE.__dict__, "level": 9, "hours_per_credit": None})
    with pytest.raises(ValidationFailed) as info:
        services.standard_revise(
            actor=bank.assessor, code=bank.leisure.code, terms=terms, change_note="x"
        )
    assert {"level", "hours_per_credit"} <= set(info.value.fields)


def test_degree_audit_counts_program_courses_and_finds_conversions(bank: Bank) -> None:
    learner = make_resident(bank.city)
    degree: dict[str, Any] = {
        "category": CreditCategory.DEGREE,
        "score": Decimal("75"),
        "hours": Decimal("45"),
    }
    submit(bank, learner, provider=bank.center, course_code="ADM101", **degree)
    submit(bank, learner, provider=bank.city.a.college, course_code="ADM102", **degree)
    submit(bank, learner, category=CreditCategory.VOCATIONAL, certificate_code="NCRE-1", hours=0)
    submit(bank, learner, course_code="GEN102", title="大学语文兴趣班")  # leisure: never
    account = account_of(learner)
    audit = selectors.degree_audit(account, bank.program)
    lines = {line.code: line for line in audit.courses}
    assert lines["ADM101"].met_by == "program"
    assert lines["ADM102"].candidate_via == "transfer"
    assert lines["GEN101"].candidate_via == "equivalence:NCRE-1"
    assert lines["GEN102"].met_by == "" and not lines["GEN102"].candidate_record_id
    assert "大学语文兴趣班" in audit.never_convert
    assert (audit.earned_in_program, audit.convertible, audit.missing) == (3, 6, 9)

    application = services.conversion_apply(
        actor=learner.user, account=account, program_code=bank.program.code
    )
    assert {i.program_course.code for i in application.items.all()} == {"ADM102", "GEN101"}
    services.conversion_decide(
        actor=bank.assessor, public_id=application.public_id, approve=True, reason="matches"
    )
    audit = selectors.degree_audit(account, bank.program)
    assert (audit.converted, audit.counted, audit.missing) == (6, 9, 3)
    assert AuditEntry.objects.filter(action="creditbank.conversion_approve").exists()


def test_conversion_cannot_pass_the_converted_share(bank: Bank) -> None:
    program = make_program(  # at most 3 of 12 credits converted
        institution=bank.center, actor=bank.assessor, max_converted_share=Decimal("25")
    )
    learner = make_resident(bank.city)
    degree: dict[str, Any] = {
        "category": CreditCategory.DEGREE,
        "score": Decimal("75"),
        "hours": Decimal("45"),
    }
    submit(bank, learner, course_code="ADM101", **degree)
    submit(bank, learner, course_code="ADM102", **degree)
    application = services.conversion_apply(
        actor=learner.user, account=account_of(learner), program_code=program.code
    )
    with pytest.raises(ValidationFailed):
        services.conversion_decide(
            actor=bank.assessor, public_id=application.public_id, approve=True, reason="ok"
        )
    application.refresh_from_db()
    assert application.status == ConversionStatus.SUBMITTED


def test_leisure_alone_has_nothing_to_convert(bank: Bank) -> None:
    learner = make_resident(bank.city)
    submit(bank, learner, course_code="ADM101")
    with pytest.raises(ValidationFailed):
        services.conversion_apply(
            actor=learner.user, account=account_of(learner), program_code=bank.program.code
        )


def _pdf() -> SimpleUploadedFile:
    return SimpleUploadedFile("cert.pdf", b"%PDF-1.4 test", content_type="application/pdf")


def test_prior_learning_claim_with_one_appeal(bank: Bank) -> None:
    learner = make_resident(bank.city)
    account = services.account_for(learner.pk)
    claim = services.claim_submit(
        actor=learner.user,
        account=account,
        assessor_code=bank.center.code,
        title="社区合唱团十年",
        description="每周排练两小时",
        category=CreditCategory.CULTURE_LEISURE,
        hours=Decimal("60"),
        evidence=_pdf(),
    )
    assert claim.due_on > clock.today()
    services.claim_decide(
        actor=bank.assessor, public_id=claim.public_id, approve=False, reason="no proof"
    )
    services.claim_appeal(actor=learner.user, public_id=claim.public_id, reason="see photos")
    with pytest.raises(PermissionDenied):
        services.claim_decide(
            actor=bank.assessor, public_id=claim.public_id, approve=True, reason="ok"
        )
    claim = services.claim_decide(
        actor=bank.second_assessor, public_id=claim.public_id, approve=True, reason="ok"
    )
    assert claim.status == ClaimStatus.OVERTURNED
    assert claim.record is not None and claim.record.credits == Decimal("4.0")
    with pytest.raises(Conflict):
        services.claim_appeal(actor=learner.user, public_id=claim.public_id, reason="again")


def test_evidence_must_be_a_real_pdf_or_image(bank: Bank) -> None:
    learner = make_resident(bank.city)
    fake = SimpleUploadedFile("cert.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    with pytest.raises(ValidationFailed) as info:
        services.claim_submit(
            actor=learner.user,
            account=services.account_for(learner.pk),
            assessor_code=bank.center.code,
            title="x",
            description="y",
            category=CreditCategory.CULTURE_LEISURE,
            hours=Decimal("1"),
            evidence=fake,
        )
    assert "evidence" in info.value.fields


def test_share_link_expires(bank: Bank, settings: object) -> None:
    learner = make_resident(bank.city)
    account = services.account_for(learner.pk)
    share, token = services.share_create(actor=learner.user, account=account, days=7)
    assert services.share_resolve(token) == account
    assert share.token_digest != token
    services.share_revoke(actor=learner.user, public_id=share.public_id)
    with pytest.raises(NotFound):
        services.share_resolve(token)


def test_merge_moves_records_and_credits(bank: Bank) -> None:
    city = bank.city
    keep = make_learner(actor=city.root, area=city.a.neighbourhood, name="张伟")
    dup = make_learner(actor=city.root, area=city.a.neighbourhood, name="张伟", with_id=False)
    submit(bank, keep, hours=Decimal("30"))
    moved = submit(bank, dup, hours=Decimal("45"))
    kept = services.account_merge(
        actor=city.a.officer,
        keep_number=account_of(keep).number,
        duplicate_number=account_of(dup).number,
        reason="same resident, registered twice",
    )
    assert balance_total(kept) == Decimal("5.0")
    assert balance_total(account_of(dup)) == 0
    moved.refresh_from_db()
    assert moved.account == kept
    # Revoking a moved record takes its credits from the account that holds them now.
    services.record_revoke(actor=bank.assessor, public_id=moved.public_id, reason="error")
    assert balance_total(kept) == Decimal("2.0")


def test_merge_refuses_different_people(bank: Bank) -> None:
    city = bank.city
    a = make_learner(actor=city.root, area=city.a.neighbourhood, name="张伟")
    b = make_learner(actor=city.root, area=city.a.neighbourhood, name="李娜", with_id=False)
    submit(bank, a)
    submit(bank, b)
    with pytest.raises(ValidationFailed):
        services.account_merge(
            actor=city.a.officer,
            keep_number=account_of(a).number,
            duplicate_number=account_of(b).number,
            reason="x",
        )


def test_programs_are_set_up_whole_by_the_institutions_assessors(bank: Bank) -> None:
    with pytest.raises(NotFound):
        make_program(institution=bank.center, actor=bank.city.a.school_admin)
    with pytest.raises(ValidationFailed) as info:
        services.program_create(
            actor=bank.assessor,
            institution=bank.center,
            code="BAD",
            name_zh="坏",
            level="associate",
            total_credits=Decimal("12"),
            max_converted_share=Decimal("120"),
            courses=[ProgramCourseRow("C1", "课", Decimal("3"), "major")],
            equivalences=[EquivalenceRow("NCRE-1", "计算机一级", ("C9",))],
        )
    assert {"max_converted_share", "equivalences"} <= set(info.value.fields)
    assert not Program.objects.filter(code="BAD").exists()
    made = make_program(institution=bank.center, actor=bank.assessor)
    assert made.courses.count() == 4 and made.equivalences.get().courses.count() == 1
    assert AuditEntry.objects.filter(action="creditbank.program_create").exists()


def test_transcript_and_audit_name_records_by_their_public_id(bank: Bank) -> None:
    learner = make_resident(bank.city)
    degree = submit(
        bank, learner, provider=bank.city.b.college, category=CreditCategory.DEGREE,
        course_code=bank.program.courses.order_by("code")[0].code, score=Decimal(90),
        hours=Decimal(45),
    )  # fmt: skip
    leisure = submit(bank, learner, completed_on=dt.date(2026, 1, 5))
    account = account_of(learner)
    with translation.override("en"):
        sheet = selectors.transcript(account)
    assert [
        (line.public_id, line.category_label, line.provider_code) for line in sheet.records
    ] == [
        (str(degree.public_id), "Degree education", bank.city.b.college.code),
        (str(leisure.public_id), "Culture and leisure", bank.city.a.college.code),
    ]
    audit = selectors.degree_audit(account, bank.program)
    assert [c.candidate_record_id for c in audit.courses if c.candidate_record_id] == [
        str(degree.public_id)
    ]
