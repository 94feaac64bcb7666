"""The authorization matrix of communities: learning teams, learning organizations, awards and
volunteer teachers, called as every kind of person.

Who may do what, from the design (README "Learning Week, events and learning communities", the
services' and selectors' docstrings, and the `restrict` rules in models.py):

- A team is overseen by the governance of its town and above and by its town's community
  school (`LearningTeam.restrict`): all their roles read it, admins and registrars change it
  (approve, review, let members in, log activities). Its leader (resident A) runs it.
- Approved teams, their logs and photos, published criteria, recognised organizations, star
  teams and the consented part of the awards showcase are public; a pending or dissolved team
  only for its members and the staff over it.
- Only residents (a login with a learner record) found, join and leave teams, offer to teach,
  answer their own invitations and consent for their own nominations.
- Learning-organization applications are read by their applicant and the governance of their
  area, and scored and published by governance admins and registrars; the criteria are published
  by the municipal administration only.
- Nominations are read by the governance over the nominee's home (or the award's owner) and
  decided by its admins and registrars.
- The volunteer pool is searched by staff who may change something and by team leaders; an
  invitation and its hours are read by the inviting organization's staff and the governance
  over it (or the team's leaders and overseers), and hours recorded by those who may change it.
- The other resident and district B's office stand for "another learner" and "another
  district": every id of theirs sent by resident A or district A's staff must be refused.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from learningcity.accounts.services import user_create
from learningcity.communities import services
from learningcity.communities.choices import OrganizationType, TeamStatus
from learningcity.communities.models import LearningTeam
from learningcity.communities.tests.factories import make_criteria, make_resident
from learningcity.core import clock
from learningcity.network.tests.factories import City
from tests.authz.matrix import (
    LEVELS,
    NOBODY,
    OTHER_RESIDENT,
    PUBLIC,
    RESIDENT,
    RESIDENTS,
    SIGNED_IN,
    Actors,
    Op,
    Page,
    Route,
    run_matrix,
    staff,
)

pytestmark = pytest.mark.django_db

YEAR = clock.today().year
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
API = "/api/v1/communities"

# Who is who -----------------------------------------------------------------------------------

OVER_TOWN_A1 = ("municipal", "district", "town", "provider")
OVER_DISTRICT_B = ("municipal", "other_district")
# Staff over a team of town A1: its governance and its community school (the provider).
TEAM_VIEW = staff("view", levels=OVER_TOWN_A1)
TEAM_CHANGE = staff("change", levels=OVER_TOWN_A1)
TEAM_B_VIEW = staff("view", levels=OVER_DISTRICT_B)
TEAM_B_CHANGE = staff("change", levels=OVER_DISTRICT_B)
# Governance over district A / town A1 (a community school governs no area).
GOV_VIEW = staff("view")
GOV_CHANGE = staff("change")
GOV_B_VIEW = staff("view", levels=OVER_DISTRICT_B)
GOV_B_CHANGE = staff("change", levels=OVER_DISTRICT_B)
# The volunteer pool: staff who may change something anywhere, and leaders of active teams
# (resident A leads the choir, the other resident a team in district B).
POOL = staff("change", levels=LEVELS) | RESIDENTS
MEMBERS_A = frozenset({RESIDENT})


# The world ------------------------------------------------------------------------------------


def build_world(city: City, actors: Actors) -> dict[str, str]:
    resident, other = actors.resident, actors.other_resident
    today = clock.today()
    a_school_admin, b_school_admin = city.a.school_admin, city.b.school_admin

    # Teams: resident A leads an approved choir (a member, a request to join, a photo in the
    # log, a star review), a pending team and a dissolved one; the other resident leads a team
    # in district B with a request of her own.
    team = services.team_apply(
        actor=resident.user,
        name_zh="外滩合唱团",
        name_en="MX Bund Choir",
        topic="singing",
        town=city.a.town,
        site=city.a.site,
        schedule="每周三 9:00",
    )
    services.team_decide(actor=a_school_admin, public_id=team.public_id, approve=True)
    pending = services.team_apply(
        actor=resident.user,
        name_zh="豫园书法社",
        name_en="MX Yuyuan Calligraphy",
        topic="calligraphy",
        town=city.a.town,
        meeting_place="豫园茶楼",
        schedule="每周五 14:00",
    )
    closed = services.team_apply(
        actor=resident.user,
        name_zh="老城厢摄影组",
        name_en="MX Old Town Photography",
        topic="photography",
        town=city.a.town,
        meeting_place="老西门",
        schedule="每周六 8:00",
    )
    services.team_decide(actor=a_school_admin, public_id=closed.public_id, approve=True)
    team_b = services.team_apply(
        actor=other.user,
        name_zh="徐家汇舞蹈队",
        name_en="MX Xujiahui Dancers",
        topic="dance",
        town=city.b.town,
        site=city.b.site,
        schedule="每周二 19:00",
    )
    services.team_decide(actor=b_school_admin, public_id=team_b.public_id, approve=True)

    member = make_resident(city, name="赵丽华")
    joined = services.team_join(actor=member.user, public_id=team.public_id)
    services.membership_decide(actor=resident.user, public_id=joined.public_id, accept=True)
    requester = make_resident(city, name="孙美玲")
    request = services.team_join(actor=requester.user, public_id=team.public_id)
    requester_b = make_resident(city, district="b", name="周志强")
    request_b = services.team_join(actor=requester_b.user, public_id=team_b.public_id)

    activity = services.activity_log(
        actor=resident.user,
        public_id=team.public_id,
        held_on=today,
        title="江边合唱练习",
        photos=[(SimpleUploadedFile("p.jpg", JPEG), "合唱团在江边")],
    )
    # The other resident asked to join the photography group and was refused: she is no
    # member of it, and sees nothing of it once it is dissolved.
    refused = services.team_join(actor=other.user, public_id=closed.public_id)
    services.membership_decide(actor=resident.user, public_id=refused.public_id, accept=False)
    closed_activity = services.activity_log(
        actor=resident.user,
        public_id=closed.public_id,
        held_on=today,
        title="老西门拍摄",
        photos=[(SimpleUploadedFile("q.jpg", JPEG), "老西门的街道")],
    )
    LearningTeam.objects.filter(pk=closed.pk).update(status=TeamStatus.DISSOLVED)
    services.team_review(
        actor=a_school_admin, public_id=team.public_id, year=YEAR, outcome="star", comments="好"
    )

    # Learning organizations: criteria for enterprises and families; an enterprise of district
    # A recognised; resident A's family applied (scored, not yet published); the other
    # resident's family applied in district B.
    make_criteria(city, year=YEAR, organization_type=OrganizationType.ENTERPRISE)
    make_criteria(city, year=YEAR, organization_type=OrganizationType.FAMILY)
    enterprise = user_create(actor=None, username="mx-enterprise", password=None)
    recognised = services.recognition_apply(
        actor=enterprise,
        year=YEAR,
        organization_type=OrganizationType.ENTERPRISE,
        name_zh="外滩学习型企业",
        area=city.a.area,
        statement="每月读书会",
    )
    application = services.recognition_apply(
        actor=resident.user,
        year=YEAR,
        organization_type=OrganizationType.FAMILY,
        name_zh="王家学习型家庭",
        area=city.a.town,
        statement="全家每晚读书",
    )
    application_b = services.recognition_apply(
        actor=other.user,
        year=YEAR,
        organization_type=OrganizationType.FAMILY,
        name_zh="李家学习型家庭",
        area=city.b.area,
        statement="周末一起学英语",
    )
    for applied in (recognised, application):
        for code, score in (("PLAN", 9), ("HOURS", 18)):
            services.criterion_score(
                actor=city.a.officer, public_id=applied.public_id, criterion_code=code, score=score
            )
    services.recognition_publish(actor=city.a.officer, public_id=recognised.public_id)

    # Awards: resident A and the other resident nominated (under review); two residents of
    # district A awarded, one letting the showcase show her story and one not.
    award = services.award_create(
        actor=city.root, code="MX-STAR", year=YEAR, name_zh="学习之星", owner=city.commission
    )
    award2 = services.award_create(
        actor=city.root, code="MX-STAR-2", year=YEAR, name_zh="终身学习之星", owner=city.commission
    )
    nomination = services.nomination_create(
        actor=city.a.officer, award=award, learner=resident, story="王秀英的故事"
    )
    nomination_b = services.nomination_create(
        actor=city.b.officer, award=award, learner=other, story="李建国的故事"
    )
    shown = services.nomination_create(
        actor=city.a.officer, award=award, learner=member, story="MX story shown on the showcase"
    )
    services.nomination_consent(
        actor=member.user, public_id=shown.public_id, show_name=False, show_story=True
    )
    hidden = services.nomination_create(
        actor=city.a.officer, award=award, learner=requester, story="MX story kept private"
    )
    for awarded in (shown, hidden):
        services.nomination_review(
            actor=city.root, public_id=awarded.public_id, award=True, reason="坚持学习"
        )

    # Volunteers: resident A, the other resident and a third resident offer to teach; school A
    # invites resident A (unanswered) and the third (accepted); school B invites the other
    # resident (unanswered) and the third (accepted).
    def offer(learner: Any, name: str, district: str) -> Any:
        return services.volunteer_offer(
            actor=learner.user,
            display_name=name,
            skills="书法",
            languages=["zh"],
            availability=["weekend"],
            district_codes=[district],
        )

    volunteer_a = offer(resident, "MX王老师", city.a.area.code)
    volunteer_b = offer(other, "MX李老师", city.b.area.code)
    teacher = make_resident(city, name="钱文")
    volunteer_c = offer(teacher, "MX钱老师", city.a.area.code)

    def invite(actor: Any, volunteer: Any, organization: Any, accept: bool) -> Any:
        invitation = services.volunteer_invite(
            actor=actor,
            volunteer_id=volunteer.public_id,
            subject="教书法",
            organization=organization,
        )
        if accept:
            services.invitation_respond(
                actor=volunteer.learner.user, public_id=invitation.public_id, accept=True
            )
        return invitation

    invitation = invite(a_school_admin, volunteer_a, city.a.school, accept=False)
    accepted = invite(a_school_admin, volunteer_c, city.a.school, accept=True)
    invitation_b = invite(b_school_admin, volunteer_b, city.b.school, accept=False)
    accepted_b = invite(b_school_admin, volunteer_c, city.b.school, accept=True)

    values: dict[str, Any] = {
        "year": YEAR,
        "last_year": YEAR - 1,
        "today": today.isoformat(),
        "town_pk": city.a.town.pk,
        "town_code": city.a.town.code,
        "district_code": city.a.area.code,
        "office_code": city.a.office.code,
        "school_code": city.a.school.code,
        "school_b_code": city.b.school.code,
        "resident_id": resident.public_id,
        "other_resident_id": other.public_id,
        "team": team.public_id,
        "team_name": "MX Bund Choir",
        "pending_team": pending.public_id,
        "pending_team_name": "MX Yuyuan Calligraphy",
        "closed_team": closed.public_id,
        "team_b": team_b.public_id,
        "member": joined.public_id,
        "member_learner_id": member.public_id,
        "member_name": "赵丽华",
        "request": request.public_id,
        "requester_name": "孙美玲",
        "request_b": request_b.public_id,
        "requester_b_name": "周志强",
        "activity": activity.public_id,
        "photo": activity.photos.get().public_id,
        "closed_activity": closed_activity.public_id,
        "closed_photo": closed_activity.photos.get().public_id,
        "recognised": recognised.public_id,
        "recognised_name": "外滩学习型企业",
        "application": application.public_id,
        "application_name": "王家学习型家庭",
        "application_b": application_b.public_id,
        "award_code": award.code,
        "award2_code": award2.code,
        "award2_pk": award2.pk,
        "nomination": nomination.public_id,
        "nomination_b": nomination_b.public_id,
        "shown_story": "MX story shown on the showcase",
        "hidden_story": "MX story kept private",
        "volunteer_c": volunteer_c.public_id,
        "volunteer_c_name": "MX钱老师",
        "invitation": invitation.public_id,
        "invitation_b": invitation_b.public_id,
        "accepted": accepted.public_id,
        "accepted_b": accepted_b.public_id,
    }
    return {key: str(value) for key, value in values.items()}


# Pages ----------------------------------------------------------------------------------------

TEAM_FORM = {
    "name_zh": "新读书会",
    "topic": "reading",
    "town": "{town_pk}",
    "meeting_place": "社区活动室",
    "schedule": "每周一 10:00",
}
ACTIVITY_FORM = {"held_on": "{today}", "title": "练习", "attendees": "5"}
VOLUNTEER_FORM = {
    "display_name": "MX新老师",
    "skills": "太极",
    "languages": ["zh"],
    "availability": ["weekend"],
    "districts": ["{district_code}"],
    "is_active": "on",
}

PAGES: list[Route] = [
    # Finding a team: public; a pending team is on no public list.
    Page("communities:teams", PUBLIC, shows="team_name"),
    Page("communities:teams", PUBLIC, shows="pending_team_name", seers=NOBODY),
    Page("communities:map", PUBLIC),
    # Founding a team: residents only (a login without a learner record gets a 403 page).
    Page("communities:team_new", RESIDENTS),
    Page("communities:team_new", RESIDENTS, method="POST", data=TEAM_FORM),
    # A team's page: public once approved; its members and requests only for the team's
    # leader (members) and the staff over it; a pending team only for them.
    Page(
        "communities:team",
        PUBLIC,
        {"public_id": "{team}"},
        shows="member_name",
        seers=MEMBERS_A | TEAM_VIEW,
    ),
    Page(
        "communities:team",
        PUBLIC,
        {"public_id": "{team}"},
        shows="requester_name",
        seers=MEMBERS_A | TEAM_VIEW,
    ),
    Page(
        "communities:team",
        PUBLIC,
        {"public_id": "{team_b}"},
        shows="requester_b_name",
        seers=frozenset({OTHER_RESIDENT}) | TEAM_B_VIEW,
    ),
    Page("communities:team", MEMBERS_A | TEAM_VIEW, {"public_id": "{pending_team}"}),
    Page("communities:team", MEMBERS_A | TEAM_VIEW, {"public_id": "{closed_team}"}),
    # Joining and leaving: residents; only an approved team takes requests. Leaving is for
    # residents too: resident A, the leader, is told to hand over the lead first, and a
    # resident not in the team is told so (a message on the team page, nothing changes: the
    # deliberate answer of test_leaving_a_team_one_is_not_in_changes_nothing, a 409 by nature).
    Page("communities:team_join", RESIDENTS, {"public_id": "{team}"}, method="POST"),
    Page("communities:team_join", NOBODY, {"public_id": "{pending_team}"}, method="POST"),
    Page("communities:team_leave", RESIDENTS, {"public_id": "{team}"}, method="POST"),
    # The school's (and governance's) decisions.
    Page(
        "communities:team_decide",
        TEAM_CHANGE,
        {"public_id": "{pending_team}"},
        method="POST",
        data={"decision": "approve"},
    ),
    Page(
        "communities:team_review",
        TEAM_CHANGE,
        {"public_id": "{team}"},
        method="POST",
        data={"year": "{last_year}", "outcome": "good", "comments": "不错"},
    ),
    # The activity log: active members and the staff who may change the team.
    Page("communities:activity_new", MEMBERS_A | TEAM_CHANGE, {"public_id": "{team}"}),
    Page(
        "communities:activity_new",
        MEMBERS_A | TEAM_CHANGE,
        {"public_id": "{team}"},
        method="POST",
        data=ACTIVITY_FORM,
    ),
    # Requests and roles: the leader and the staff who may change the team; never the leader
    # of another district's team.
    Page(
        "communities:member_decide",
        MEMBERS_A | TEAM_CHANGE,
        {"public_id": "{request}"},
        method="POST",
        data={"accept": "yes"},
    ),
    Page(
        "communities:member_decide",
        frozenset({OTHER_RESIDENT}) | TEAM_B_CHANGE,
        {"public_id": "{request_b}"},
        method="POST",
        data={"accept": "yes"},
    ),
    Page(
        "communities:member_role",
        MEMBERS_A | TEAM_CHANGE,
        {"public_id": "{member}"},
        method="POST",
        data={"role": "deputy"},
    ),
    # A leader nominates a member of her team (staff nominate through the API, not here).
    Page("communities:nominate", MEMBERS_A, {"public_id": "{member}"}),
    Page(
        "communities:nominate",
        MEMBERS_A,
        {"public_id": "{member}"},
        method="POST",
        data={"award": "{award2_pk}", "story": "她每周都来"},
    ),
    # Photos: public for an approved team; a dissolved team's only for its members (not the
    # other resident, who was refused) and the staff over it.
    Page("communities:photo", PUBLIC, {"public_id": "{photo}"}),
    Page("communities:photo", MEMBERS_A | TEAM_VIEW, {"public_id": "{closed_photo}"}),
    # A resident's own page: her teams, invitations and nominations, nobody else's.
    Page("communities:mine", RESIDENTS, shows="team_name", seers=MEMBERS_A),
    Page("communities:mine", RESIDENTS, shows="invitation", seers=MEMBERS_A),
    Page("communities:volunteer", RESIDENTS),
    Page("communities:volunteer", RESIDENTS, method="POST", data=VOLUNTEER_FORM),
    Page(
        "communities:invitation_answer",
        MEMBERS_A,
        {"public_id": "{invitation}"},
        method="POST",
        data={"accept": "yes"},
    ),
    Page(
        "communities:invitation_answer",
        frozenset({OTHER_RESIDENT}),
        {"public_id": "{invitation_b}"},
        method="POST",
        data={"accept": "yes"},
    ),
    Page(
        "communities:consent",
        MEMBERS_A,
        {"public_id": "{nomination}"},
        method="POST",
        data={"show_name": "on"},
    ),
    Page(
        "communities:consent",
        frozenset({OTHER_RESIDENT}),
        {"public_id": "{nomination_b}"},
        method="POST",
        data={"show_name": "on"},
    ),
    # Public results: only what is published, only what the awardee consented to.
    Page("communities:organizations", PUBLIC, shows="recognised_name"),
    Page("communities:organizations", PUBLIC, shows="application_name", seers=NOBODY),
    Page("communities:showcase", PUBLIC, shows="shown_story"),
    Page("communities:showcase", PUBLIC, shows="hidden_story", seers=NOBODY),
    # The desk answers anyone logged in (with a note for those it is not for), and lists only
    # what is in the viewer's scope.
    Page("communities:staff", SIGNED_IN, shows="pending_team", seers=TEAM_VIEW),
    Page("communities:staff", SIGNED_IN, shows="nomination", seers=GOV_VIEW),
    Page("communities:staff", SIGNED_IN, shows="application", seers=GOV_VIEW),
    Page("communities:staff", SIGNED_IN, shows="accepted", seers=TEAM_VIEW),
    Page("communities:staff", SIGNED_IN, shows="accepted_b", seers=TEAM_B_VIEW),
    # The volunteer pool (city-wide: volunteers choose where they teach).
    Page("communities:volunteers", POOL, shows="volunteer_c_name"),
    # Whoever may search the pool is let through to the form; one who may not invite for
    # school A is then told so on the pool page (a redirect with a message: a 400 by nature).
    Page(
        "communities:invite",
        POOL,
        {"public_id": "{volunteer_c}"},
        method="POST",
        data={"inviter": "org:{school_code}", "subject": "教太极"},
    ),
    # Hours: read by those the desk lists the invitation for (the inviting school's staff and
    # the governance over it); recorded by those of them who may change the school.
    Page("communities:hours", TEAM_VIEW, {"public_id": "{accepted}"}),
    Page(
        "communities:hours",
        TEAM_CHANGE,
        {"public_id": "{accepted}"},
        method="POST",
        data={"taught_on": "{today}", "hours": "2.0"},
    ),
    Page("communities:hours", TEAM_B_VIEW, {"public_id": "{accepted_b}"}),
    # Nominations: read by the governance over the nominee's home (or the award's owner, the
    # commission), as the desk lists them; decided by its admins and registrars.
    Page("communities:nomination_review", GOV_VIEW, {"public_id": "{nomination}"}),
    Page(
        "communities:nomination_review",
        GOV_CHANGE,
        {"public_id": "{nomination}"},
        method="POST",
        data={"decision": "award", "reason": "坚持学习"},
    ),
    Page("communities:nomination_review", GOV_B_VIEW, {"public_id": "{nomination_b}"}),
    # Learning organizations: anyone with a login applies; the applicant and the governance of
    # the area read an application; governance admins and registrars score it.
    Page("communities:recognition_apply", SIGNED_IN),
    Page(
        "communities:recognition_apply",
        SIGNED_IN,
        method="POST",
        data={
            "organization_type": "family",
            "name_zh": "新学习型家庭",
            "area": "{town_pk}",
            "statement": "一起读书",
        },
    ),
    Page("communities:recognition", MEMBERS_A | GOV_VIEW, {"public_id": "{application}"}),
    Page(
        "communities:recognition",
        GOV_CHANGE,
        {"public_id": "{application}"},
        method="POST",
        data={"score-PLAN": "5"},
    ),
    Page(
        "communities:recognition",
        frozenset({OTHER_RESIDENT}) | GOV_B_VIEW,
        {"public_id": "{application_b}"},
    ),
]

# API ------------------------------------------------------------------------------------------

OPS: list[Route] = [
    # Learning organizations.
    Op("GET", f"{API}/criteria", PUBLIC, query="year={year}"),
    Op(
        "POST",
        f"{API}/criteria",
        staff("change", levels=("municipal",)),
        body={
            "year": YEAR,
            "organization_type": "community",
            "code": "MX-NEW",
            "name_zh": "新标准",
            "max_score": 10,
            "weight": 1,
        },
    ),
    Op("GET", f"{API}/organizations", PUBLIC, query="year={year}", shows="recognised"),
    Op(
        "GET",
        f"{API}/organizations",
        PUBLIC,
        query="year={year}",
        shows="application",
        seers=NOBODY,
    ),
    Op(
        "POST",
        f"{API}/recognition",
        SIGNED_IN,
        body={
            "year": YEAR,
            "organization_type": "family",
            "name_zh": "新学习型家庭",
            "area": "{town_code}",
            "statement": "一起读书",
        },
    ),
    Op("GET", f"{API}/recognition", SIGNED_IN, shows="application", seers=GOV_VIEW),
    Op("GET", f"{API}/recognition", SIGNED_IN, shows="application_b", seers=GOV_B_VIEW),
    Op(
        "POST",
        f"{API}/recognition/{{application_id}}/scores",
        GOV_CHANGE,
        params={"application_id": "application"},
        body={"criterion": "PLAN", "score": 5},
    ),
    Op(
        "POST",
        f"{API}/recognition/{{application_id}}/scores",
        GOV_B_CHANGE,
        params={"application_id": "application_b"},
        body={"criterion": "PLAN", "score": 5},
    ),
    Op(
        "POST",
        f"{API}/recognition/{{application_id}}/publish",
        GOV_CHANGE,
        params={"application_id": "application"},
        body={},
    ),
    # Awards and nominations.
    Op("GET", f"{API}/showcase", PUBLIC, shows="shown_story"),
    Op("GET", f"{API}/showcase", PUBLIC, shows="hidden_story", seers=NOBODY),
    # An organization sets up awards it runs: district A's office, and the commission over it.
    Op(
        "POST",
        f"{API}/awards",
        staff("change", levels=("municipal", "district")),
        body={"code": "MX-NEW", "year": YEAR, "name_zh": "新奖", "owner": "{office_code}"},
    ),
    Op("GET", f"{API}/awards", PUBLIC),
    Op(
        "POST",
        f"{API}/nominations",
        GOV_CHANGE,
        body={"award": "{award2_code}", "learner_id": "{resident_id}", "story": "她每天学习"},
    ),
    Op(
        "POST",
        f"{API}/nominations",
        GOV_B_CHANGE,
        body={"award": "{award2_code}", "learner_id": "{other_resident_id}", "story": "他每天学习"},
    ),
    Op(
        "POST",
        f"{API}/nominations",
        MEMBERS_A,
        body={
            "award": "{award2_code}",
            "learner_id": "{member_learner_id}",
            "story": "她每周都来",
            "team_id": "{team}",
        },
    ),
    # Through a team, only its leader, and only for a member of it: nobody nominates the other
    # resident (no member of the choir) with the choir's id.
    Op(
        "POST",
        f"{API}/nominations",
        NOBODY,
        body={
            "award": "{award2_code}",
            "learner_id": "{other_resident_id}",
            "story": "他每天学习",
            "team_id": "{team}",
        },
    ),
    Op("GET", f"{API}/nominations", SIGNED_IN, shows="nomination", seers=GOV_VIEW),
    Op(
        "POST",
        f"{API}/nominations/{{nomination_id}}/consent",
        MEMBERS_A,
        params={"nomination_id": "nomination"},
        body={"show_name": True, "show_story": False},
    ),
    Op(
        "POST",
        f"{API}/nominations/{{nomination_id}}/consent",
        frozenset({OTHER_RESIDENT}),
        params={"nomination_id": "nomination_b"},
        body={"show_name": True, "show_story": False},
    ),
    Op(
        "POST",
        f"{API}/nominations/{{nomination_id}}/review",
        GOV_CHANGE,
        params={"nomination_id": "nomination"},
        body={"award": True, "reason": "坚持学习"},
    ),
    Op(
        "POST",
        f"{API}/nominations/{{nomination_id}}/review",
        GOV_B_CHANGE,
        params={"nomination_id": "nomination_b"},
        body={"award": True, "reason": "坚持学习"},
    ),
    # Teams.
    Op("GET", f"{API}/teams", PUBLIC, shows="team"),
    Op("GET", f"{API}/teams", PUBLIC, shows="pending_team", seers=NOBODY),
    Op(
        "POST",
        f"{API}/teams",
        RESIDENTS,
        body={
            "name_zh": "新读书会",
            "topic": "reading",
            "town": "{town_code}",
            "meeting_place": "社区活动室",
            "schedule": "每周一 10:00",
        },
    ),
    Op("GET", f"{API}/teams/{{team_id}}", PUBLIC, params={"team_id": "team"}),
    Op(
        "GET", f"{API}/teams/{{team_id}}", MEMBERS_A | TEAM_VIEW, params={"team_id": "pending_team"}
    ),
    Op(
        "POST",
        f"{API}/teams/{{team_id}}/decision",
        TEAM_CHANGE,
        params={"team_id": "pending_team"},
        body={"approve": True},
    ),
    Op("GET", f"{API}/staff/teams", SIGNED_IN, shows="pending_team", seers=TEAM_VIEW),
    Op("POST", f"{API}/teams/{{team_id}}/join", RESIDENTS, params={"team_id": "team"}, body={}),
    Op(
        "POST", f"{API}/teams/{{team_id}}/join", NOBODY, params={"team_id": "pending_team"}, body={}
    ),
    Op("POST", f"{API}/teams/{{team_id}}/leave", MEMBERS_A, params={"team_id": "team"}, body={}),
    Op("GET", f"{API}/me/teams", RESIDENTS, shows="team", seers=MEMBERS_A),
    Op(
        "GET",
        f"{API}/teams/{{team_id}}/requests",
        MEMBERS_A | TEAM_VIEW,
        params={"team_id": "team"},
        shows="request",
    ),
    Op(
        "GET",
        f"{API}/teams/{{team_id}}/requests",
        frozenset({OTHER_RESIDENT}) | TEAM_B_VIEW,
        params={"team_id": "team_b"},
        shows="request_b",
    ),
    Op(
        "POST",
        f"{API}/memberships/{{membership_id}}/decision",
        MEMBERS_A | TEAM_CHANGE,
        params={"membership_id": "request"},
        body={"accept": True},
    ),
    Op(
        "POST",
        f"{API}/memberships/{{membership_id}}/decision",
        frozenset({OTHER_RESIDENT}) | TEAM_B_CHANGE,
        params={"membership_id": "request_b"},
        body={"accept": True},
    ),
    Op(
        "POST",
        f"{API}/memberships/{{membership_id}}/role",
        MEMBERS_A | TEAM_CHANGE,
        params={"membership_id": "member"},
        body={"role": "deputy"},
    ),
    Op(
        "POST",
        f"{API}/teams/{{team_id}}/activities",
        MEMBERS_A | TEAM_CHANGE,
        params={"team_id": "team"},
        body={"held_on": "{today}", "title": "练习"},
        multipart=True,
    ),
    Op(
        "GET",
        f"{API}/teams/{{team_id}}/activities",
        PUBLIC,
        params={"team_id": "team"},
        shows="activity",
    ),
    Op(
        "GET",
        f"{API}/teams/{{team_id}}/activities",
        MEMBERS_A | TEAM_VIEW,
        params={"team_id": "closed_team"},
        shows="closed_activity",
    ),
    Op(
        "POST",
        f"{API}/teams/{{team_id}}/reviews",
        TEAM_CHANGE,
        params={"team_id": "team"},
        body={"year": YEAR - 1, "outcome": "good", "comments": "不错"},
    ),
    Op("GET", f"{API}/star-teams", PUBLIC, query="year={year}", shows="team"),
    # Volunteers.
    Op(
        "PUT",
        f"{API}/me/volunteer",
        RESIDENTS,
        body={
            "display_name": "MX新老师",
            "skills": "太极",
            "languages": ["zh"],
            "availability": ["weekend"],
            "districts": ["{district_code}"],
        },
    ),
    Op("GET", f"{API}/volunteers", POOL, shows="volunteer_c"),
    # For an organization: those who may change school A; for a team: its leader and the staff
    # who may change the team.
    Op(
        "POST",
        f"{API}/volunteers/{{volunteer_id}}/invitations",
        TEAM_CHANGE,
        params={"volunteer_id": "volunteer_c"},
        body={"subject": "教太极", "organization": "{school_code}"},
    ),
    Op(
        "POST",
        f"{API}/volunteers/{{volunteer_id}}/invitations",
        MEMBERS_A | TEAM_CHANGE,
        params={"volunteer_id": "volunteer_c"},
        body={"subject": "教太极", "team_id": "{team}"},
    ),
    Op(
        "POST",
        f"{API}/volunteers/{{volunteer_id}}/invitations",
        frozenset({OTHER_RESIDENT}) | TEAM_B_CHANGE,
        params={"volunteer_id": "volunteer_c"},
        body={"subject": "教太极", "team_id": "{team_b}"},
    ),
    Op(
        "POST",
        f"{API}/volunteers/{{volunteer_id}}/invitations",
        GOV_B_CHANGE,
        params={"volunteer_id": "volunteer_c"},
        body={"subject": "教太极", "organization": "{school_b_code}"},
    ),
    Op("GET", f"{API}/me/invitations", RESIDENTS, shows="invitation", seers=MEMBERS_A),
    Op("GET", f"{API}/invitations", SIGNED_IN, shows="accepted", seers=TEAM_VIEW),
    Op("GET", f"{API}/invitations", SIGNED_IN, shows="accepted_b", seers=TEAM_B_VIEW),
    Op(
        "POST",
        f"{API}/invitations/{{invitation_id}}/answer",
        MEMBERS_A,
        params={"invitation_id": "invitation"},
        body={"accept": True},
    ),
    Op(
        "POST",
        f"{API}/invitations/{{invitation_id}}/answer",
        frozenset({OTHER_RESIDENT}),
        params={"invitation_id": "invitation_b"},
        body={"accept": True},
    ),
    Op(
        "POST",
        f"{API}/invitations/{{invitation_id}}/hours",
        TEAM_CHANGE,
        params={"invitation_id": "accepted"},
        body={"taught_on": "{today}", "hours": "2.0"},
    ),
    Op(
        "POST",
        f"{API}/invitations/{{invitation_id}}/hours",
        TEAM_B_CHANGE,
        params={"invitation_id": "accepted_b"},
        body={"taught_on": "{today}", "hours": "2.0"},
    ),
]

ROUTES: list[Route] = PAGES + OPS


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


def test_communities_matrix(city: City, actors: Actors) -> None:
    world = build_world(city, actors)
    run_matrix(ROUTES, world, actors)
