"""Factory functions for the credit bank: a service center with an assessor, standards in the
Korean and Shanghai manner, an associate program, learners with records — all through the
services."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from learningcity.accounts.models import User
from learningcity.creditbank import services
from learningcity.creditbank.choices import (
    CreditCategory,
    ProgramLevel,
    RecordChannel,
    RequirementArea,
    StandardKind,
)
from learningcity.creditbank.data import (
    EquivalenceRow,
    ProgramCourseRow,
    RecordRow,
    StandardTerms,
)
from learningcity.creditbank.models import (
    Account,
    LearningRecord,
    Program,
    RecognitionStandard,
)
from learningcity.learners.models import Learner
from learningcity.learners.tests.factories import make_learner
from learningcity.network.choices import OrganizationKind, StaffRoleKind
from learningcity.network.models import Organization
from learningcity.network.tests.factories import City, make_org, make_root, make_staff, make_user

_seq = itertools.count(1)

LEISURE = StandardTerms(
    kind=StandardKind.LEISURE,
    match_category=CreditCategory.CULTURE_LEISURE,
    credit_category=CreditCategory.CULTURE_LEISURE,
    level=2,
    effective_from=dt.date(2000, 1, 1),
    hours_per_credit=Decimal("15"),
    min_attendance=Decimal("80"),
    cap_per_year=Decimal("42"),
    cap_per_term=Decimal("24"),
    cap_per_institution=Decimal("105"),
)
DEGREE = StandardTerms(
    kind=StandardKind.ACADEMIC,
    match_category=CreditCategory.DEGREE,
    credit_category=CreditCategory.DEGREE,
    level=5,
    effective_from=dt.date(2000, 1, 1),
    hours_per_credit=Decimal("15"),
    requires_pass=True,
    min_score=Decimal("60"),
    min_attendance=Decimal("80"),
    cap_per_year=Decimal("42"),
    cap_per_term=Decimal("24"),
    cap_per_institution=Decimal("105"),
)
NCRE = StandardTerms(
    kind=StandardKind.CERTIFICATE,
    match_category=CreditCategory.VOCATIONAL,
    credit_category=CreditCategory.VOCATIONAL,
    level=4,
    effective_from=dt.date(2000, 1, 1),
    match_certificate_code="NCRE-1",
    credits_fixed=Decimal("4"),
    requires_pass=True,
    cap_certificates=1,
)


@dataclass
class Bank:
    city: City
    center: Organization  # the Service Center / Open University: assessor and awarding body
    assessor: User
    second_assessor: User
    program: Program
    leisure: RecognitionStandard
    degree: RecognitionStandard
    ncre: RecognitionStandard


def make_bank(city: City) -> Bank:
    root = city.root
    center = make_org(
        actor=root,
        area=city.city,
        kind=OrganizationKind.SERVICE_CENTER,
        code=f"SH-OU{next(_seq)}",
        name_zh="上海开放大学（终身教育学分银行管理中心）",
        name_en="Shanghai Open University (Credit Bank Service Center)",
    )
    assessor = make_staff(actor=root, organization=center, role=StaffRoleKind.ASSESSOR)
    second = make_staff(actor=root, organization=center, role=StaffRoleKind.ASSESSOR)
    leisure = services.standard_create(
        actor=assessor,
        owner=center,
        code=f"LEISURE-{next(_seq)}",
        name_zh="社区文化休闲课程",
        name_en="Community culture and leisure course",
        terms=LEISURE,
    )
    degree = services.standard_create(
        actor=assessor,
        owner=center,
        code=f"DEGREE-{next(_seq)}",
        name_zh="学历教育课程",
        name_en="Degree course",
        terms=DEGREE,
    )
    ncre = services.standard_create(
        actor=assessor,
        owner=center,
        code=f"NCRE1-{next(_seq)}",
        name_zh="全国计算机等级考试一级",
        name_en="National Computer Rank Examination, level 1",
        terms=NCRE,
    )
    program = make_program(institution=center, actor=assessor)
    return Bank(city, center, assessor, second, program, leisure, degree, ncre)


def make_program(
    *,
    institution: Organization,
    actor: User | None = None,
    code: str | None = None,
    max_converted_share: Decimal = Decimal("50"),
) -> Program:
    """An associate program: 12 credits, 6 major and 3 general at least, 3 earned in the
    program, at most half converted (unless told); NCRE-1 exempts the computing course."""
    courses = [
        ("ADM101", "管理学基础", "Foundations of management", RequirementArea.MAJOR),
        ("ADM102", "公共政策", "Public policy", RequirementArea.MAJOR),
        ("GEN101", "计算机应用基础", "Computer basics", RequirementArea.GENERAL),
        ("GEN102", "大学语文", "College Chinese", RequirementArea.GENERAL),
    ]
    return services.program_create(
        actor=actor or make_root(),
        institution=institution,
        code=code or f"AS-{next(_seq)}",
        name_zh="行政管理（专科）",
        name_en="Public Administration (associate)",
        level=ProgramLevel.ASSOCIATE,
        total_credits=Decimal("12"),
        major_min=Decimal("6"),
        general_min=Decimal("3"),
        in_program_min=Decimal("3"),
        max_converted_share=max_converted_share,
        courses=[
            ProgramCourseRow(code=c, name_zh=zh, name_en=en, credits=Decimal("3"), area=area)
            for c, zh, en, area in courses
        ],
        equivalences=[EquivalenceRow("NCRE-1", "计算机一级", ("GEN101",), "NCRE level 1")],
    )


def make_resident(city: City, *, name: str = "王秀英", **kwargs: Any) -> Learner:
    """A learner who can sign in."""
    user = make_user()
    return make_learner(actor=city.root, area=city.a.neighbourhood, name=name, user=user, **kwargs)


def row(**overrides: Any) -> RecordRow:
    base = RecordRow(
        external_id=f"R{next(_seq):07d}",
        category=CreditCategory.CULTURE_LEISURE,
        title="书法入门",
        completed_on=dt.date(2026, 3, 15),
        hours=Decimal("30"),
        attendance_rate=Decimal("90"),
        passed=True,
    )
    return replace(base, **overrides)


def submit(
    bank: Bank,
    learner: Learner,
    *,
    provider: Organization | None = None,
    verify: bool = True,
    **overrides: Any,
) -> LearningRecord:
    """One record for the learner from a provider (the district A college unless told),
    verified by the bank's assessor unless told otherwise."""
    provider = provider or bank.city.a.college
    account = services.account_for(learner.pk)
    record = services.record_submit(
        actor=bank.city.root,
        provider=provider,
        row=row(account_number=account.number, **overrides),
        channel=RecordChannel.WEB,
    )
    if verify:
        record = services.record_verify(actor=bank.assessor, public_id=record.public_id)
    return record


def account_of(learner: Learner) -> Account:
    return Account.objects.get(learner=learner)
