"""The credit bank's authorization matrix: every page and API operation, as every actor.

The world belongs to district A: resident A's account with records from town A1's community
school (one submitted, one verified, one certificate that converts) and from district A's
community college; a program of the community school with resident A's conversion waiting;
prior-learning claims the community school assesses; a standard the community school keeps;
transcript links. Resident B (district B) has the counterparts the object-level rows need.

Who may do what (README "Scope" and "The Learning Credit Bank", the selectors' docstrings):
a resident sees and changes only their own bank; records are seen by the provider that sent
them and by the offices of the learner's area; accounts only by the offices of the learner's
area; assessors decide records, claims and conversions of organizations in their ASSESS scope;
standards, programs and shared transcripts are public.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from learningcity.creditbank import services
from learningcity.creditbank.choices import CreditCategory, RecordChannel
from learningcity.creditbank.models import LearningRecord
from learningcity.creditbank.tests.factories import LEISURE, make_bank, make_program, row
from learningcity.learners.tests.factories import make_learner
from learningcity.network.choices import StaffRoleKind
from learningcity.network.tests.factories import City, make_staff
from tests.authz.matrix import (
    GOVERNANCE_LEVELS,
    LEVELS,
    OTHER_RESIDENT,
    PUBLIC,
    RESIDENT,
    SIGNED_IN,
    Actors,
    Op,
    Page,
    Route,
    run_matrix,
    staff,
)

API = "/api/v1/creditbank"

# An assessor of district A's office who is also a resident of town A1, with learning of her
# own in the bank: she assesses like any district assessor, and banks like any resident, but
# never decides on her own records, claims or conversions.
SELF = "district_assessor_learner"

LEARNERS = frozenset({RESIDENT, OTHER_RESIDENT, SELF})
SIGNED = SIGNED_IN | {SELF}
EVERYONE = PUBLIC | {SELF}
ONLY_A = frozenset({RESIDENT})
ONLY_B = frozenset({OTHER_RESIDENT})
NOBODY_AT_ALL: frozenset[str] = frozenset()

# Where the staff sit who reach district A's objects: its governance (municipal, district A,
# town A1) and, for what the community school itself sent or assesses, the school.
A_GOVERNANCE = GOVERNANCE_LEVELS
A_WITH_SCHOOL = (*GOVERNANCE_LEVELS, "provider")
# District B's objects: the municipal commission and district B's office.
B_GOVERNANCE = ("municipal", "other_district")
# Offices: governance bodies anywhere (district B's office is one too).
OFFICES = (*GOVERNANCE_LEVELS, "other_district")


def staff_(action: str | None = None, *, levels: tuple[str, ...]) -> frozenset[str]:
    """`staff`, with SELF wherever district A's assessor is."""
    names = staff(action, levels=levels)
    return names | {SELF} if "district_assessor" in names else names


ANY_STAFF = staff_(levels=LEVELS)
ANY_ASSESSOR = staff_("assess", levels=LEVELS)
ANY_CHANGER = staff_("change", levels=LEVELS)
A_STAFF = staff_(levels=A_GOVERNANCE)
A_RECORD_STAFF = staff_(levels=A_WITH_SCHOOL)
A_ASSESSORS = staff_("assess", levels=A_WITH_SCHOOL)
A_CHANGERS = staff_("change", levels=A_WITH_SCHOOL)
A_OFFICE_CHANGERS = staff_("change", levels=A_GOVERNANCE)
B_STAFF = staff_(levels=B_GOVERNANCE)
B_ASSESSORS = staff_("assess", levels=B_GOVERNANCE)
OFFICE_STAFF = staff_(levels=OFFICES)
MUNICIPAL_ASSESSORS = staff_("assess", levels=("municipal",))
# District A's assessors deciding on the assessor-learner's own learning: everyone but her.
NOT_SELF = A_ASSESSORS - {SELF}

