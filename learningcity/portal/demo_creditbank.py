"""The demo credit bank: the Service Center's standards, an Open University associate
program with equivalences, an assessor, and learning records for residents — the `resident`
login among them, with enough history for a real degree audit.

Everything goes through the credit bank's services, as a provider and an assessor would."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from decimal import Decimal

from learningcity.accounts.models import User
from learningcity.accounts.services import user_create
from learningcity.creditbank import services as bank
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
from learningcity.creditbank.models import Program
from learningcity.learners.models import Learner
from learningcity.network import services as network
from learningcity.network.choices import OrganizationKind, StaffRoleKind
from learningcity.network.models import Organization
from learningcity.network.selectors import organization_get

Log = Callable[[str], None]

SERVICE_CENTER = "SH-OU"
PROGRAM_CODE = "OU-AS-ADM"
SINCE = dt.date(2000, 1, 1)

# (code, zh, en, terms) — the Korean rules (1 credit per 15 hours, attendance ≥ 80 %, score
# ≥ 60, 42 a year, 24 a term, 105 from one institution) for degree courses; Shanghai's
# culture-and-leisure and vocational standards beside them.
STANDARDS: list[tuple[str, str, str, StandardTerms]] = [
    (
        "SH-DEGREE",
        "学历教育课程",
        "Degree-education course",
        StandardTerms(
            kind=StandardKind.ACADEMIC,
            match_category=CreditCategory.DEGREE,
            credit_category=CreditCategory.DEGREE,
            level=5,
            effective_from=SINCE,
            hours_per_credit=Decimal("15"),
            requires_pass=True,
            min_score=Decimal("60"),
            min_attendance=Decimal("80"),
            cap_per_year=Decimal("42"),
            cap_per_term=Decimal("24"),
            cap_per_institution=Decimal("105"),
        ),
    ),
    (
        "SH-VOC-HOURS",
        "职业培训课程（按学时）",
        "Vocational training course (by hours)",
        StandardTerms(
            kind=StandardKind.COURSE_HOURS,
            match_category=CreditCategory.VOCATIONAL,
            credit_category=CreditCategory.VOCATIONAL,
            level=4,
            effective_from=SINCE,
            hours_per_credit=Decimal("16"),
            min_attendance=Decimal("80"),
            cap_per_year=Decimal("30"),
        ),
    ),
    (
        "NCRE-1",
        "全国计算机等级考试一级",
        "National Computer Rank Examination, level 1",
        StandardTerms(
            kind=StandardKind.CERTIFICATE,
            match_category=CreditCategory.VOCATIONAL,
            credit_category=CreditCategory.VOCATIONAL,
            level=4,
            effective_from=SINCE,
            match_certificate_code="NCRE-1",
            credits_fixed=Decimal("4"),
            requires_pass=True,
            cap_certificates=1,
        ),
    ),
    (
        "PETS-3",
        "全国英语等级考试三级",
        "Public English Test System, level 3",
        StandardTerms(
            kind=StandardKind.CERTIFICATE,
            match_category=CreditCategory.VOCATIONAL,
            credit_category=CreditCategory.VOCATIONAL,
            level=4,
            effective_from=SINCE,
            match_certificate_code="PETS-3",
            credits_fixed=Decimal("4"),
            requires_pass=True,
            cap_certificates=1,
        ),
    ),
    (
        "SH-LEISURE",
        "社区文化休闲课程",
        "Community culture and leisure course",
        StandardTerms(
            kind=StandardKind.LEISURE,
            match_category=CreditCategory.CULTURE_LEISURE,
            credit_category=CreditCategory.CULTURE_LEISURE,
            level=2,
            effective_from=SINCE,
            hours_per_credit=Decimal("15"),
            min_attendance=Decimal("80"),
            cap_per_year=Decimal("20"),
            validity_years=10,
        ),
    ),
    (
        "SH-DIGITAL",
        "数字化学习课程",
        "Digital learning course",
        StandardTerms(
            kind=StandardKind.DIGITAL,
            match_category=CreditCategory.DIGITAL,
            credit_category=CreditCategory.DIGITAL,
            level=3,
            effective_from=SINCE,
            hours_per_credit=Decimal("20"),
            cap_per_year=Decimal("10"),
        ),
    ),
    (
        "SH-ACTIVITY",
        "学习活动（终身学习活动周等）",
        "Learning activities (Lifelong Learning Week and others)",
        StandardTerms(
            kind=StandardKind.LEISURE,
            match_category=CreditCategory.ACTIVITY,
            credit_category=CreditCategory.ACTIVITY,
            level=1,
            effective_from=SINCE,
            hours_per_credit=Decimal("10"),
            cap_per_year=Decimal("5"),
        ),
    ),
]

# The Open University's associate program in public administration: 80 credits.
COURSES: list[tuple[str, str, str, str]] = [
    ("ADM101", "管理学基础", "Foundations of management", RequirementArea.MAJOR),
    ("ADM102", "行政管理学", "Public administration", RequirementArea.MAJOR),
    ("ADM103", "公共政策概论", "Introduction to public policy", RequirementArea.MAJOR),
    ("ADM104", "社区治理", "Community governance", RequirementArea.MAJOR),
    ("ADM105", "人力资源管理", "Human resource management", RequirementArea.MAJOR),
    ("ADM106", "行政法", "Administrative law", RequirementArea.MAJOR),
    ("ADM107", "办公室管理", "Office management", RequirementArea.MAJOR),
    ("ADM108", "社会调查方法", "Social research methods", RequirementArea.MAJOR),
    ("ADM109", "公共关系学", "Public relations", RequirementArea.MAJOR),
    ("ADM110", "管理心理学", "Management psychology", RequirementArea.MAJOR),
    ("GEN101", "计算机应用基础", "Computer basics", RequirementArea.GENERAL),
    ("GEN102", "大学英语", "College English", RequirementArea.GENERAL),
    ("GEN103", "大学语文", "College Chinese", RequirementArea.GENERAL),
    ("GEN104", "思想道德与法治", "Ethics and the rule of law", RequirementArea.GENERAL),
    ("GEN105", "中国近现代史纲要", "Modern Chinese history", RequirementArea.GENERAL),
    ("ELE101", "书法与审美", "Calligraphy and aesthetics", RequirementArea.ELECTIVE),
    ("ELE102", "健康管理", "Health management", RequirementArea.ELECTIVE),
    ("ELE103", "老年社会工作", "Social work with older people", RequirementArea.ELECTIVE),
    ("ELE104", "家庭教育指导", "Guiding family education", RequirementArea.ELECTIVE),
    ("ELE105", "数字素养", "Digital literacy", RequirementArea.ELECTIVE),
]

LEISURE_TITLES = [
    ("书法入门", 36),
    ("钢琴基础", 32),
    ("太极拳", 30),
    ("合唱", 40),
    ("国画山水", 36),
    ("沪剧欣赏", 24),
    ("摄影入门", 30),
]
VOCATIONAL_TITLES = [("养老护理员培训", 64), ("家政服务技能", 48), ("电工基础", 80)]
DIGITAL_TITLES = [("智能手机使用（在线）", 20), ("网上办事指南", 20), ("防范电信诈骗", 10)]


def seed_creditbank(
    admin: User, *, password: str, seed: int, scale: float = 0.1, log: Log | None = None
) -> int:
    """Standards, the program, an `assessor` login, the demo resident's history and records
    for other residents. Returns the records written."""
    say = log or (lambda _line: None)
    center = organization_get(code=SERVICE_CENTER)
    assessor = user_create(
        actor=admin,
        username="assessor",
        password=password,
        display_name="学分银行审核员",
    )
    network.staff_role_grant(
        actor=admin, user=assessor, organization=center, role=StaffRoleKind.ASSESSOR
    )
    for code, zh, en, terms in STANDARDS:
        bank.standard_create(
            actor=assessor, owner=center, code=code, name_zh=zh, name_en=en, terms=terms
        )
    program = _program(assessor, center)
    providers = _providers()
    written = _resident_history(admin, assessor, center, providers)
    written += _residents_records(admin, assessor, providers, seed=seed, scale=scale)
    say(f"credit bank: {len(STANDARDS)} standards, program {program.code}, {written:,} records")
    return written


def _program(assessor: User, center: Organization) -> Program:
    return bank.program_create(
        actor=assessor,
        institution=center,
        code=PROGRAM_CODE,
        name_zh="行政管理（专科）",
        name_en="Public Administration (associate degree)",
        level=ProgramLevel.ASSOCIATE,
        total_credits=Decimal("80"),
        major_min=Decimal("40"),
        general_min=Decimal("20"),
        in_program_min=Decimal("24"),
        max_converted_share=Decimal("50"),
        courses=[
            ProgramCourseRow(code=code, name_zh=zh, name_en=en, credits=Decimal("4"), area=area)
            for code, zh, en, area in COURSES
        ],
        equivalences=[
            EquivalenceRow("NCRE-1", "全国计算机等级考试一级", ("GEN101",), "NCRE level 1"),
            EquivalenceRow("PETS-3", "全国英语等级考试三级", ("GEN102",), "PETS level 3"),
        ],
    )


def _providers() -> dict[str, list[Organization]]:
    kinds = {
        "community": [OrganizationKind.COMMUNITY_COLLEGE, OrganizationKind.COMMUNITY_SCHOOL],
        "elder": [OrganizationKind.ELDER_COLLEGE],
        "adult": [OrganizationKind.DISTRICT_ADULT_SCHOOL],
        "university": [OrganizationKind.UNIVERSITY_ADULT_SCHOOL],
    }
    found = {
        key: list(Organization.objects.filter(kind__in=values).order_by("code")[:30])
        for key, values in kinds.items()
    }
    return found


def _submit(admin: User, assessor: User, provider: Organization, rows: list[RecordRow]) -> int:
    report = bank.records_submit(
        actor=admin, provider=provider, rows=rows, channel=RecordChannel.IMPORT
    )
    for result in report.rows:
        if result.outcome == "created":
            bank.record_verify(actor=assessor, public_id=result.record_id, reason="demo import")
    return report.created


def _resident_history(
    admin: User, assessor: User, center: Organization, providers: dict[str, list[Organization]]
) -> int:
    """The `resident` login: six program courses passed at the Open University, two taken at
    a university's adult school (convertible by transfer), NCRE-1 (convertible through the
    equivalence), leisure classes that never convert, and online learning."""
    learner = Learner.objects.filter(user__username="resident").first()
    if learner is None:
        return 0
    number = bank.account_for(learner.pk).number

    def record(n: int, **fields: object) -> RecordRow:
        base: dict[str, object] = {
            "external_id": f"DEMO-RES-{n:03d}",
            "account_number": number,
            "passed": True,
            "attendance_rate": Decimal("92"),
        }
        return RecordRow(**(base | fields))  # type: ignore[arg-type]

    degree = {"category": CreditCategory.DEGREE, "hours": Decimal("60"), "score": Decimal("82")}
    taken = ("ADM101", "ADM102", "ADM103", "ADM104", "GEN103", "GEN104")
    titles = {code: zh for code, zh, _en, _area in COURSES}
    # Two courses a term, from spring 2024: within the term and year caps.
    in_program = [
        record(
            i,
            title=titles[code],
            course_code=code,
            completed_on=dt.date(2024 + i // 4, 6 if i % 4 < 2 else 12, 20),
            **degree,
        )
        for i, code in enumerate(taken)
    ]
    written = _submit(admin, assessor, center, in_program)
    university = (providers["university"] or [center])[0]
    elsewhere = [
        record(
            20,
            title="人力资源管理",
            course_code="ADM105",
            completed_on=dt.date(2023, 6, 30),
            **degree,
        ),
        record(
            21, title="行政法", course_code="ADM106", completed_on=dt.date(2023, 12, 30), **degree
        ),
    ]
    written += _submit(admin, assessor, university, elsewhere)
    community = (providers["community"] or [center])[0]
    others = [
        record(
            30,
            category=CreditCategory.VOCATIONAL,
            title="全国计算机等级考试一级",
            certificate_code="NCRE-1",
            certificate_number="NCRE2023-310101-0042",
            completed_on=dt.date(2023, 9, 23),
        ),
        record(
            31,
            category=CreditCategory.CULTURE_LEISURE,
            title="书法入门",
            hours=Decimal("36"),
            course_code="ELE101",
            completed_on=dt.date(2025, 6, 28),
        ),
        record(
            32,
            category=CreditCategory.CULTURE_LEISURE,
            title="钢琴基础",
            hours=Decimal("32"),
            completed_on=dt.date(2025, 12, 27),
        ),
        record(
            33,
            category=CreditCategory.DIGITAL,
            title="智能手机使用（在线）",
            hours=Decimal("20"),
            completed_on=dt.date(2026, 3, 14),
        ),
        record(
            34,
            category=CreditCategory.ACTIVITY,
            title="终身学习活动周·社区读书会",
            hours=Decimal("6"),
            completed_on=dt.date(2025, 10, 25),
        ),
    ]
    written += _submit(admin, assessor, community, others)
    return written


def _residents_records(
    admin: User,
    assessor: User,
    providers: dict[str, list[Organization]],
    *,
    seed: int,
    scale: float,
) -> int:
    """Leisure, vocational and digital records for residents across the city, from the
    community, elder and adult schools: a credit bank that already holds some history."""
    rng = random.Random(f"{seed}/creditbank")  # noqa: S311 - demo data, not secrets
    pool = providers["community"] + providers["elder"] + providers["adult"]
    if not pool:
        return 0
    count = max(200, round(scale * 20_000))
    learner_ids = list(
        Learner.objects.filter(user__isnull=True)
        .order_by("id")
        .values_list("id", flat=True)[: max(50, count // 3)]
    )
    if not learner_ids:
        return 0
    numbers = {lid: bank.account_for(lid).number for lid in learner_ids}
    by_provider: dict[int, tuple[Organization, list[RecordRow]]] = {}
    for n in range(count):
        provider = rng.choice(pool)
        kind = rng.random()
        if kind < 0.7:
            title, hours = rng.choice(LEISURE_TITLES)
            category = CreditCategory.CULTURE_LEISURE
        elif kind < 0.85:
            title, hours = rng.choice(VOCATIONAL_TITLES)
            category = CreditCategory.VOCATIONAL
        else:
            title, hours = rng.choice(DIGITAL_TITLES)
            category = CreditCategory.DIGITAL
        day = dt.date(2022, 1, 1) + dt.timedelta(days=rng.randrange(0, 4 * 365))
        row = RecordRow(
            external_id=f"DEMO-{n:07d}",
            account_number=numbers[rng.choice(learner_ids)],
            category=category,
            title=title,
            completed_on=day,
            hours=Decimal(hours),
            attendance_rate=Decimal(rng.choice([70, 85, 90, 95, 100])),
            passed=True,
        )
        by_provider.setdefault(provider.pk, (provider, []))[1].append(row)
    written = 0
    for provider, rows in by_provider.values():
        for start in range(0, len(rows), 500):
            written += _submit(admin, assessor, provider, rows[start : start + 500])
    return written
