"""Every read of the credit bank, scoped to who asks: balances, records, the degree audit,
the transcript, assessor queues."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from django.db.models import CharField, Q, QuerySet, Sum
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from learningcity.core import clock
from learningcity.core.errors import NotFound
from learningcity.creditbank.choices import (
    CLAIM_OPEN,
    DEFAULT_CONVERTIBILITY,
    ConversionStatus,
    Convertibility,
    CreditCategory,
    RecordStatus,
)
from learningcity.creditbank.data import Balance, CourseLine, DegreeAudit, TranscriptLine
from learningcity.creditbank.models import (
    Account,
    ConversionApplication,
    ConversionItem,
    ConversionPolicy,
    LearningRecord,
    Posting,
    PriorLearningClaim,
    Program,
    RecognitionStandard,
    credits_of,
)
from learningcity.network.choices import Action
from learningcity.network.models import Organization

ZERO = Decimal("0")
# A record's public id as text, not as a UUID object: a transcript lists a thousand, and every
# object that outlives a garbage collection while the list is built makes the next full
# collection (of the whole process) come sooner.
PUBLIC_ID_TEXT = Cast("public_id", output_field=CharField())


def _dashed(text: str) -> str:
    """A UUID's text in its usual form (SQLite keeps the 32 hex digits alone)."""
    if len(text) == 32:
        return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
    return text


def account_of_user(user: Any) -> Account | None:
    """The signed-in resident's own account, if they have one."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Account.objects.filter(learner__user_id=user.pk).select_related("learner").first()


def access_account(*, viewer: Any, number: str, action: str = Action.VIEW) -> Account:
    """An account the viewer may see: their own, or one in their scope; 404 otherwise."""
    account = (
        Account.objects.filter(number=number)
        .filter(
            Q(learner__user_id=getattr(viewer, "pk", None))
            | Q(pk__in=Account.objects.restrict(viewer, action).values("pk"))
        )
        .select_related("learner")
        .first()
    )
    if account is None:
        raise NotFound(_("No such account."))
    return account


def account_list(*, viewer: Any, q: str = "") -> QuerySet[Account]:
    qs = Account.objects.restrict(viewer, Action.VIEW).select_related("learner")
    if q:
        qs = qs.filter(Q(number=q.strip().upper()) | Q(learner__name__icontains=q.strip()))
    return qs.order_by("number")


def balances(account: Account) -> list[Balance]:
    """Credits by category and level: sums of the ledger, nothing stored."""
    rows = (
        Posting.objects.filter(account=account)
        .values("category", "level")
        .annotate(total=Sum("credits"))
        .order_by("category", "level")
    )
    return [
        Balance(category=r["category"], level=r["level"], credits=credits_of(r["total"]))
        for r in rows
        if credits_of(r["total"])
    ]


def balance_by_category(account: Account) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = dict.fromkeys(CreditCategory.values, ZERO)
    for b in balances(account):
        totals[b.category] += b.credits
    return totals


def record_list(
    *,
    viewer: Any,
    account: Account | None = None,
    provider_code: str = "",
    status: str = "",
    category: str = "",
) -> QuerySet[LearningRecord]:
    """Records the viewer may see: a learner's own (through `account`, checked by the caller
    with `access_account`) or those in the viewer's scope."""
    if account is not None:
        qs = LearningRecord.objects.filter(account=account)
    else:
        qs = LearningRecord.objects.restrict(viewer, Action.VIEW)
    if provider_code:
        qs = qs.filter(provider__code=provider_code)
    if status:
        qs = qs.filter(status=status)
    if category:
        qs = qs.filter(category=category)
    return qs.select_related("provider", "account").order_by("-completed_on", "-id")


def access_record(*, viewer: Any, public_id: Any) -> LearningRecord:
    record = (
        LearningRecord.objects.filter(public_id=public_id)
        .filter(
            Q(account__learner__user_id=getattr(viewer, "pk", None))
            | Q(pk__in=LearningRecord.objects.restrict(viewer, Action.VIEW).values("pk"))
        )
        .select_related("provider", "account")
        .first()
    )
    if record is None:
        raise NotFound(_("No such record."))
    return record


def own_learning(viewer: Any) -> Q:
    """The viewer's own account's objects (records, claims, applications): no assessor decides
    on their own learning, so the assessors' reads leave these out."""
    pk = getattr(viewer, "pk", None)
    return Q(account__learner__user_id=pk) if pk is not None else Q(pk__in=[])


def assessable_records(*, viewer: Any) -> QuerySet[LearningRecord]:
    """Records the viewer may decide on: in their ASSESS scope, never their own."""
    return LearningRecord.objects.restrict(viewer, Action.ASSESS).exclude(own_learning(viewer))


