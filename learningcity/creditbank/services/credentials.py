"""Verifiable credentials for what the credit bank verified: an OpenBadgeCredential for a
verified learning record (a course completed, a certificate recognised) or an approved
conversion, and a ClrCredential for the transcript. The credentials app signs; this module
says what is certified and who certifies it (the record's provider; for a conversion the
program's awarding institution; for a transcript the Service Center)."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Sum
from django.utils.translation import gettext as _

from learningcity.core import clock
from learningcity.core.errors import Conflict, NotFound, ValidationFailed
from learningcity.credentials import services as credentials
from learningcity.credentials.data import AchievementData, ResultData, TranscriptData
from learningcity.credentials.models import Credential
from learningcity.creditbank.choices import ConversionStatus, CreditCategory, RecordStatus
from learningcity.creditbank.errors import CreditBankErrorCode
from learningcity.creditbank.models import (
    Account,
    ConversionApplication,
    LearningRecord,
    Posting,
)
from learningcity.creditbank.selectors import transcript
from learningcity.network.choices import OrganizationKind
from learningcity.network.models import Organization

CATEGORY_ZH: dict[str, str] = {
    CreditCategory.DEGREE: "学历教育",
    CreditCategory.VOCATIONAL: "职业培训",
    CreditCategory.CULTURE_LEISURE: "文化休闲",
    CreditCategory.DIGITAL: "数字化学习",
    CreditCategory.ACTIVITY: "活动",
}


def _achievement_iri(*parts: str) -> str:
    """A stable IRI for an achievement (the same course of the same provider, always)."""
    return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, "learningcity:" + ":".join(parts)))


def _start_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=ZoneInfo(settings.TIME_ZONE))


def _credits(value: Decimal | None) -> str:
    return str(value.quantize(Decimal("0.1"))) if value else ""


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")


def record_achievement(record: LearningRecord) -> AchievementData:
    """What a verified record certifies, in the words of the standard that recognised it."""
    posting = (
        Posting.objects.filter(record=record, reverses__isnull=True, reversed_by__isnull=True)
        .select_related("standard_version__standard")
        .order_by("id")
        .first()
    )
    version = posting.standard_version if posting is not None else None
    category = CATEGORY_ZH.get(record.category, record.category)
    provider = record.provider
    lines = [f"{provider.name_zh}颁发：{record.title}（{category}"]
    if record.hours:
        lines[0] += f"，{_plain(record.hours)}学时"
    lines[0] += "）。"
    if record.certificate_number:
        lines.append(f"证书编号 {record.certificate_number}。")
    criteria = []
    if version is not None:
        standard = version.standard
        criteria.append(
            f"经学分银行按认定标准“{standard.name_zh}”"
            f"（{standard.code} 第{version.version}版）认定，"
            f"记{_plain(record.credits)}学分，{version.level}级。"
        )
        if version.requires_pass:
            criteria.append("须考核合格。")
        if version.min_attendance is not None:
            criteria.append(f"出勤率不低于{_plain(version.min_attendance)}%。")
        if version.min_score is not None:
            criteria.append(f"成绩不低于{_plain(version.min_score)}分。")
    else:
        criteria.append("经学分银行审核认定。")
    results: list[ResultData] = []
    if record.score is not None:
        results.append(
            ResultData(
                name="成绩 Score",
                value=_plain(record.score),
                result_type="ScaledScore",
                value_min="0",
                value_max="100",
                required_value=_plain(version.min_score)
                if version is not None and version.min_score is not None
                else "",
            )
        )
    if record.grade:
        results.append(ResultData(name="等级 Grade", value=record.grade, result_type="LetterGrade"))
    if record.attendance_rate is not None:
        results.append(
            ResultData(
                name="出勤率 Attendance",
                value=_plain(record.attendance_rate),
                result_type="Percent",
                value_min="0",
                value_max="100",
            )
        )
    learner = record.account.learner
    return AchievementData(
        learner_public_id=str(learner.public_id),
        learner_name=learner.name,
        achievement_id=_achievement_iri(
            provider.code, record.certificate_code or record.course_code or record.title
        ),
        achievement_type="Certificate" if record.certificate_code else "Course",
        name=record.title,
        description="".join(lines),
        criteria="".join(criteria),
        valid_from=_start_of(record.completed_on),
        valid_until=_start_of(posting.valid_until)
        if posting is not None and posting.valid_until
        else None,
        results=tuple(results),
        credits=_credits(record.credits),
        level=posting.level if posting is not None else None,
        human_code=record.certificate_code or record.course_code,
        field_of_study=category,
    )


def record_credential_issue(*, actor: Any, record: LearningRecord) -> Credential:
    """Sign an OpenBadgeCredential for a verified record, in the provider's name. Issuing
    again returns the first credential."""
    if record.status != RecordStatus.VERIFIED:
        raise Conflict(
            _("Only a verified record can be issued as a credential."),
            code=CreditBankErrorCode.WRONG_STATUS,
        )
    return credentials.credential_issue(
        actor=actor,
        issuer_code=record.provider.code,
        subject=record_achievement(record),
        source=f"creditbank.record:{record.public_id}",
    )


def conversion_achievement(application: ConversionApplication) -> AchievementData:
    program = application.program
    items = list(
        application.items.filter(approved=True)
        .select_related("program_course", "record")
        .order_by("program_course__code")
    )
    total = application.items.filter(approved=True).aggregate(total=Sum("credits"))["total"]
    courses = "；".join(
        f"{i.program_course.code} {i.program_course.name_zh}（由“{i.record.title}”转换）"
        for i in items
    )
    learner = application.account.learner
    decided = application.decided_at or clock.now()
    return AchievementData(
        learner_public_id=str(learner.public_id),
        learner_name=learner.name,
        achievement_id=_achievement_iri(program.institution.code, "conversion", program.code),
        achievement_type="Achievement",
        name=f"学分转换：{program.name_zh}",
        description=f"{program.institution.name_zh}认可下列学习成果计入“{program.name_zh}”：{courses}。",
        criteria="依据学分银行的学分转换规则与课程等值清单，由颁授院校审核批准。",
        valid_from=decided,
        credits=_credits(Decimal(total) if total is not None else None),
        human_code=program.code,
    )


def conversion_credential_issue(*, actor: Any, application: ConversionApplication) -> Credential:
    """Sign an OpenBadgeCredential for an approved conversion, in the name of the program's
    awarding institution."""
    if application.status != ConversionStatus.APPROVED:
        raise Conflict(
            _("Only an approved conversion can be issued as a credential."),
            code=CreditBankErrorCode.WRONG_STATUS,
        )
    return credentials.credential_issue(
        actor=actor,
        issuer_code=application.program.institution.code,
        subject=conversion_achievement(application),
        source=f"creditbank.conversion:{application.public_id}",
    )


def _service_center() -> Organization:
    center = (
        Organization.objects.filter(kind=OrganizationKind.SERVICE_CENTER).order_by("id").first()
    )
    if center is None:
        raise NotFound(_("No Service Center issues transcripts."))
    return center


def transcript_credential_issue(
    *, actor: Any, account: Account, issuer_code: str = ""
) -> Credential:
    """Sign a ClrCredential of the account's transcript: each verified record's credential
    (issued first where missing, by each provider) embedded as signed. The issuer is the
    Service Center unless `issuer_code` names another. The same transcript twice returns the
    first credential."""
    sheet = transcript(account)
    issued: list[Credential] = []
    verified = LearningRecord.objects.filter(
        account=account, status=RecordStatus.VERIFIED
    ).select_related("provider", "account__learner")
    for record in verified.order_by("-completed_on", "-id"):
        try:
            issued.append(record_credential_issue(actor=actor, record=record))
        except NotFound:
            continue  # the actor may not issue for this provider: the record stays out
    if not issued:
        message = _("There is no verified learning to put on a transcript yet.")
        raise ValidationFailed(message, code=CreditBankErrorCode.NO_STANDARD)
    ids = tuple(str(c.public_id) for c in issued)
    fingerprint = hashlib.sha256(",".join(sorted(ids)).encode()).hexdigest()[:16]
    learner = account.learner
    return credentials.transcript_issue(
        actor=actor,
        issuer_code=issuer_code or _service_center().code,
        transcript=TranscriptData(
            learner_public_id=str(learner.public_id),
            learner_name=learner.name,
            name=f"学分银行成绩单 {account.number}",
            description=f"{learner.name}的终身教育学分银行成绩单：{len(ids)}项学习成果，"
            f"共{_plain(sheet.total)}学分。",
            valid_from=clock.now(),
            credential_ids=ids,
        ),
        source=f"creditbank.transcript:{account.public_id}:{fingerprint}",
    )


def record_credential_revoke(
    *, actor: Any, record: LearningRecord, reason: str
) -> Credential | None:
    """Revoke the credential issued for a record (when its record is revoked); None if none
    was issued or it is already revoked."""
    credential = Credential.objects.filter(
        source=f"creditbank.record:{record.public_id}", revoked_at__isnull=True
    ).first()
    if credential is None:
        return None
    return credentials.credential_revoke(actor=actor, public_id=credential.public_id, reason=reason)