REASON = {"reason": "The certificate was checked against the issuer's register."}
DECIDE_FORM = {"decision": "approve", "reason": "Evidence checked."}
TERMS_FORM = {
    "kind": "leisure",
    "match_category": "culture_leisure",
    "credit_category": "culture_leisure",
    "level": "2",
    "effective_from": "2026-01-01",
    "hours_per_credit": "15",
}
TERMS_BODY = {
    "kind": "leisure",
    "match_category": "culture_leisure",
    "credit_category": "culture_leisure",
    "level": 2,
    "effective_from": "2026-01-01",
    "hours_per_credit": "15",
}
RECORD_FORM = {
    "provider": "{school}",
    "account_number": "{account}",
    "external_id": "MX-NEW-1",
    "category": "culture_leisure",
    "title": "Matrix pottery class",
    "completed_on": "2026-03-15",
    "hours": "30",
    "attendance_rate": "90",
    "passed": "yes",
}
CLAIM_FIELDS = {
    "assessor_code": "{school}",
    "title": "Matrix claimed choir singing",
    "description": "Two years in the district choir, weekly rehearsals.",
    "category": "culture_leisure",
    "hours": "60",
}
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


ROUTES: list[Route] = [
    # ---- The learner's own bank: only residents with a learner record; each sees only
    # their own (there is no id in these URLs: the account is the caller's).
    Page("creditbank:home", LEARNERS, shows="account", seers=ONLY_A),
    Page("creditbank:open", LEARNERS, method="POST", data={}),
    Page("creditbank:programs", LEARNERS),
    Page(
        "creditbank:audit", LEARNERS, kwargs={"code": "{program}"}, shows="cert_title", seers=ONLY_A
    ),
    # Resident A's application is waiting (applying again returns it); resident B has nothing
    # convertible and is told so on the form (400): both are let in to their own audit.
    Page(
        "creditbank:audit",
        LEARNERS,
        kwargs={"code": "{program}"},
        method="POST",
        data={"courses": ["GEN101"]},
    ),
    # The assessor-learner applied toward the same program: she sees her own application.
    Page("creditbank:conversions", LEARNERS, shows="program_name", seers=ONLY_A | {SELF}),
    Page("creditbank:claims", LEARNERS, shows="claim_open_title", seers=ONLY_A),
    Page("creditbank:claim_new", LEARNERS),
    # A form post cannot carry the evidence file here: the learner is told to add it (400);
    # staff are turned away before the form.
    Page(
        "creditbank:claim_new",
        LEARNERS,
        method="POST",
        data={
            "assessor": "{school}",
            "title": "x",
            "description": "y",
            "category": "activity",
            "hours": "3",
        },
    ),
    Page("creditbank:claim_appeal", ONLY_A, kwargs={"public_id": "{claim_rejected}"}),
    Page(
        "creditbank:claim_appeal",
        ONLY_A,
        kwargs={"public_id": "{claim_rejected}"},
        method="POST",
        data={"reason": "The certificate is genuine; please look again."},
    ),
    Page("creditbank:claim_appeal", ONLY_B, kwargs={"public_id": "{other_claim}"}),
    # The evidence: the learner and the assessing organization (the community school, and
    # the bodies whose ASSESS scope holds it); no one else, not even a viewer of the area.
    Page("creditbank:claim_evidence", ONLY_A | A_ASSESSORS, kwargs={"public_id": "{claim_open}"}),
    Page("creditbank:claim_evidence", ONLY_B | B_ASSESSORS, kwargs={"public_id": "{other_claim}"}),
    Page("creditbank:shares", LEARNERS),
    Page("creditbank:shares", LEARNERS, method="POST", data={"days": "30"}),
    Page(
        "creditbank:share_revoke", ONLY_A, kwargs={"public_id": "{share}"}, method="POST", data={}
    ),
    Page(
        "creditbank:share_revoke",
        ONLY_B,
        kwargs={"public_id": "{other_share}"},
        method="POST",
        data={},
    ),
    Page("creditbank:transcript", LEARNERS, shows="verified_title", seers=ONLY_A),
    Page("creditbank:transcript_pdf", LEARNERS),
    Page("creditbank:transcript_json", LEARNERS, shows="account", seers=ONLY_A),
    # ---- Whoever holds a link, until it expires or is withdrawn.
    Page("creditbank:shared", EVERYONE, kwargs={"token": "{token}"}, shows="verified_title"),
    Page("creditbank:shared", NOBODY_AT_ALL, kwargs={"token": "{revoked_token}"}),
    Page("creditbank:shared", NOBODY_AT_ALL, kwargs={"token": "not-a-real-token"}),
    Page("creditbank:shared_pdf", EVERYONE, kwargs={"token": "{token}"}),
    Page("creditbank:shared_pdf", NOBODY_AT_ALL, kwargs={"token": "{revoked_token}"}),
    Page("creditbank:standards", EVERYONE, shows="standard"),
    # ---- Staff: anyone holding a role somewhere; each list shows only their scope.
    Page("creditbank:staff_home", ANY_STAFF),
    Page("creditbank:staff_records", ANY_STAFF, shows="verified_title", seers=A_RECORD_STAFF),
    Page("creditbank:staff_records", ANY_STAFF, shows="college_title", seers=A_STAFF),
    Page("creditbank:staff_records", ANY_STAFF, shows="other_title", seers=B_STAFF),
    # Those who may change records somewhere submit for the providers in their scope.
    Page("creditbank:record_new", ANY_CHANGER),
    # District B's registrars and admins pass the page but may not name town A1's school: the
    # form answers "select a valid choice" (400), and nothing is written.
    Page("creditbank:record_new", ANY_CHANGER, method="POST", data=RECORD_FORM),
    Page("creditbank:records_upload", ANY_CHANGER),
    # Without a file the form answers 400 to those let in.
    Page("creditbank:records_upload", ANY_CHANGER, method="POST", data={"provider": "{school}"}),
    # ---- Offices: accounts of residents of their area.
    Page("creditbank:accounts", OFFICE_STAFF, shows="account", seers=A_STAFF),
    Page("creditbank:accounts", OFFICE_STAFF, shows="other_account", seers=B_STAFF),
    # The merge form is for offices' admins and registrars: readers have nothing to do there.
    Page("creditbank:merge", staff_("change", levels=OFFICES)),
    # Merging changes accounts: admins and registrars of resident A's area; district B's
    # office and the area's readers answer "no such account" (404).
    Page(
        "creditbank:merge",
        A_OFFICE_CHANGERS,
        method="POST",
        data={
            "keep_number": "{account}",
            "duplicate_number": "{duplicate_account}",
            "reason": "Same name and birth date; registered twice.",
        },
    ),
    Page("creditbank:account", A_STAFF, kwargs={"number": "{account}"}, shows="college_title"),
    Page("creditbank:account", B_STAFF, kwargs={"number": "{other_account}"}),
    # ---- Assessors.
    Page("creditbank:review", ANY_ASSESSOR, shows="submitted_title", seers=A_ASSESSORS),
    Page("creditbank:review", ANY_ASSESSOR, shows="other_submitted_title", seers=B_ASSESSORS),
    Page(
        "creditbank:record_verify",
        A_ASSESSORS,
        kwargs={"public_id": "{submitted}"},
        method="POST",
        data={},
    ),
    Page(
        "creditbank:record_verify",
        B_ASSESSORS,
        kwargs={"public_id": "{other_submitted}"},
        method="POST",
        data={},
    ),
    Page("creditbank:record_reject", A_ASSESSORS, kwargs={"public_id": "{submitted}"}),
    Page(
        "creditbank:record_reject",
        A_ASSESSORS,
        kwargs={"public_id": "{submitted}"},
        method="POST",
        data=REASON,
    ),
    Page(
        "creditbank:record_reject",
        B_ASSESSORS,
        kwargs={"public_id": "{other_submitted}"},
        method="POST",
        data=REASON,
    ),
    Page("creditbank:record_revoke", A_ASSESSORS, kwargs={"public_id": "{verified}"}),
    Page(
        "creditbank:record_revoke",
        A_ASSESSORS,
        kwargs={"public_id": "{verified}"},
        method="POST",
        data=REASON,
    ),
    # The college's record: the school's assessors do not reach it.
    Page(
        "creditbank:record_revoke",
        staff_("assess", levels=A_GOVERNANCE),
        kwargs={"public_id": "{college}"},
        method="POST",
        data=REASON,
    ),
    Page("creditbank:conversion_queue", ANY_ASSESSOR, shows="conversion", seers=A_ASSESSORS),
    Page("creditbank:conversion_decide", A_ASSESSORS, kwargs={"public_id": "{conversion}"}),
    Page(
        "creditbank:conversion_decide",
        A_ASSESSORS,
        kwargs={"public_id": "{conversion}"},
        method="POST",
        data=DECIDE_FORM,
    ),
    Page("creditbank:claim_queue", ANY_ASSESSOR, shows="claim_open_title", seers=A_ASSESSORS),
    Page("creditbank:claim_queue", ANY_ASSESSOR, shows="other_claim_title", seers=B_ASSESSORS),
    Page("creditbank:claim_decide", A_ASSESSORS, kwargs={"public_id": "{claim_open}"}),
    Page(
        "creditbank:claim_decide",
        A_ASSESSORS,
        kwargs={"public_id": "{claim_open}"},
        method="POST",
        data=DECIDE_FORM,
    ),
    Page(
        "creditbank:claim_decide",
        B_ASSESSORS,
        kwargs={"public_id": "{other_claim}"},
        method="POST",
        data=DECIDE_FORM,
    ),
    Page("creditbank:standard_new", ANY_ASSESSOR),
    # District B's assessors may keep standards, but not in town A1's school's name: the form
    # answers "select a valid choice" (400).
    Page(
        "creditbank:standard_new",
        ANY_ASSESSOR,
        method="POST",
        data={
            **TERMS_FORM,
            "owner": "{school}",
            "code": "MX-NEW-STD",
            "name_zh": "新标准",
        },
    ),
    Page("creditbank:standard_revise", A_ASSESSORS, kwargs={"code": "{standard}"}),
    Page(
        "creditbank:standard_revise",
        A_ASSESSORS,
        kwargs={"code": "{standard}"},
        method="POST",
        data={**TERMS_FORM, "change_note": "Fewer hours per credit."},
    ),
    # The Service Center's standard (city level): only the city's assessors.
    Page(
        "creditbank:standard_revise",
        MUNICIPAL_ASSESSORS,
        kwargs={"code": "{center_standard}"},
        method="POST",
        data={**TERMS_FORM, "change_note": "Fewer hours per credit."},
    ),
    # ---- API: accounts (offices). A list answers everyone signed in, with what they may see.
    Op("GET", f"{API}/accounts", SIGNED, shows="account", seers=A_STAFF),
    Op("GET", f"{API}/accounts", SIGNED, shows="other_account", seers=B_STAFF),
    Op(
        "POST",
        f"{API}/accounts/merge",
        A_OFFICE_CHANGERS,
        body={
            "keep": "{account}",
            "duplicate": "{duplicate_account}",
            "reason": "Same name and birth date; registered twice.",
        },
    ),
    Op("GET", f"{API}/accounts/{{number}}", ONLY_A | A_STAFF, params={"number": "account"}),
    Op("GET", f"{API}/accounts/{{number}}", ONLY_B | B_STAFF, params={"number": "other_account"}),
    # ---- API: the resident's own.
    Op("GET", f"{API}/me", LEARNERS, shows="account", seers=ONLY_A),
    Op("POST", f"{API}/me/open", LEARNERS),
    Op("GET", f"{API}/me/records", LEARNERS, shows="verified", seers=ONLY_A),
    Op("GET", f"{API}/me/transcript", LEARNERS, shows="verified", seers=ONLY_A),
    Op(
        "GET",
        f"{API}/me/audit/{{program_code}}",
        LEARNERS,
        params={"program_code": "program"},
        shows="cert",
        seers=ONLY_A,
    ),
    Op(
        "POST",
        f"{API}/me/claims",
        LEARNERS,
        body=CLAIM_FIELDS,
        multipart=True,
        files=lambda: {"evidence": _evidence()},
    ),
    Op("GET", f"{API}/me/claims", LEARNERS, shows="claim_open", seers=ONLY_A),
    Op(
        "POST",
        f"{API}/me/claims/{{claim_id}}/appeal",
        ONLY_A,
        params={"claim_id": "claim_rejected"},
        body={"reason": "Please look again."},
    ),
    Op(
        "POST",
        f"{API}/me/claims/{{claim_id}}/appeal",
        ONLY_B,
        params={"claim_id": "other_rejected"},
        body={"reason": "Please look again."},
    ),
    # Resident B has nothing convertible: 422, a refusal of the request, not of the caller.
    Op("POST", f"{API}/me/conversions", LEARNERS, body={"program_code": "{program}"}),
    Op("GET", f"{API}/me/conversions", LEARNERS, shows="conversion", seers=ONLY_A),
    Op("POST", f"{API}/me/shares", LEARNERS, body={"days": 30}),
    # ---- API: claims and conversions (assessors).
    Op("GET", f"{API}/claims", SIGNED, shows="claim_open", seers=A_ASSESSORS),
    Op("GET", f"{API}/claims", SIGNED, shows="other_claim", seers=B_ASSESSORS),
    Op(
        "POST",
        f"{API}/claims/{{claim_id}}/decide",
        A_ASSESSORS,
        params={"claim_id": "claim_open"},
        body={"approve": True, "reason": "Evidence checked."},
    ),
    Op(
        "POST",
        f"{API}/claims/{{claim_id}}/decide",
        B_ASSESSORS,
        params={"claim_id": "other_claim"},
        body={"approve": False, "reason": "No evidence."},
    ),
    Op("GET", f"{API}/conversions", SIGNED, shows="conversion", seers=A_ASSESSORS),
    Op(
        "POST",
        f"{API}/conversions/{{application_id}}/decide",
        A_ASSESSORS,
        params={"application_id": "conversion"},
        body={"approve": True, "reason": "The certificate exempts the course."},
    ),
    # ---- API: records.
    Op(
        "POST",
        f"{API}/records/batch",
        A_CHANGERS,
        body={
            "provider": "{school}",
            "records": [
                {
                    "external_id": "MX-BATCH-1",
                    "account_number": "{account}",
                    "category": "culture_leisure",
                    "title": "Matrix batch record",
                    "completed_on": "2026-03-15",
                    "hours": "30",
                    "attendance_rate": "90",
                    "passed": True,
                }
            ],
        },
    ),
    Op("GET", f"{API}/records", SIGNED, shows="verified", seers=A_RECORD_STAFF),
    Op("GET", f"{API}/records", SIGNED, shows="college", seers=A_STAFF),
    Op("GET", f"{API}/records", SIGNED, shows="other_verified", seers=B_STAFF),
    Op(
        "GET",
        f"{API}/records/{{record_id}}",
        ONLY_A | A_RECORD_STAFF,
        params={"record_id": "verified"},
    ),
    # Sent by the college: town A1's school does not see it; the offices of A's area do.
    Op("GET", f"{API}/records/{{record_id}}", ONLY_A | A_STAFF, params={"record_id": "college"}),
    Op(
        "GET",
        f"{API}/records/{{record_id}}",
        ONLY_B | B_STAFF,
        params={"record_id": "other_verified"},
    ),
    Op(
        "POST",
        f"{API}/records/{{record_id}}/verify",
        A_ASSESSORS,
        params={"record_id": "submitted"},
        body={},
    ),
    Op(
        "POST",
        f"{API}/records/{{record_id}}/verify",
        B_ASSESSORS,
        params={"record_id": "other_submitted"},
        body={},
    ),
    Op(
        "POST",
        f"{API}/records/{{record_id}}/reject",
        A_ASSESSORS,
        params={"record_id": "submitted"},
        body=REASON,
    ),
    Op(
        "POST",
        f"{API}/records/{{record_id}}/revoke",
        A_ASSESSORS,
        params={"record_id": "verified"},
        body=REASON,
    ),
    Op(
        "POST",
        f"{API}/records/{{record_id}}/revoke",
        B_ASSESSORS,
        params={"record_id": "other_verified"},
        body=REASON,
    ),
    # ---- API: links, standards, programs.
    Op("GET", f"{API}/shared/{{token}}", EVERYONE, params={"token": "token"}, shows="verified"),
    Op("GET", f"{API}/shared/{{token}}", NOBODY_AT_ALL, params={"token": "revoked_token"}),
    Op("GET", f"{API}/standards", EVERYONE, shows="standard"),
    Op(
        "POST",
        f"{API}/standards",
        A_ASSESSORS,
        body={
            **TERMS_BODY,
            "owner": "{school}",
            "code": "MX-API-STD",
            "name_zh": "新标准",
        },
    ),
    Op(
        "POST",
        f"{API}/standards/{{code}}/versions",
        A_ASSESSORS,
        params={"code": "standard"},
        body={**TERMS_BODY, "change_note": "Fewer hours per credit."},
    ),
    Op(
        "POST",
        f"{API}/standards/{{code}}/versions",
        MUNICIPAL_ASSESSORS,
        params={"code": "center_standard"},
        body={**TERMS_BODY, "change_note": "Fewer hours per credit."},
    ),
    Op("GET", f"{API}/programs", EVERYONE, shows="program"),
    # ---- The assessor-learner's own learning: her colleagues decide, she does not (and her
    # queues leave it out), while she still reads it as its learner.
    Page("creditbank:review", ANY_ASSESSOR, shows="self_submitted_title", seers=NOT_SELF),
    Page(
        "creditbank:record_verify",
        NOT_SELF,
        kwargs={"public_id": "{self_submitted}"},
        method="POST",
        data={},
    ),
    Page("creditbank:record_reject", NOT_SELF, kwargs={"public_id": "{self_submitted}"}),
    Page(
        "creditbank:record_revoke",
        NOT_SELF,
        kwargs={"public_id": "{self_verified}"},
        method="POST",
        data=REASON,
    ),
    Page("creditbank:claim_queue", ANY_ASSESSOR, shows="self_claim_title", seers=NOT_SELF),
    Page("creditbank:claim_decide", NOT_SELF, kwargs={"public_id": "{self_claim}"}),
    Page("creditbank:claim_evidence", NOT_SELF | {SELF}, kwargs={"public_id": "{self_claim}"}),
    Page("creditbank:conversion_queue", ANY_ASSESSOR, shows="self_conversion", seers=NOT_SELF),
    Page("creditbank:conversion_decide", NOT_SELF, kwargs={"public_id": "{self_conversion}"}),
    Op(
        "GET",
        f"{API}/records/{{record_id}}",
        A_RECORD_STAFF,
        params={"record_id": "self_submitted"},
    ),
    Op(
        "POST",
        f"{API}/records/{{record_id}}/verify",
        NOT_SELF,
        params={"record_id": "self_submitted"},
        body={},
    ),
    Op(
        "POST",
        f"{API}/records/{{record_id}}/reject",
        NOT_SELF,
        params={"record_id": "self_submitted"},
        body=REASON,
    ),
    Op(
        "POST",
        f"{API}/records/{{record_id}}/revoke",
        NOT_SELF,
        params={"record_id": "self_verified"},
        body=REASON,
    ),
    Op("GET", f"{API}/claims", SIGNED, shows="self_claim", seers=NOT_SELF),
    Op(
        "POST",
        f"{API}/claims/{{claim_id}}/decide",
        NOT_SELF,
        params={"claim_id": "self_claim"},
        body={"approve": True, "reason": "Evidence checked."},
    ),
    Op("GET", f"{API}/conversions", SIGNED, shows="self_conversion", seers=NOT_SELF),
    Op(
        "POST",
        f"{API}/conversions/{{application_id}}/decide",
        NOT_SELF,
        params={"application_id": "self_conversion"},
        body={"approve": True, "reason": "The certificate exempts the course."},
    ),
]