def access_assessable_record(*, viewer: Any, public_id: Any) -> LearningRecord:
    """A record the viewer may verify, reject or revoke; 404 otherwise, as if missing."""
    record = (
        assessable_records(viewer=viewer)
        .filter(public_id=public_id)
        .select_related("provider", "account")
        .first()
    )
    if record is None:
        raise NotFound(_("No such record."))
    return record


def review_queue(*, viewer: Any) -> QuerySet[LearningRecord]:
    """Submitted records waiting for this assessor's decision, oldest first."""
    return (
        assessable_records(viewer=viewer)
        .filter(status=RecordStatus.SUBMITTED)
        .select_related("provider", "account__learner")
        .order_by("created_at", "id")
    )


def claim_queue(*, viewer: Any) -> QuerySet[PriorLearningClaim]:
    """Open prior-learning claims for the assessor's organizations, by due date (never the
    assessor's own)."""
    orgs = Organization.objects.restrict(viewer, Action.ASSESS)
    return (
        PriorLearningClaim.objects.filter(assessor_org__in=orgs, status__in=CLAIM_OPEN)
        .exclude(own_learning(viewer))
        .select_related("account__learner", "assessor_org")
        .order_by("due_on", "id")
    )


def conversion_queue(*, viewer: Any) -> QuerySet[ConversionApplication]:
    """Applications waiting for the awarding institution's assessors (never their own)."""
    orgs = Organization.objects.restrict(viewer, Action.ASSESS)
    return (
        ConversionApplication.objects.filter(
            program__institution__in=orgs, status=ConversionStatus.SUBMITTED
        )
        .exclude(own_learning(viewer))
        .select_related("account__learner", "program")
        .order_by("created_at", "id")
    )


def standard_list(*, active_only: bool = False) -> QuerySet[RecognitionStandard]:
    """Standards are public: anyone may read what the bank recognises and for how much."""
    qs = RecognitionStandard.objects.select_related("owner").prefetch_related("versions")
    if active_only:
        qs = qs.filter(is_active=True)
    return qs.order_by("code")


def program_list() -> QuerySet[Program]:
    return Program.objects.filter(is_active=True).select_related("institution").order_by("code")


def convertibility() -> dict[str, str]:
    """Category → convertibility, from the data; a category without a row takes the default
    the migration writes."""
    policy = dict(ConversionPolicy.objects.values_list("category", "convertibility"))
    return {c: policy.get(c, DEFAULT_CONVERTIBILITY[c]) for c in CreditCategory.values}


