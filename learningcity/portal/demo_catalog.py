"""The demo city's catalog: a spring term open for applications, courses from the community
colleges and schools, the elder colleges and schools for the elderly, private training
schools and the Open University, their weekly classes at the providers' own sites, and free
online resources. Written through the catalog's services (bulk ones for the thousands).

Deterministic like the rest of the seed (every choice from `random.Random` seeded with the
seed and a topic), except the application window: it opens three days before the seeding and
closes fourteen days after it, so a demo loaded any day can be applied to.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from learningcity.accounts.models import User
from learningcity.catalog import services as catalog
from learningcity.catalog.choices import Audience, Category, Level, Mode, Rationing, ResourceKind
from learningcity.catalog.data import ClassRow, CourseRow
from learningcity.network.choices import OrganizationKind
from learningcity.network.models import LearningSite, Organization
from learningcity.network.selectors import organization_get
from learningcity.portal import demo_names as names

TERM_CODE = "2027-spring"
TERM_STARTS, TERM_ENDS = dt.date(2027, 3, 1), dt.date(2027, 6, 30)
WINDOW_OPENED, WINDOW_OPEN_FOR = dt.timedelta(days=3), dt.timedelta(days=14)
SERVICE_CENTER = "SH-OU"
ONLINE_CLASSROOM = "https://classroom.example.org/"
RESOURCES_SITE = "https://resources.example.org/"

C, H, D, L, V, F, LC, S = (
    Category.CULTURE_ARTS, Category.HEALTH, Category.DIGITAL, Category.LANGUAGES,
    Category.VOCATIONAL, Category.FAMILY, Category.LAW_CIVICS, Category.SCIENCE,
)  # fmt: skip


@dataclass(frozen=True)
class Idea:
    """A course the city's providers teach, under one short key."""

    category: str
    title_zh: str
    title_en: str
    about_zh: str
    about_en: str
    hours: int = 24
    audience: str = Audience.EVERYONE
    level: str = Level.BEGINNER


