"""The demo's learning communities: learning teams in every town (founded by residents,
approved by the town's community school, with members, activity logs, a yearly review and a
few star teams); learning organizations applying against published criteria, scored by the
district offices, with results published; this year's "learning star" award; and a pool of
volunteer teachers, one of them invited by a school and with hours recorded.

Everything goes through the communities services, as residents and schools would. Team
members are residents with their own logins (no password: they exist to be counted and
shown). The `resident` login is a member of a choir in her town."""

from __future__ import annotations

import datetime as dt
import random
import struct
import zlib
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from learningcity.accounts.models import User
from learningcity.accounts.services import user_create
from learningcity.communities import services as communities
from learningcity.communities.choices import (
    Availability,
    OrganizationType,
    ReviewOutcome,
    TeachingLanguage,
    TeamTopic,
)
from learningcity.communities.models import LearningTeam
from learningcity.core import clock
from learningcity.learners.models import Learner
from learningcity.learners.services import learner_login_link
from learningcity.network.choices import AreaLevel, OrganizationKind, StaffRoleKind
from learningcity.network.models import Area, LearningSite, Organization, StaffRole

Log = Callable[[str], None]

COMMISSION = "SH-EDU"

# (topic, name pattern zh, en) — teams are named after their town.
TEAM_KINDS: list[tuple[str, str, str]] = [
    (TeamTopic.SINGING, "{town}银铃合唱团", "{town} Silver Bells Choir"),
    (TeamTopic.CALLIGRAPHY, "{town}翰墨书法社", "{town} Calligraphy Circle"),
    (TeamTopic.PHOTOGRAPHY, "{town}光影摄影社", "{town} Photography Club"),
    (TeamTopic.DANCE, "{town}舞蹈队", "{town} Dance Troupe"),
    (TeamTopic.READING, "{town}读书会", "{town} Reading Circle"),
    (TeamTopic.FITNESS, "{town}太极拳队", "{town} Tai Chi Team"),
    (TeamTopic.DIGITAL, "{town}智能手机学习小组", "{town} Smartphone Learners"),
    (TeamTopic.CRAFTS, "{town}剪纸沙龙", "{town} Paper-cutting Salon"),
]
SCHEDULES = ["每周一 9:00–11:00", "每周三 14:00–16:00", "每周六 9:30–11:30", "每周二、四 7:00–8:00"]
ACTIVITIES = ["例行活动", "社区展演", "外出采风", "新成员见面会", "年度汇报"]

CRITERIA: list[tuple[str, str, str, int, int]] = [
    ("PLAN", "学习规划与制度", "A learning plan and its rules", 20, 2),
    ("TIME", "人均学习时间", "Learning time per person", 30, 3),
    ("SHARE", "学习成果分享", "Sharing what was learned", 20, 2),
    ("REACH", "带动社区学习", "Bringing the neighbourhood along", 30, 3),
]
ORGANIZATIONS: list[tuple[str, str, str]] = [
    (OrganizationType.ENTERPRISE, "上海{district}精工制造有限公司", "{district} Precision Works"),
    (OrganizationType.FAMILY, "{district}王家书香之家", "The Wang family of {district}"),
    (OrganizationType.COMMUNITY, "{district}滨江社区", "{district} Riverside Community"),
]


def _png(width: int = 48, height: int = 32, rgb: tuple[int, int, int] = (46, 111, 179)) -> bytes:
    """A small valid PNG of one colour, for the demo's activity photos."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


class People:
    """Residents with logins, made on demand in a town (deterministic names and birthdays)."""

    def __init__(self, admin: User, rng: random.Random) -> None:
        self.admin = admin
        self.rng = rng
        self.count = 0

    def make(self, home: Area) -> Learner:
        """A resident living in `home` (anywhere in the city if none is left there), given a
        login: the demo's residents were registered at the counter, as most elders are."""
        self.count += 1
        residents = Learner.objects.filter(user__isnull=True).order_by("pk")
        nearby = list(
            residents.filter(residence_area__path__startswith=home.path).values_list(
                "public_id", flat=True
            )[:50]
        ) or list(residents.values_list("public_id", flat=True)[:50])
        chosen = self.rng.choice(nearby)
        learner = Learner.objects.get(public_id=chosen)
        user = user_create(
            actor=self.admin,
            username=f"team-{self.count:05d}",
            password=None,
            display_name=learner.name,
        )
        return learner_login_link(actor=self.admin, public_id=chosen, user=user)