def degree_audit(account: Account, program: Program) -> DegreeAudit:
    """What counts toward the program, what is missing, what could be converted.

    A program course is met when the learner passed it at the awarding institution, or by an
    approved conversion. It could be converted from a degree record of the same course at
    another institution (if degree credits convert directly) or from a certificate listed in
    an equivalence (if the certificate's category converts through equivalences). Culture and
    leisure never converts: such records are listed, never counted."""
    policy = convertibility()
    courses = list(program.courses.all())
    codes = {c.code for c in courses}
    equivalences = list(program.equivalences.prefetch_related("courses"))
    by_certificate: dict[str, list[int]] = {
        e.certificate_code: [c.pk for c in e.courses.all()] for e in equivalences
    }
    records: list[dict[str, Any]] = [
        dict(row)
        for row in LearningRecord.objects.filter(account=account, status=RecordStatus.VERIFIED)
        .filter(Q(course_code__in=codes) | Q(certificate_code__in=list(by_certificate)))
        .annotate(public_id_text=PUBLIC_ID_TEXT)
        .values(
            "public_id_text", "title", "category", "course_code", "certificate_code",
            "provider_id",
        )
        .order_by("completed_on", "id")
    ]  # fmt: skip
    approved = {
        item.program_course_id: item
        for item in ConversionItem.objects.filter(
            account=account, program_course__program=program, approved=True
        ).select_related("record")
    }
    in_program: dict[str, dict[str, Any]] = {}
    transfer: dict[str, dict[str, Any]] = {}
    via_cert: dict[int, tuple[dict[str, Any], str]] = {}
    never: list[str] = []
    for r in records:
        rule = policy[r["category"]]
        if (
            r["category"] == CreditCategory.DEGREE
            and r["provider_id"] == program.institution_id
            and r["course_code"] in codes
        ):
            in_program.setdefault(r["course_code"], r)
            continue
        if rule == Convertibility.NEVER:
            never.append(r["title"])
            continue
        if rule == Convertibility.DIRECT and r["course_code"] in codes:
            transfer.setdefault(r["course_code"], r)
        if r["certificate_code"] in by_certificate:
            for course_id in by_certificate[r["certificate_code"]]:
                via_cert.setdefault(course_id, (r, r["certificate_code"]))
    lines: list[CourseLine] = []
    earned = converted = convertible = major = general = ZERO
    for course in courses:
        base = CourseLine(
            code=course.code,
            name=course.name,
            area=course.area,
            credits=course.credits,
            met_by="",
        )
        if course.code in in_program:
            title = in_program[course.code]["title"]
            lines.append(replace(base, met_by="program", record_title=title))
            earned += course.credits
        elif course.pk in approved:
            title = approved[course.pk].record.title
            lines.append(replace(base, met_by="conversion", record_title=title))
            converted += course.credits
        else:
            candidate, via = None, ""
            if course.code in transfer:
                candidate, via = transfer[course.code], "transfer"
            elif course.pk in via_cert:
                candidate, code = via_cert[course.pk]
                via = f"equivalence:{code}"
            if candidate is not None:
                convertible += course.credits
                lines.append(
                    replace(
                        base,
                        candidate_record_id=_dashed(candidate["public_id_text"]),
                        candidate_title=candidate["title"],
                        candidate_via=via,
                    )
                )
            else:
                lines.append(base)
            continue
        if course.area == "major":
            major += course.credits
        elif course.area == "general":
            general += course.credits
    converted_max = (program.total_credits * program.max_converted_share / 100).quantize(
        Decimal("0.1")
    )
    counted = earned + min(converted, converted_max)
    missing = max(program.total_credits - counted, ZERO)
    complete = (
        missing == 0
        and major >= program.major_min
        and general >= program.general_min
        and earned >= program.in_program_min
    )
    return DegreeAudit(
        program_code=program.code,
        program_name=program.name,
        total_required=program.total_credits,
        counted=counted,
        earned_in_program=earned,
        converted=converted,
        convertible=convertible,
        major=major,
        major_required=program.major_min,
        general=general,
        general_required=program.general_min,
        in_program_required=program.in_program_min,
        converted_max=converted_max,
        missing=missing,
        complete=complete,
        courses=tuple(lines),
        never_convert=tuple(dict.fromkeys(never)),
    )


@dataclass(frozen=True)
class Transcript:
    account: Account
    learner_name: str
    issued_at: Any
    balances: list[Balance]
    by_category: dict[str, Decimal]
    total: Decimal
    records: list[TranscriptLine]
    conversions: list[ConversionItem]


def transcript(account: Account) -> Transcript:
    """Everything a transcript shows, in four queries."""
    bal = balances(account)
    by_category: dict[str, Decimal] = dict.fromkeys(CreditCategory.values, ZERO)
    for b in bal:
        by_category[b.category] += b.credits
    # A learner may hold thousands of records: plain rows of the columns a transcript shows
    # (no model instances), the few providers' names looked up once each.
    rows = list(
        LearningRecord.objects.filter(account=account, status=RecordStatus.VERIFIED)
        .order_by("-completed_on", "-id")
        .annotate(public_id_text=PUBLIC_ID_TEXT)
        .values_list(
            "public_id_text",
            "title",
            "category",
            "provider_id",
            "course_code",
            "certificate_code",
            "grade",
            "completed_on",
            "hours",
            "credits",
            "recognition_note",
        )
    )
    # Each provider's code and name, and each category's label, worked out once, not per row.
    providers = {
        o.pk: (o.code, o.name)
        for o in Organization.objects.filter(pk__in={r[3] for r in rows}).only(
            "id", "code", "name_zh", "name_en"
        )
    }
    labels = {code: str(label) for code, label in CreditCategory.choices}
    records = [
        TranscriptLine(
            public_id=_dashed(public_id),
            title=title,
            category=category,
            category_label=labels.get(category, category),
            provider_code=providers[provider_id][0],
            provider_name=providers[provider_id][1],
            course_code=course_code,
            certificate_code=certificate_code,
            grade=grade,
            completed_on=completed_on,
            hours=hours,
            credits=credits,
            recognition_note=note,
        )
        for (
            public_id,
            title,
            category,
            provider_id,
            course_code,
            certificate_code,
            grade,
            completed_on,
            hours,
            credits,
            note,
        ) in rows
    ]
    conversions = list(
        ConversionItem.objects.filter(account=account, approved=True)
        .select_related("program_course__program", "record")
        .order_by("id")
    )
    return Transcript(
        account=account,
        learner_name=account.learner.name,
        issued_at=clock.now(),
        balances=bal,
        by_category=by_category,
        total=sum(by_category.values(), ZERO),
        records=records,
        conversions=conversions,
    )