IDEAS: dict[str, Idea] = {
    "PHOTO": Idea(C, "摄影入门", "Introduction to Photography",
        "从构图、光线到相机设置，拍出第一组好照片。",
        "Composition, light and camera settings: your first good set of photographs."),
    "DIGIPHOTO": Idea(C, "数码摄影", "Digital Photography",
        "数码相机的曝光、对焦与后期调色。",
        "Exposure, focus and editing with a digital camera.",
        32, Audience.EVERYONE, Level.INTERMEDIATE),
    "PHONE": Idea(D, "智能手机使用", "Smartphone Skills",
        "微信、支付、打车、挂号：一步一步学会用手机办事。",
        "WeChat, paying, taxis and hospital bookings on your phone, step by step.",
        16, Audience.AGED),
    "CALLI": Idea(C, "书法", "Calligraphy",
        "楷书基本笔画与结构，临摹经典碑帖。",
        "The strokes and structure of regular script, copying classic models."),
    "PAINT": Idea(C, "国画", "Chinese Painting",
        "花鸟与山水的笔墨技法。",
        "Brush and ink for flowers, birds and landscapes.", 32),
    "PIANO": Idea(C, "钢琴", "Piano",
        "识谱与双手弹奏，从简单乐曲开始。",
        "Reading music and playing with both hands, starting with simple pieces.", 32),
    "BALLET": Idea(C, "芭蕾", "Ballet",
        "芭蕾基本站姿、把杆练习与小组合。",
        "Basic positions, barre work and short sequences.", 32),
    "CHOIR": Idea(C, "合唱", "Choir",
        "发声练习与多声部合唱。",
        "Voice exercises and part singing."),
    "OPERA": Idea(C, "京剧欣赏与唱腔", "Peking Opera Appreciation and Singing",
        "京剧行当、名段欣赏与基本唱腔。",
        "Roles, famous arias and the basics of singing Peking opera."),
    "TAICHI": Idea(H, "太极拳", "Tai Chi",
        "二十四式太极拳，动作要领与呼吸。",
        "The 24-form tai chi, its movements and breathing.", 24, Audience.AGED),
    "BADUANJIN": Idea(H, "八段锦", "Baduanjin Qigong",
        "八段锦功法，舒筋活络。",
        "The eight-section qigong for supple joints.", 16, Audience.AGED),
    "HEALTH": Idea(H, "养生保健", "Health Preservation",
        "四季养生、合理膳食与慢性病预防。",
        "Seasonal health habits, balanced meals and preventing chronic illness.",
        16, Audience.AGED),
    "TCM": Idea(H, "中医养生", "Traditional Chinese Medicine for Health",
        "中医基础理论与日常调养。",
        "The basics of Chinese medicine and everyday care."),
    "FIRSTAID": Idea(H, "家庭急救", "First Aid at Home",
        "心肺复苏、止血包扎与常见意外处理。",
        "CPR, bandaging and common accidents at home.", 12),
    "SHANGHAI": Idea(L, "沪语", "Shanghainese",
        "日常沪语会话，了解上海方言文化。",
        "Everyday Shanghainese and the culture of the city's dialect."),
    "ENGLISH": Idea(L, "英语口语", "Spoken English",
        "日常场景英语对话与发音练习。",
        "Everyday conversations in English and pronunciation practice.", 32),
    "JAPANESE": Idea(L, "日语入门", "Introduction to Japanese",
        "五十音图与简单日常会话。",
        "The kana and simple everyday conversation.", 32),
    "FAMILY": Idea(F, "家庭教育", "Family Education",
        "亲子沟通、习惯养成与学习陪伴。",
        "Talking with children, good habits and supporting their learning.", 12, Audience.FAMILIES),
    "GRANDKIDS": Idea(F, "隔代教育", "Raising Grandchildren",
        "祖辈带孙的方法与两代人的沟通。",
        "Caring for grandchildren and agreeing with their parents.", 12, Audience.AGED),
    "LAW": Idea(LC, "法律常识", "Everyday Law",
        "民法典中的婚姻、继承、合同与消费者权益。",
        "Marriage, inheritance, contracts and consumer rights in the Civil Code.", 12),
    "FRAUD": Idea(LC, "防范电信诈骗", "Spotting Phone and Online Fraud",
        "识别常见诈骗手法，保护钱包与个人信息。",
        "Recognise common scams and protect your money and personal data.", 8, Audience.AGED),
    "AI": Idea(D, "AI 入门", "Introduction to AI",
        "人工智能是什么，如何安全地使用 AI 助手。",
        "What artificial intelligence is and how to use AI assistants safely.", 16),
    "COMPUTER": Idea(D, "电脑基础", "Computer Basics",
        "文件管理、上网与电子邮件。",
        "Files, the web and e-mail."),
    "EXCEL": Idea(D, "Excel 办公应用", "Office Skills with Excel",
        "表格、公式与图表。",
        "Tables, formulas and charts.", 24, Audience.WORKERS, Level.INTERMEDIATE),
    "VIDEO": Idea(D, "短视频制作", "Making Short Videos",
        "用手机拍摄、剪辑和发布短视频。",
        "Shoot, edit and share short videos with a phone.", 16),
    "PYTHON": Idea(D, "Python 编程", "Programming in Python",
        "从零开始学编程，写出实用小程序。",
        "Learn to program from scratch and write useful small programs.", 48, Audience.WORKERS),
    "ELDERCARE": Idea(V, "养老护理员", "Elderly Care Worker",
        "生活照料、基础护理与职业技能等级认定辅导。",
        "Daily care, basic nursing and preparation for the skills certificate.",
        80, Audience.WORKERS),
    "INFANT": Idea(V, "育婴师", "Infant Care",
        "婴幼儿喂养、护理与早期发展。",
        "Feeding, care and early development of babies.", 64, Audience.WORKERS),
    "HOUSEKEEP": Idea(V, "家政服务", "Household Services",
        "整理收纳、家居清洁与烹饪。",
        "Tidying, cleaning and cooking for households.", 48, Audience.MIGRANTS),
    "COOK": Idea(V, "中式烹饪", "Chinese Cooking",
        "刀工、火候与本帮菜。",
        "Knife skills, heat and Shanghai home cooking.", 48),
    "ACCOUNT": Idea(V, "初级会计", "Bookkeeping",
        "会计基础与账务处理。",
        "Accounting basics and keeping the books.", 64, Audience.WORKERS),
    "ECOM": Idea(V, "网店运营", "Running an Online Shop",
        "开店、商品拍摄与客户服务。",
        "Opening a shop, product photos and customer service.", 32, Audience.WORKERS),
    "DESIGN": Idea(V, "平面设计", "Graphic Design",
        "排版、色彩与常用设计软件。",
        "Layout, colour and the usual design software.", 48, Audience.WORKERS),
    "HAIR": Idea(V, "美容美发", "Hairdressing and Beauty",
        "剪发、造型与皮肤护理。",
        "Cutting, styling and skin care.", 64, Audience.WORKERS),
    "AUTO": Idea(V, "汽车维修", "Car Maintenance",
        "汽车保养与常见故障排除。",
        "Servicing a car and common repairs.", 64, Audience.WORKERS),
    "GO": Idea(C, "围棋入门", "Introduction to Go",
        "围棋规则、定式与对弈。",
        "The rules of Go, openings and games."),
    "CLASSICS": Idea(C, "国学经典", "Chinese Classics",
        "论语、诗经选读。",
        "Readings from the Analects and the Book of Songs."),
    "TEA": Idea(C, "茶艺", "The Art of Tea",
        "茶叶知识与冲泡技艺。",
        "Kinds of tea and how to brew them.", 16),
    "FLOWERS": Idea(C, "插花", "Flower Arranging",
        "东方插花与花束设计。",
        "Eastern flower arranging and bouquets.", 16),
    "SKETCH": Idea(C, "素描", "Drawing",
        "线条、明暗与静物写生。",
        "Line, shading and still life.", 32),
    "STARS": Idea(S, "天文入门", "Stargazing for Beginners",
        "认识星空，学用望远镜。",
        "Find your way round the night sky and use a telescope.", 12),
    "WASTE": Idea(LC, "垃圾分类与绿色生活", "Waste Sorting and Green Living",
        "上海垃圾分类规则与低碳生活。",
        "Shanghai's waste-sorting rules and living with less carbon.", 8),
    "DANCE": Idea(H, "广场舞", "Square Dancing",
        "编排简单、节奏欢快的健身舞。",
        "Simple, cheerful dances to keep fit.", 16, Audience.AGED),
}  # fmt: skip