def _staff_of(org: Organization | None, fallback: User) -> User:
    if org is None:
        return fallback
    role = (
        StaffRole.objects.filter(
            organization=org, role__in=[StaffRoleKind.ADMIN, StaffRoleKind.REGISTRAR]
        )
        .select_related("user")
        .order_by("id")
        .first()
    )
    return role.user if role else fallback


def _teams(admin: User, rng: random.Random, people: People, say: Log) -> list[LearningTeam]:
    """One or two teams per town, each with a founder and a few members, approved by the
    town's school; two activities each."""
    towns = list(Area.objects.filter(level=AreaLevel.TOWN).order_by("code"))
    homes: dict[int, Area] = {}
    for area in Area.objects.filter(level=AreaLevel.NEIGHBOURHOOD).order_by("code"):
        homes.setdefault(area.parent_id or 0, area)
    sites: dict[int, list[LearningSite]] = {}
    for place in LearningSite.objects.filter(is_active=True).select_related("area").order_by("id"):
        is_neighbourhood = place.area.level == AreaLevel.NEIGHBOURHOOD
        town_id = place.area.parent_id if is_neighbourhood else place.area_id
        sites.setdefault(town_id or 0, []).append(place)
    schools = {
        org.area_id: org
        for org in Organization.objects.filter(kind=OrganizationKind.COMMUNITY_SCHOOL).order_by(
            "-code"
        )
    }
    today = clock.today()
    teams: list[LearningTeam] = []
    for town in towns:
        home = homes.get(town.pk, town)
        approver = _staff_of(schools.get(town.pk), admin)
        kinds = rng.sample(TEAM_KINDS, 2 if rng.random() < 0.5 else 1)
        if not teams:
            kinds = [TEAM_KINDS[0], *kinds[1:]]  # the first town has a choir for the resident
        for topic, name_zh, name_en in kinds:
            founder = people.make(home)
            town_sites = sites.get(town.pk, [])
            site = rng.choice(town_sites) if town_sites and rng.random() < 0.7 else None
            team = communities.team_apply(
                actor=founder.user,
                name_zh=name_zh.format(town=town.name_zh),
                name_en=name_en.format(town=town.name_en or town.name_zh),
                topic=topic,
                town=town,
                site=site,
                meeting_place="" if site else "居委会活动室",
                schedule=rng.choice(SCHEDULES),
                description="欢迎邻居们加入，一起学习、一起进步。",
            )
            team = communities.team_decide(actor=approver, public_id=team.public_id, approve=True)
            for _n in range(rng.randint(3, 6)):
                member = people.make(home)
                request = communities.team_join(actor=member.user, public_id=team.public_id)
                communities.membership_decide(
                    actor=founder.user, public_id=request.public_id, accept=True
                )
            for k in range(2):
                communities.activity_log(
                    actor=founder.user,
                    public_id=team.public_id,
                    held_on=today - dt.timedelta(days=7 * (k + 1) + rng.randint(0, 5)),
                    title=rng.choice(ACTIVITIES),
                    attendees=rng.randint(4, 20),
                )
            teams.append(team)
    # One town's pending application, so the school's desk has something to decide.
    if towns:
        communities.team_apply(
            actor=people.make(homes.get(towns[0].pk, towns[0])).user,
            name_zh=f"{towns[0].name_zh}英语角",
            name_en=f"{towns[0].name_en} English Corner",
            topic=TeamTopic.LANGUAGES,
            town=towns[0],
            meeting_place="社区图书室",
            schedule="每周五 19:00–20:30",
        )
    say(f"learning teams: {len(teams)} in {len(towns)} towns")
    return teams