# ---------------------------------------------------------------------------------------------
# The world


def _evidence() -> SimpleUploadedFile:
    return SimpleUploadedFile("certificate.pdf", PDF, content_type="application/pdf")


def _record(
    city: City, *, provider: Any, account: str, title: str, verify: bool, **kw: Any
) -> LearningRecord:
    record = services.record_submit(
        actor=city.root,
        provider=provider,
        row=row(account_number=account, title=title, **kw),
        channel=RecordChannel.WEB,
    )
    if verify:
        record = services.record_verify(actor=city.root, public_id=record.public_id)
    return record


def _claim(resident: Any, account: Any, assessor: Any, title: str) -> Any:
    return services.claim_submit(
        actor=resident.user,
        account=account,
        assessor_code=assessor.code,
        title=title,
        description="Learning done elsewhere, with a certificate.",
        category=CreditCategory.CULTURE_LEISURE,
        hours=Decimal("30"),
        evidence=_evidence(),
    )


def build_world(city: City, actors: Actors) -> dict[str, str]:
    root = city.root
    a, b = actors.resident, actors.other_resident
    account = services.account_open(actor=a.user, learner=a)
    other_account = services.account_open(actor=b.user, learner=b)
    # A duplicate of resident A (same name and birth date, no ID number): merge rows.
    duplicate = make_learner(actor=root, area=city.a.neighbourhood, name=a.name, with_id=False)
    duplicate_account = services.account_for(duplicate.pk)

    bank = make_bank(city)  # the Service Center, its standards and program
    school_standard = services.standard_create(
        actor=root,
        owner=city.a.school,
        code="MX-SCHOOL-LEISURE",
        name_zh="社区学校休闲课程",
        name_en="Matrix school leisure standard",
        terms=LEISURE,
    )
    program = make_program(institution=city.a.school, actor=root, code="MX-PROG")

    school, college = city.a.school, city.a.college
    submitted = _record(
        city,
        provider=school,
        account=account.number,
        title="Matrix submitted calligraphy",
        verify=False,
    )
    verified = _record(
        city, provider=school, account=account.number, title="Matrix verified taichi", verify=True
    )
    cert = _record(
        city,
        provider=school,
        account=account.number,
        title="Matrix computer certificate",
        verify=True,
        category=CreditCategory.VOCATIONAL,
        certificate_code="NCRE-1",
    )
    from_college = _record(
        city, provider=college, account=account.number, title="Matrix college painting", verify=True
    )
    other_submitted = _record(
        city,
        provider=city.b.school,
        account=other_account.number,
        title="Matrix other submitted opera",
        verify=False,
    )
    other_verified = _record(
        city,
        provider=city.b.school,
        account=other_account.number,
        title="Matrix other verified chess",
        verify=True,
    )

    conversion = services.conversion_apply(
        actor=a.user, account=account, program_code=program.code, course_codes=["GEN101"]
    )

    # The claims' first decisions are a school assessor's who is none of the actors, so any
    # actor may decide an appeal.
    decider = make_staff(actor=root, organization=school, role=StaffRoleKind.ASSESSOR)
    b_decider = make_staff(actor=root, organization=city.b.school, role=StaffRoleKind.ASSESSOR)
    claim_open = _claim(a, account, school, "Matrix open claim choir")
    claim_rejected = _claim(a, account, school, "Matrix rejected claim dance")
    services.claim_decide(
        actor=decider, public_id=claim_rejected.public_id, approve=False, reason="No certificate."
    )
    other_claim = _claim(b, other_account, city.b.school, "Matrix other claim knitting")
    other_rejected = _claim(b, other_account, city.b.school, "Matrix other rejected claim")
    services.claim_decide(
        actor=b_decider, public_id=other_rejected.public_id, approve=False, reason="No certificate."
    )

    # The assessor-learner: district A's assessor, living in town A1, with her own learning.
    self_user = make_staff(actor=root, organization=city.a.office, role=StaffRoleKind.ASSESSOR)
    me = make_learner(actor=root, area=city.a.neighbourhood, name="张伟", user=self_user)
    actors.add(SELF, self_user)
    my_account = services.account_open(actor=self_user, learner=me)
    self_submitted = _record(
        city,
        provider=school,
        account=my_account.number,
        title="Matrix assessor own embroidery",
        verify=False,
    )
    self_verified = _record(
        city,
        provider=school,
        account=my_account.number,
        title="Matrix assessor own erhu",
        verify=True,
    )
    _record(
        city,
        provider=school,
        account=my_account.number,
        title="Matrix assessor own certificate",
        verify=True,
        category=CreditCategory.VOCATIONAL,
        certificate_code="NCRE-1",
    )
    self_conversion = services.conversion_apply(
        actor=self_user, account=my_account, program_code=program.code, course_codes=["GEN101"]
    )
    self_claim = _claim(me, my_account, school, "Matrix assessor own claim guzheng")

    share, token = services.share_create(actor=a.user, account=account, days=30)
    gone, revoked_token = services.share_create(actor=a.user, account=account, days=30)
    services.share_revoke(actor=a.user, public_id=gone.public_id)
    other_share, _token = services.share_create(actor=b.user, account=other_account, days=30)

    return {
        "school": school.code,
        "account": account.number,
        "other_account": other_account.number,
        "duplicate_account": duplicate_account.number,
        "program": program.code,
        "program_name": program.name_en,
        "standard": school_standard.code,
        "center_standard": bank.leisure.code,
        "submitted": str(submitted.public_id),
        "submitted_title": submitted.title,
        "verified": str(verified.public_id),
        "verified_title": verified.title,
        "cert": str(cert.public_id),
        "cert_title": cert.title,
        "college": str(from_college.public_id),
        "college_title": from_college.title,
        "other_submitted": str(other_submitted.public_id),
        "other_submitted_title": other_submitted.title,
        "other_verified": str(other_verified.public_id),
        "other_title": other_verified.title,
        "conversion": str(conversion.public_id),
        "claim_open": str(claim_open.public_id),
        "claim_open_title": claim_open.title,
        "claim_rejected": str(claim_rejected.public_id),
        "other_claim": str(other_claim.public_id),
        "other_claim_title": other_claim.title,
        "other_rejected": str(other_rejected.public_id),
        "share": str(share.public_id),
        "other_share": str(other_share.public_id),
        "token": token,
        "revoked_token": revoked_token,
        "self_submitted": str(self_submitted.public_id),
        "self_submitted_title": self_submitted.title,
        "self_verified": str(self_verified.public_id),
        "self_conversion": str(self_conversion.public_id),
        "self_claim": str(self_claim.public_id),
        "self_claim_title": self_claim.title,
    }


# ---------------------------------------------------------------------------------------------
# Multipart operations: the matrix sends JSON; a claim carries its evidence file.


def test_creditbank_matrix(city: City, actors: Actors) -> None:
    world = build_world(city, actors)
    run_matrix(ROUTES, world, actors)