COMMUNITY = ("PHONE", "CALLI", "TAICHI", "SHANGHAI", "ENGLISH", "FAMILY", "LAW", "HEALTH",
             "PHOTO", "CHOIR", "FIRSTAID", "AI", "WASTE", "FRAUD", "VIDEO", "COMPUTER")  # fmt: skip
ELDER = ("CALLI", "PAINT", "PIANO", "CHOIR", "OPERA", "TAICHI", "BADUANJIN", "HEALTH", "PHONE",
         "DIGIPHOTO", "PHOTO", "SHANGHAI", "ENGLISH", "GRANDKIDS", "TCM", "BALLET")  # fmt: skip
NEIGHBOURHOOD = ("DANCE", "PHONE", "FRAUD", "BADUANJIN", "WASTE", "FAMILY")
ONLINE = ("AI", "FRAUD", "LAW", "FAMILY", "ENGLISH", "STARS")
TRAINING: dict[str, tuple[str, ...]] = {
    "外语": ("ENGLISH", "JAPANESE"), "艺术": ("SKETCH", "BALLET"),
    "职业技能": ("ELDERCARE", "INFANT"), "计算机": ("COMPUTER", "EXCEL"), "财会": ("ACCOUNT",),
    "烹饪": ("COOK",), "书画": ("CALLI", "PAINT"), "舞蹈": ("BALLET",), "音乐": ("PIANO",),
    "美容美发": ("HAIR",), "家政服务": ("HOUSEKEEP",), "养老护理": ("ELDERCARE",),
    "围棋": ("GO",), "文化": ("CLASSICS",), "设计": ("DESIGN",), "电子商务": ("ECOM",),
    "摄影": ("DIGIPHOTO", "PHOTO"), "健康管理": ("TCM",), "汽车维修": ("AUTO",),
    "编程": ("PYTHON", "AI"), "茶艺": ("TEA",), "花艺": ("FLOWERS",),
}  # fmt: skip

RESOURCES = (
    (ResourceKind.VIDEO, C, "手机拍照技巧", "Taking Better Photos with Your Phone", 25),
    (ResourceKind.VIDEO, LC, "老年人防范电信诈骗",
     "Spotting Phone Scams: a Guide for Older Residents", 18),
    (ResourceKind.VIDEO, H, "八段锦跟练", "Baduanjin: Follow Along", 15),
    (ResourceKind.AUDIO, L, "沪语日常会话", "Everyday Shanghainese", 30),
    (ResourceKind.VIDEO, D, "用手机预约挂号", "Booking a Hospital Visit on Your Phone", 12),
    (ResourceKind.VIDEO, H, "家庭急救常识", "First Aid at Home", 20),
    (ResourceKind.MOOC, D, "人工智能通识", "AI for Everyone", 360),
    (ResourceKind.ARTICLE, LC, "垃圾分类指南", "A Guide to Waste Sorting", 0),
    (ResourceKind.MOOC, F, "家庭教育十讲", "Ten Talks on Family Education", 300),
    (ResourceKind.MOOC, LC, "民法典与生活", "The Civil Code in Daily Life", 240),
    (ResourceKind.EBOOK, C, "上海城市记忆", "Memories of Shanghai", 0),
    (ResourceKind.ARTICLE, H, "科学养生小知识", "Sensible Health Habits", 0),
    (ResourceKind.AUDIO, L, "英语日常口语", "Everyday English", 45),
    (ResourceKind.VIDEO, C, "书法基本笔画", "Basic Calligraphy Strokes", 22),
    (ResourceKind.EBOOK, S, "天文入门", "Stargazing for Beginners", 0),
    (ResourceKind.VIDEO, D, "微信视频通话", "Video Calls on WeChat", 10),
)  # fmt: skip