def _stars(admin: User, rng: random.Random, teams: list[LearningTeam]) -> int:
    """This year's reviews; about one team in eight is named a star learning team, with a
    photo in its log."""
    year = clock.today().year
    stars = 0
    for index, team in enumerate(teams):
        approver = team.decided_by or admin
        star = index % 8 == 0
        outcome = (
            ReviewOutcome.STAR
            if star
            else rng.choice([ReviewOutcome.GOOD, ReviewOutcome.SATISFACTORY])
        )
        communities.team_review(
            actor=approver,
            public_id=team.public_id,
            year=year,
            outcome=outcome,
            comments="活动规律，成员积极，带动了邻里学习。" if star else "活动正常开展。",
        )
        if star:
            stars += 1
            communities.activity_log(
                actor=approver,
                public_id=team.public_id,
                held_on=clock.today() - dt.timedelta(days=2),
                title="星级团队展示活动",
                attendees=rng.randint(15, 40),
                photos=[(SimpleUploadedFile("star.png", _png()), "团队成员在社区中心展示学习成果")],
            )
    return stars


def _organizations(admin: User, rng: random.Random, people: People) -> tuple[int, int]:
    """Published criteria for each type; three applications in each of a few districts,
    scored by the district office and published."""
    year = clock.today().year
    for kind in OrganizationType.values:
        for code, name_zh, name_en, most, weight in CRITERIA:
            communities.criterion_create(
                actor=admin,
                year=year,
                organization_type=kind,
                code=code,
                name_zh=name_zh,
                name_en=name_en,
                max_score=most,
                weight=weight,
            )
    offices = list(
        Organization.objects.filter(kind=OrganizationKind.DISTRICT_OFFICE)
        .select_related("area")
        .order_by("code")[:4]
    )
    applied = recognised = 0
    for office in offices:
        reviewer = _staff_of(office, admin)
        applicant = people.make(office.area)
        for kind, name_zh, name_en in ORGANIZATIONS:
            application = communities.recognition_apply(
                actor=applicant.user,
                year=year,
                organization_type=kind,
                name_zh=name_zh.format(district=office.area.name_zh),
                name_en=name_en.format(district=office.area.name_en or office.area.name_zh),
                area=office.area,
                statement="建立了学习制度，定期组织学习和分享，带动周边居民参与。",
            )
            applied += 1
            for code, _zh, _en, most, _w in CRITERIA:
                communities.criterion_score(
                    actor=reviewer,
                    public_id=application.public_id,
                    criterion_code=code,
                    score=rng.randint(most * 3 // 10, most),
                    comment="材料齐全",
                )
            result = communities.recognition_publish(
                actor=reviewer, public_id=application.public_id
            )
            recognised += result.status == "recognised"
    return applied, recognised


def _award(admin: User, rng: random.Random, teams: list[LearningTeam]) -> int:
    """This year's learning stars: members nominated by their team leaders, reviewed by the
    commission; most consent to their story being shown, some to their name too."""
    year = clock.today().year
    commission = Organization.objects.get(code=COMMISSION)
    award = communities.award_create(
        actor=admin,
        code=f"LEARNING-STAR-{year}",
        year=year,
        name_zh=f"{year}年度学习之星",
        name_en=f"Learning star {year}",
        description_zh="表彰在终身学习中起到榜样作用的市民。",
        description_en="Residents whose lifelong learning inspires others.",
        owner=commission,
    )
    awarded = 0
    for team in teams[:: max(1, len(teams) // 6)][:6]:
        member = (
            team.memberships.filter(status="active", role="member")
            .select_related("learner__user")
            .order_by("id")
            .first()
        )
        if member is None:
            continue
        nomination = communities.nomination_create(
            actor=team.founder.user,
            award=award,
            learner=member.learner,
            team=team,
            story="退休后坚持每周参加团队学习，还带动了三位邻居一起来学。",
        )
        communities.nomination_review(
            actor=admin, public_id=nomination.public_id, award=True, reason="事迹突出，群众认可"
        )
        communities.nomination_consent(
            actor=member.learner.user,
            public_id=nomination.public_id,
            show_name=rng.random() < 0.5,
            show_story=True,
        )
        awarded += 1
    return awarded


def _volunteers(admin: User, rng: random.Random, people: People) -> int:
    """Two volunteers per district; Huangpu's first town's school invites one, who accepts
    and has taught two sessions."""
    skills = ["书法", "英语口语", "智能手机使用", "太极拳", "合唱指导", "国画", "摄影", "编程入门"]
    districts = list(Area.objects.filter(level=AreaLevel.DISTRICT).order_by("code"))
    profiles = []
    for district in districts:
        for _n in range(2):
            person = people.make(district)
            languages = [TeachingLanguage.MANDARIN]
            if rng.random() < 0.5:
                languages.append(TeachingLanguage.SHANGHAINESE)
            if rng.random() < 0.3:
                languages.append(TeachingLanguage.ENGLISH)
            profiles.append(
                communities.volunteer_offer(
                    actor=person.user,
                    display_name=person.name,
                    skills=rng.choice(skills),
                    bio="退休教师，乐意分享。",
                    languages=[str(c) for c in languages],
                    availability=rng.sample(Availability.values, 2),
                    district_codes=[district.code],
                )
            )
    school = (
        Organization.objects.filter(
            kind=OrganizationKind.COMMUNITY_SCHOOL, code__startswith="310101"
        )
        .order_by("code")
        .first()
    )
    if school is not None and profiles:
        inviter = _staff_of(school, admin)
        invitation = communities.volunteer_invite(
            actor=inviter,
            volunteer_id=profiles[0].public_id,
            organization=school,
            subject=f"{profiles[0].skills}公益课",
            message="欢迎来社区学校上课。",
        )
        communities.invitation_respond(
            actor=profiles[0].learner.user, public_id=invitation.public_id, accept=True
        )
        for days in (14, 7):
            communities.hours_record(
                actor=inviter,
                public_id=invitation.public_id,
                taught_on=clock.today() - dt.timedelta(days=days),
                hours=Decimal("1.5"),
                note="课堂气氛很好",
            )
    return len(profiles)


def _resident_joins(teams: list[LearningTeam]) -> bool:
    """The `resident` login joins the first team of her town (her request accepted)."""
    resident: Any = (
        Learner.objects.select_related("residence_area", "user")
        .filter(user__username="resident")
        .first()
    )
    if resident is None or not teams:
        return False
    path = resident.residence_area.path
    team = next((t for t in teams if path.startswith(t.area.path)), teams[0])
    request = communities.team_join(actor=resident.user, public_id=team.public_id)
    communities.membership_decide(actor=team.founder.user, public_id=request.public_id, accept=True)
    return True


def seed_communities(admin: User, *, seed: int, scale: float, log: Log) -> dict[str, int]:
    """Load the demo's communities; deterministic for a given seed. Returns counts."""
    rng = random.Random(f"{seed}/communities")  # noqa: S311 - demo data, not secrets
    people = People(admin, rng)
    teams = _teams(admin, rng, people, log)
    stars = _stars(admin, rng, teams)
    applied, recognised = _organizations(admin, rng, people)
    awarded = _award(admin, rng, teams)
    volunteers = _volunteers(admin, rng, people)
    joined = _resident_joins(teams)
    counts = {
        "learning_teams": len(teams),
        "star_teams": stars,
        "organization_applications": applied,
        "organizations_recognised": recognised,
        "learning_stars": awarded,
        "volunteers": volunteers,
        "team_residents": people.count,
        "resident_in_team": int(joined),
    }
    log(f"communities: {counts}")
    return counts