MORNING = ((dt.time(9, 0), dt.time(11, 0)), (dt.time(9, 30), dt.time(11, 30)))
AFTERNOON = ((dt.time(13, 30), dt.time(15, 30)), (dt.time(14, 0), dt.time(16, 0)))
EVENING = ((dt.time(18, 30), dt.time(20, 30)), (dt.time(19, 0), dt.time(21, 0)))
WEEKEND = ((dt.time(9, 0), dt.time(12, 0)), (dt.time(14, 0), dt.time(17, 0)))

Log = Callable[[str], None]


@dataclass
class _Plan:
    opens: dt.datetime
    closes: dt.datetime
    courses: list[CourseRow]
    classes: list[ClassRow]


def _first_on(weekday: int) -> dt.date:
    """The first day of the term that falls on `weekday` (1 = Monday)."""
    return TERM_STARTS + dt.timedelta(days=(weekday - TERM_STARTS.isoweekday()) % 7)


def _training_field(name_zh: str) -> str:
    for suffix, _en in sorted(names.TRAINING_SUFFIXES, key=lambda s: -len(s[0])):
        if name_zh.endswith(suffix):
            name_zh = name_zh[: -len(suffix)]
            break
    return next((f for f in TRAINING if name_zh.endswith(f)), "")


class _Planner:
    def __init__(self, seed: int, opens: dt.datetime) -> None:
        self.rng = random.Random(f"{seed}/catalog")  # noqa: S311 - demo data, not secrets
        self.plan = _Plan(opens, opens + WINDOW_OPEN_FOR, [], [])

    def course(self, org_code: str, key: str, *, fee: int = 0, mode: str = Mode.IN_PERSON) -> str:
        idea = IDEAS[key]
        code = f"{org_code}-{key}"
        self.plan.courses.append(
            CourseRow(
                code=code,
                provider_code=org_code,
                title_zh=idea.title_zh,
                title_en=idea.title_en,
                description_zh=idea.about_zh,
                description_en=idea.about_en,
                category=idea.category,
                hours=Decimal(idea.hours),
                mode=mode,
                level=idea.level,
                fee=Decimal(fee),
                audience=idea.audience,
            )
        )
        return code

    def klass(
        self,
        course_code: str,
        site_id: int | None,
        slots: tuple[tuple[dt.time, dt.time], ...],
        *,
        days: tuple[int, ...] = (1, 2, 3, 4, 5),
        seats: tuple[int, int] = (20, 35),
        first_come: float = 0.15,
        quota: float = 0.0,
    ) -> None:
        rng = self.rng
        weekday = rng.choice(days)
        starts, ends = rng.choice(slots)
        capacity = rng.randint(*seats)
        rationing = Rationing.FIRST_COME if rng.random() < first_come else Rationing.LOTTERY
        group_quota = round(capacity * quota) if rationing == Rationing.LOTTERY else 0
        self.plan.classes.append(
            ClassRow(
                course_code=course_code,
                term_code=TERM_CODE,
                site_id=site_id,
                online_url=f"{ONLINE_CLASSROOM}{course_code.lower()}" if site_id is None else "",
                teacher=names.person_name(
                    rng, male=rng.random() < 0.45, birth_year=rng.randint(1958, 1992)
                ),
                weekday=weekday,
                starts_at=starts,
                ends_at=ends,
                first_session_on=_first_on(weekday),
                sessions=rng.choice((12, 14, 16)),
                capacity=capacity,
                applications_open_at=self.plan.opens,
                applications_close_at=self.plan.closes,
                rationing=rationing,
                group_quota=group_quota,
            )
        )


def plan_catalog(seed: int, opens: dt.datetime) -> _Plan:
    """Courses and classes over the providers already in the database (read only)."""
    planner = _Planner(seed, opens)
    rng = planner.rng
    sites: dict[str, list[int]] = {}
    for org_code, site_id in LearningSite.objects.order_by("organization__code", "id").values_list(
        "organization__code", "id"
    ):
        sites.setdefault(org_code, []).append(site_id)
    providers = Organization.objects.filter(
        kind__in=[
            OrganizationKind.COMMUNITY_COLLEGE,
            OrganizationKind.COMMUNITY_SCHOOL,
            OrganizationKind.NEIGHBOURHOOD_SITE,
            OrganizationKind.ELDER_COLLEGE,
            OrganizationKind.ELDER_SITE,
            OrganizationKind.TRAINING_INSTITUTION,
        ]
    ).order_by("code")
    neighbourhood_sites = 0
    for code, kind, name_zh in providers.values_list("code", "kind", "name_zh"):
        own = sites.get(code, [])
        if not own:
            continue
        if kind == OrganizationKind.COMMUNITY_COLLEGE:
            for key in rng.sample(COMMUNITY, 6):
                course = planner.course(code, key, fee=rng.choice((0, 0, 0, 50, 100)))
                for site in own:
                    planner.klass(
                        course, site, MORNING + AFTERNOON + EVENING, days=(1, 2, 3, 4, 5, 6)
                    )
        elif kind == OrganizationKind.COMMUNITY_SCHOOL:
            for key in rng.sample(COMMUNITY, 4):
                course = planner.course(code, key)
                for _ in range(rng.choice((1, 1, 2))):
                    planner.klass(course, own[0], MORNING + AFTERNOON + EVENING)
        elif kind == OrganizationKind.NEIGHBOURHOOD_SITE:
            neighbourhood_sites += 1
            if neighbourhood_sites % 5 == 0:
                course = planner.course(code, rng.choice(NEIGHBOURHOOD))
                planner.klass(course, own[0], MORNING + AFTERNOON, seats=(15, 25))
        elif kind == OrganizationKind.ELDER_COLLEGE:
            for key in rng.sample(ELDER, 10):
                course = planner.course(code, key, fee=rng.choice((150, 200, 240, 300)))
                for site in own:
                    planner.klass(course, site, MORNING + MORNING + AFTERNOON, seats=(30, 40),
                                  first_come=0.0, quota=0.15)  # fmt: skip
        elif kind == OrganizationKind.ELDER_SITE:
            for key in rng.sample(ELDER, 3):
                course = planner.course(code, key)
                planner.klass(course, own[0], MORNING + AFTERNOON, seats=(25, 35), quota=0.1)
        elif rng.random() < 0.25 and (field := _training_field(name_zh)):
            for key in TRAINING[field][: rng.choice((1, 2))]:
                fee = IDEAS[key].hours * rng.choice((30, 40, 50, 60))
                course = planner.course(code, key, fee=fee)
                for _ in range(rng.choice((1, 2))):
                    planner.klass(course, rng.choice(own), EVENING + WEEKEND, days=(2, 4, 6, 7),
                                  seats=(15, 25), first_come=0.7)  # fmt: skip
    for key in ONLINE:
        course = planner.course(SERVICE_CENTER, key, mode=Mode.ONLINE)
        planner.klass(course, None, EVENING, seats=(35, 40))
    return planner.plan


@transaction.atomic
def seed_catalog(admin: User, *, seed: int, log: Log | None = None) -> dict[str, int]:
    """Load the demo catalog into a city that has its providers; returns what was made."""
    say = log or (lambda _line: None)
    catalog.term_create(
        actor=admin,
        code=TERM_CODE,
        name_zh="2027年春季学期",
        name_en="Spring term 2027",
        starts_on=TERM_STARTS,
        ends_on=TERM_ENDS,
        per_learner_cap=2,
        max_choices=3,
    )
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    plan = plan_catalog(seed, now - WINDOW_OPENED)
    courses = catalog.courses_bulk_create(actor=admin, rows=plan.courses)
    classes = catalog.classes_bulk_create(actor=admin, rows=plan.classes)
    center = organization_get(code=SERVICE_CENTER)
    for n, (kind, category, title_zh, title_en, minutes) in enumerate(RESOURCES, start=1):
        catalog.resource_create(
            actor=admin,
            provider=center,
            title_zh=title_zh,
            title_en=title_en,
            kind=kind,
            category=category,
            url=f"{RESOURCES_SITE}{kind}/{n}",
            duration_minutes=minutes,
        )
    say(f"catalog: {len(courses):,} courses, {classes:,} classes, {len(RESOURCES)} resources")
    return {"courses": len(courses), "classes": classes, "resources": len(RESOURCES)}
