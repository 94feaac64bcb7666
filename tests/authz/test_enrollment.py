"""The authorization matrix of the catalog and enrollment: every page and API operation of
both apps, as every kind of person.

Who may do what, from the design:

- the catalog is public: published classes, offered courses, resources, terms and search are
  for everyone; a draft class or a withdrawn course is for no one there (staff see drafts on
  their own staff pages and with `mine=true`);
- staff manage the courses and classes of the providers in their scope: the provider's own
  staff (school A), and the offices governing its area (town A1, district A, the municipal
  commission); admins and registrars change, every role views;
- an application belongs to its learner; staff see it when the learner lives in their area
  (offices) or the class is theirs (the provider), and act for a resident (apply, answer an
  offer, withdraw) only through the API and only for residents living in their area;
- the lottery is drawn by the municipal administration; its publication is public.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.test import Client
from django.urls import reverse

from learningcity.catalog import services as catalog
from learningcity.catalog.choices import ClassStatus, Rationing
from learningcity.catalog.models import Class, Course
from learningcity.catalog.tests.factories import make_class, make_course, make_resource, make_term
from learningcity.enrollment import services as enrollment
from learningcity.enrollment.models import Application, Session
from learningcity.enrollment.tests.factories import close_window
from learningcity.network.tests.factories import City
from tests.authz.matrix import (
    ANY_STAFF,
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
    staff_name,
)

# --- Who -------------------------------------------------------------------------------------

GOVERNANCE_A = ("municipal", "district", "town")  # the offices whose area resident A lives in
RUNS_A = ("municipal", "district", "town", "provider")  # ... and school A, which teaches class A
RUNS_B = ("municipal", "other_district")  # district B's school is governed by these

VIEW_A = staff("view", levels=RUNS_A)
CHANGE_A = staff("change", levels=RUNS_A)
VIEW_B = staff("view", levels=RUNS_B)
CHANGE_B = staff("change", levels=RUNS_B)
SEE_LEARNER_A = staff("view", levels=GOVERNANCE_A)
ACT_FOR_A = staff("change", levels=GOVERNANCE_A)
SEE_LEARNER_B = staff("view", levels=RUNS_B)
ACT_FOR_B = staff("change", levels=RUNS_B)
ANY_CHANGING_STAFF = staff("change", levels=LEVELS)
MUNICIPAL_ADMINISTRATION = staff("change", levels=("municipal",))
ONLY_A = frozenset({RESIDENT})
ONLY_B = frozenset({OTHER_RESIDENT})

# --- Bodies ----------------------------------------------------------------------------------

COURSE_BODY = {
    "provider": "{school_a}",
    "code": "MX-NEW-COURSE",
    "title_zh": "新课程",
    "category": "culture_arts",
    "hours": "12",
}
CLASS_BODY = {
    "course": "{course_a}",
    "term": "{term_open}",
    "site": "{site_a}",
    "weekday": 3,
    "starts_at": "09:00",
    "ends_at": "11:00",
    "first_session_on": "{term_open_starts}",
    "sessions": 4,
    "capacity": 20,
    "applications_open_at": "{opens}",
    "applications_close_at": "{closes}",
}
CLASS_FORM = {
    "course": "{course_a}",
    "term": "{term_open}",
    "site": "{site_a}",
    "weekday": "3",
    "starts_at": "09:00",
    "ends_at": "11:00",
    "first_session_on": "{term_open_starts}",
    "sessions": "4",
    "capacity": "20",
    "rationing": "lottery",
    "group_quota": "0",
    "applications_open_at": "{opens_form}",
    "applications_close_at": "{closes_form}",
    "completion_min_attendance": "80",
}
COURSE_FORM = {
    "provider": "{school_a}",
    "code": "MX-FORM-COURSE",
    "title_zh": "表单课程",
    "category": "culture_arts",
    "mode": "in_person",
    "level": "beginner",
    "hours": "12",
    "fee": "0",
    "audience": "everyone",
}


def _apply_body(**extra: str) -> dict[str, Any]:
    return {"class_id": "{class_a2}", "rank": 3, **extra}


# --- Routes ----------------------------------------------------------------------------------

CATALOG_PAGES: list[Route] = [
    # Whether a draft class is found is asked of the API below (the page and the API share
    # one selector); the page, the slowest of all, is called once.
    Page("catalog:search", PUBLIC, shows="class_a"),
    Page("catalog:class", PUBLIC, kwargs={"class_id": "{class_a}"}),
    # The public catalog shows published classes only; staff preview a draft on their own
    # class page (enrollment:staff_class), so no one is let in here.
    Page("catalog:class", NOBODY, kwargs={"class_id": "{class_draft}"}),
    Page("catalog:course", PUBLIC, kwargs={"code": "{course_a}"}, shows="class_a"),
    # A course no longer offered is gone from the public catalog, for staff too.
    Page("catalog:course", NOBODY, kwargs={"code": "{course_off}"}),
]

CATALOG_API: list[Route] = [
    Op("GET", "/api/v1/search", PUBLIC, shows="class_a"),
    Op("GET", "/api/v1/search", PUBLIC, shows="class_draft", seers=NOBODY),
    Op("GET", "/api/v1/search", PUBLIC, query="q=MXUNIQUE&kind=course", shows="course_a"),
    Op("GET", "/api/v1/terms", PUBLIC, shows="term_open"),
    Op("GET", "/api/v1/courses", PUBLIC, shows="course_a"),
    Op("GET", "/api/v1/courses", PUBLIC, shows="course_off", seers=NOBODY),
    # `mine=true` lists what the caller manages, offered or not; everyone else gets an empty
    # list (200), never another provider's withdrawn course.
    Op("GET", "/api/v1/courses", PUBLIC, query="mine=true", shows="course_off", seers=VIEW_A),
    Op("GET", "/api/v1/courses", PUBLIC, query="mine=true", shows="course_b", seers=VIEW_B),
    Op("POST", "/api/v1/courses", CHANGE_A, body=COURSE_BODY),
    Op("POST", "/api/v1/courses", CHANGE_B, body={**COURSE_BODY, "provider": "{school_b}"}),
    Op("GET", "/api/v1/courses/{code}", PUBLIC, params={"code": "course_a"}),
    Op("GET", "/api/v1/courses/{code}", NOBODY, params={"code": "course_off"}),
    Op(
        "PATCH",
        "/api/v1/courses/{code}",
        CHANGE_A,
        params={"code": "course_a"},
        body={"title_en": "Renamed"},
    ),
    Op(
        "PATCH",
        "/api/v1/courses/{code}",
        CHANGE_B,
        params={"code": "course_b"},
        body={"title_en": "Renamed"},
    ),
    Op(
        "PATCH",
        "/api/v1/courses/{code}",
        CHANGE_A,
        params={"code": "course_off"},
        body={"is_active": True},
    ),
    Op("GET", "/api/v1/classes", PUBLIC, shows="class_a"),
    Op("GET", "/api/v1/classes", PUBLIC, shows="class_draft", seers=NOBODY),
    Op("GET", "/api/v1/classes", PUBLIC, query="mine=true", shows="class_draft", seers=VIEW_A),
    Op("GET", "/api/v1/classes", PUBLIC, query="mine=true", shows="class_b", seers=VIEW_B),
    Op("POST", "/api/v1/classes", CHANGE_A, body=CLASS_BODY),
    Op(
        "POST",
        "/api/v1/classes",
        CHANGE_B,
        body={**CLASS_BODY, "course": "{course_b}", "site": "{site_b}"},
    ),
    Op("GET", "/api/v1/classes/{class_id}", PUBLIC, params={"class_id": "class_a"}),
    # One published class of the public catalog: a draft is not there for anyone.
    Op("GET", "/api/v1/classes/{class_id}", NOBODY, params={"class_id": "class_draft"}),
    Op(
        "PATCH",
        "/api/v1/classes/{class_id}",
        CHANGE_A,
        params={"class_id": "class_a"},
        body={"teacher": "张老师"},
    ),
    Op(
        "PATCH",
        "/api/v1/classes/{class_id}",
        CHANGE_A,
        params={"class_id": "class_draft"},
        body={"status": "published"},
    ),
    Op(
        "PATCH",
        "/api/v1/classes/{class_id}",
        CHANGE_B,
        params={"class_id": "class_b"},
        body={"teacher": "张老师"},
    ),
    Op("GET", "/api/v1/resources", PUBLIC, shows="resource_a"),
]

ENROLLMENT_API: list[Route] = [
    # Residents apply for themselves; a staff login without a learner record is told to
    # name the learner (422, a request error, so "let in" by the matrix's rule).
    Op("POST", "/api/v1/applications", SIGNED_IN, body=_apply_body()),
    # A draft is in nobody's catalog: applying to one finds no class, for anyone (staff who
    # may act for resident A included).
    Op(
        "POST",
        "/api/v1/applications",
        NOBODY,
        body=_apply_body(class_id="{class_draft}", learner_id="{learner_a}"),
    ),
    # Staff apply for residents living in their area. `learner_id` is for staff: a resident
    # naming even herself is answered 404 (she applies without it).
    Op("POST", "/api/v1/applications", ACT_FOR_A, body=_apply_body(learner_id="{learner_a}")),
    Op("POST", "/api/v1/applications", ACT_FOR_B, body=_apply_body(learner_id="{learner_b}")),
    Op("GET", "/api/v1/applications", SIGNED_IN, shows="app_a", seers=ONLY_A),
    Op("GET", "/api/v1/applications", SIGNED_IN, shows="app_b", seers=ONLY_B),
    Op("GET", "/api/v1/applications", SEE_LEARNER_A, query="learner_id={learner_a}", shows="app_a"),
    Op("GET", "/api/v1/applications", SEE_LEARNER_B, query="learner_id={learner_b}", shows="app_b"),
    Op(
        "GET",
        "/api/v1/applications/{application_id}",
        ONLY_A | VIEW_A,
        params={"application_id": "app_a"},
    ),
    Op(
        "GET",
        "/api/v1/applications/{application_id}",
        ONLY_B | VIEW_B,
        params={"application_id": "app_b"},
    ),
    # Resident B's application to school A's class: B, the offices of B's area, and school A
    # (whose class it is). District A and town A1 see the class's applicant list, but the
    # application itself belongs to a resident of another district.
    Op(
        "GET",
        "/api/v1/applications/{application_id}",
        ONLY_B | staff("view", levels=("municipal", "other_district", "provider")),
        params={"application_id": "app_b_in_a"},
    ),
    Op(
        "POST",
        "/api/v1/applications/{application_id}/accept",
        ONLY_A | ACT_FOR_A,
        params={"application_id": "offer_a"},
    ),
    Op(
        "POST",
        "/api/v1/applications/{application_id}/accept",
        ONLY_B | ACT_FOR_B,
        params={"application_id": "offer_b"},
    ),
    Op(
        "POST",
        "/api/v1/applications/{application_id}/decline",
        ONLY_A | ACT_FOR_A,
        params={"application_id": "offer_a"},
    ),
    Op(
        "POST",
        "/api/v1/applications/{application_id}/decline",
        ONLY_B | ACT_FOR_B,
        params={"application_id": "offer_b"},
    ),
    Op(
        "POST",
        "/api/v1/applications/{application_id}/withdraw",
        ONLY_A | ACT_FOR_A,
        params={"application_id": "app_a"},
    ),
    Op(
        "POST",
        "/api/v1/applications/{application_id}/withdraw",
        ONLY_B | ACT_FOR_B,
        params={"application_id": "app_b"},
    ),
    # School A's provider staff may not act for resident B even on her application to their
    # own class: acting for a resident is the business of the offices of her area.
    Op(
        "POST",
        "/api/v1/applications/{application_id}/withdraw",
        ONLY_B | ACT_FOR_B,
        params={"application_id": "app_b_in_a"},
    ),
    Op(
        "GET",
        "/api/v1/classes/{class_id}/applicants",
        VIEW_A,
        params={"class_id": "class_a"},
        shows="app_a",
    ),
    Op(
        "GET",
        "/api/v1/classes/{class_id}/applicants",
        VIEW_B,
        params={"class_id": "class_b"},
        shows="app_b",
    ),
    Op(
        "POST",
        "/api/v1/terms/{term_code}/draw",
        MUNICIPAL_ADMINISTRATION,
        params={"term_code": "term_ready"},
    ),
    # The published draw is for everyone, with every entry (here resident A's offer)...
    Op(
        "GET",
        "/api/v1/draws/{term_code}",
        PUBLIC,
        params={"term_code": "term_drawn"},
        shows="offer_a",
    ),
    # ... but no learner by their public id, which their credentials print beside their name:
    # it would tie each entry's choices, target group and result to a named person.
    Op(
        "GET",
        "/api/v1/draws/{term_code}",
        PUBLIC,
        params={"term_code": "term_drawn"},
        shows="learner_pub_a",
        seers=NOBODY,
    ),
    Op("POST", "/api/v1/classes/{class_id}/sessions", CHANGE_A, params={"class_id": "class_fc"}),
    Op("POST", "/api/v1/classes/{class_id}/sessions", CHANGE_B, params={"class_id": "class_b"}),
    Op(
        "GET",
        "/api/v1/classes/{class_id}/sessions",
        VIEW_A,
        params={"class_id": "class_fc"},
        shows="session_a",
    ),
    Op(
        "GET",
        "/api/v1/classes/{class_id}/sessions",
        VIEW_B,
        params={"class_id": "class_b"},
        shows="session_b",
    ),
    Op(
        "POST",
        "/api/v1/sessions/{session_id}/attendance",
        CHANGE_A,
        params={"session_id": "session_a"},
        body={"marks": [{"application_id": "{app_fc}", "present": True}]},
    ),
    # Another district's session, named with an application id that is not in it: the
    # session is out of the caller's scope, so 404 before anything about the body is said.
    Op(
        "POST",
        "/api/v1/sessions/{session_id}/attendance",
        CHANGE_B,
        params={"session_id": "session_b"},
        body={"marks": [{"application_id": "{app_fc}", "present": True}]},
    ),
    Op("POST", "/api/v1/classes/{class_id}/complete", CHANGE_A, params={"class_id": "class_fc"}),
    Op("POST", "/api/v1/classes/{class_id}/complete", CHANGE_B, params={"class_id": "class_b"}),
]

ENROLLMENT_PAGES: list[Route] = [
    # A resident's pages need a learner record: a staff login is told so (403).
    Page("enrollment:apply", RESIDENTS, kwargs={"class_id": "{class_a}"}),
    Page("enrollment:apply", RESIDENTS, kwargs={"class_id": "{class_b}"}),
    Page("enrollment:apply", NOBODY, kwargs={"class_id": "{class_draft}"}),
    Page(
        "enrollment:apply",
        RESIDENTS,
        kwargs={"class_id": "{class_a2}"},
        method="POST",
        data={"rank": "3", "idempotency_key": "{fresh_key}"},
    ),
    Page("enrollment:mine", RESIDENTS, shows="app_a", seers=ONLY_A),
    Page("enrollment:mine", RESIDENTS, shows="app_b", seers=ONLY_B),
    # "The learner sees it, and so do staff whose area the learner lives in" and the staff
    # of the provider whose class it is.
    Page(
        "enrollment:application",
        ONLY_A | VIEW_A,
        kwargs={"public_id": "{app_a}"},
        shows="class_a_title",
    ),
    Page("enrollment:application", ONLY_B | VIEW_B, kwargs={"public_id": "{app_b}"}),
    Page(
        "enrollment:application",
        ONLY_B | staff("view", levels=("municipal", "other_district", "provider")),
        kwargs={"public_id": "{app_b_in_a}"},
    ),
    # Answering an offer on the pages is the resident's own act; staff use the API.
    Page("enrollment:accept", ONLY_A, kwargs={"public_id": "{offer_a}"}, method="POST"),
    Page("enrollment:accept", ONLY_B, kwargs={"public_id": "{offer_b}"}, method="POST"),
    Page("enrollment:decline", ONLY_A, kwargs={"public_id": "{offer_a}"}),
    Page(
        "enrollment:decline",
        ONLY_A,
        kwargs={"public_id": "{offer_a}"},
        method="POST",
        data={"confirm": "yes"},
    ),
    Page(
        "enrollment:decline",
        ONLY_B,
        kwargs={"public_id": "{offer_b}"},
        method="POST",
        data={"confirm": "yes"},
    ),
    Page("enrollment:withdraw", ONLY_A, kwargs={"public_id": "{app_a}"}),
    Page(
        "enrollment:withdraw",
        ONLY_A,
        kwargs={"public_id": "{app_a}"},
        method="POST",
        data={"confirm": "yes"},
    ),
    Page(
        "enrollment:withdraw",
        ONLY_B,
        kwargs={"public_id": "{app_b}"},
        method="POST",
        data={"confirm": "yes"},
    ),
    Page("enrollment:staff_classes", ANY_STAFF, shows="class_a", seers=VIEW_A),
    Page("enrollment:staff_classes", ANY_STAFF, shows="class_b", seers=VIEW_B),
    Page("enrollment:staff_class_new", ANY_CHANGING_STAFF),
    # Another district's admins and registrars reach the form (they schedule their own
    # classes), but school A's course is not among their choices: 400 with a field error,
    # as for a course that does not exist, and nothing is made (test_out_of_scope_forms).
    Page("enrollment:staff_class_new", ANY_CHANGING_STAFF, method="POST", data=CLASS_FORM),
    Page("enrollment:staff_course_new", ANY_CHANGING_STAFF),
    # The same for a course of school A (test_out_of_scope_forms).
    Page("enrollment:staff_course_new", ANY_CHANGING_STAFF, method="POST", data=COURSE_FORM),
    Page("enrollment:staff_class", VIEW_A, kwargs={"class_id": "{class_a}"}, shows="name_a"),
    Page("enrollment:staff_class", VIEW_A, kwargs={"class_id": "{class_draft}"}),
    Page("enrollment:staff_class", VIEW_B, kwargs={"class_id": "{class_b}"}, shows="name_b"),
    Page(
        "enrollment:staff_class_window",
        CHANGE_A,
        kwargs={"class_id": "{class_a}"},
        method="POST",
        data={"action": "close"},
    ),
    Page(
        "enrollment:staff_class_window",
        CHANGE_B,
        kwargs={"class_id": "{class_b}"},
        method="POST",
        data={"action": "close"},
    ),
    Page(
        "enrollment:staff_class_sessions",
        CHANGE_A,
        kwargs={"class_id": "{class_fc}"},
        method="POST",
    ),
    Page(
        "enrollment:staff_class_sessions", CHANGE_B, kwargs={"class_id": "{class_b}"}, method="POST"
    ),
    Page("enrollment:staff_class_complete", CHANGE_A, kwargs={"class_id": "{class_fc}"}),
    Page(
        "enrollment:staff_class_complete",
        CHANGE_A,
        kwargs={"class_id": "{class_fc}"},
        method="POST",
        data={"confirm": "yes"},
    ),
    Page(
        "enrollment:staff_class_complete",
        CHANGE_B,
        kwargs={"class_id": "{class_b}"},
        method="POST",
        data={"confirm": "yes"},
    ),
    # Taking the roll changes records: admins and registrars of the class's scope.
    Page("enrollment:roll_call", CHANGE_A, kwargs={"session_id": "{session_a}"}, shows="name_a"),
    Page(
        "enrollment:roll_call",
        CHANGE_A,
        kwargs={"session_id": "{session_a}"},
        method="POST",
        data={"shown": "{app_fc_pk}", "present": "{app_fc_pk}"},
    ),
    Page("enrollment:roll_call", CHANGE_B, kwargs={"session_id": "{session_b}"}),
    Page("enrollment:staff_draw", MUNICIPAL_ADMINISTRATION, kwargs={"code": "{term_ready}"}),
    Page(
        "enrollment:staff_draw",
        MUNICIPAL_ADMINISTRATION,
        kwargs={"code": "{term_ready}"},
        method="POST",
        data={"confirm": "yes"},
    ),
]

ROUTES: list[Route] = [*CATALOG_PAGES, *CATALOG_API, *ENROLLMENT_API, *ENROLLMENT_PAGES]


# --- The world -------------------------------------------------------------------------------


def _lottery_class(root: Any, course: Course, term: Any, site: Any, **kwargs: Any) -> Class:
    return make_class(actor=root, course=course, term=term, site=site, capacity=5, **kwargs)


def build_world(city: City, actors: Actors) -> dict[str, str]:
    """District A's school runs classes that resident A applied to; district B's school runs
    one that resident B applied to; B also applied to one of school A's classes. A drawn term
    holds an offer for each resident, a closed term waits for its draw, and a first-come class
    of school A has resident A enrolled, its sessions scheduled and one roll taken."""
    root = city.root
    a, b = actors.resident, actors.other_resident
    user_a, user_b = actors.users[RESIDENT], actors.users[OTHER_RESIDENT]

    term_open = make_term(actor=root)
    course_a = make_course(
        actor=root,
        provider=city.a.school,
        code="MX-A",
        title_zh="太极拳 MXUNIQUE",
        title_en="Tai chi MXUNIQUE",
    )
    course_b = make_course(actor=root, provider=city.b.school, code="MX-B", title_zh="书法")
    course_off = make_course(actor=root, provider=city.a.school, code="MX-OFF", title_zh="停开")
    catalog.course_update(actor=root, code=course_off.code, changes={"is_active": False})
    class_a = _lottery_class(root, course_a, term_open, city.a.site)
    class_a2 = _lottery_class(root, course_a, term_open, city.a.site, weekday=4)
    class_b = _lottery_class(root, course_b, term_open, city.b.site)
    class_draft = _lottery_class(
        root, course_a, term_open, city.a.site, weekday=5, status=ClassStatus.DRAFT
    )
    class_fc = _lottery_class(
        root, course_a, term_open, city.a.site, weekday=6, rationing=Rationing.FIRST_COME
    )
    resource = make_resource(actor=root, provider=city.a.school)

    app_a = enrollment.application_submit(actor=user_a, learner=a, klass=class_a, rank=1)
    app_b_in_a = enrollment.application_submit(actor=user_b, learner=b, klass=class_a, rank=1)
    app_b = enrollment.application_submit(actor=user_b, learner=b, klass=class_b, rank=2)
    app_fc = enrollment.application_submit(actor=user_a, learner=a, klass=class_fc)
    sessions = enrollment.sessions_schedule(actor=root, klass=class_fc)
    enrollment.attendance_record(actor=root, session=sessions[0], marks={app_fc.pk: True})
    session_b = enrollment.sessions_schedule(actor=root, klass=class_b)[0]

    # A term already drawn: both residents hold an offer in school A's class.
    term_drawn = make_term(actor=root)
    class_d = _lottery_class(root, course_a, term_drawn, city.a.site)
    offer_a = enrollment.application_submit(actor=user_a, learner=a, klass=class_d)
    offer_b = enrollment.application_submit(actor=user_b, learner=b, klass=class_d)
    close_window(class_d)
    enrollment.lottery_draw(actor=root, term=term_drawn)

    # A term whose lottery classes are closed and await the draw.
    term_ready = make_term(actor=root)
    class_r = _lottery_class(root, course_a, term_ready, city.a.site)
    enrollment.application_submit(actor=user_a, learner=a, klass=class_r)
    close_window(class_r)

    opens = term_open.starts_on - dt.timedelta(days=20)
    world = {
        "school_a": city.a.school.code,
        "school_b": city.b.school.code,
        "site_a": city.a.site.public_id,
        "site_b": city.b.site.public_id,
        "term_open": term_open.code,
        "term_open_starts": term_open.starts_on.isoformat(),
        "term_drawn": term_drawn.code,
        "term_ready": term_ready.code,
        "opens": f"{opens.isoformat()}T09:00:00+08:00",
        "closes": f"{(opens + dt.timedelta(days=7)).isoformat()}T09:00:00+08:00",
        "opens_form": f"{opens.isoformat()}T09:00",
        "closes_form": f"{(opens + dt.timedelta(days=7)).isoformat()}T09:00",
        "course_a": course_a.code,
        "class_a_title": course_a.title_en,
        "course_b": course_b.code,
        "course_off": course_off.code,
        "class_a": class_a.public_id,
        "class_a2": class_a2.public_id,
        "class_b": class_b.public_id,
        "class_draft": class_draft.public_id,
        "class_fc": class_fc.public_id,
        "resource_a": resource.public_id,
        "learner_a": a.public_id,
        "learner_b": b.public_id,
        "learner_pub_a": a.public_id,
        "name_a": a.name,
        "name_b": b.name,
        "app_a": app_a.public_id,
        "app_b": app_b.public_id,
        "app_b_in_a": app_b_in_a.public_id,
        "app_fc": app_fc.public_id,
        "app_fc_pk": app_fc.pk,
        "offer_a": offer_a.public_id,
        "offer_b": offer_b.public_id,
        "session_a": sessions[0].pk,
        "session_b": session_b.pk,
        "fresh_key": uuid.uuid4(),
    }
    return {key: str(value) for key, value in world.items()}


# --- Tests -----------------------------------------------------------------------------------


def test_catalog_and_enrollment_matrix(city: City, actors: Actors) -> None:
    world = build_world(city, actors)
    run_matrix(ROUTES, world, actors)


def test_out_of_scope_forms_refuse_the_choice_and_make_nothing(city: City, actors: Actors) -> None:
    """Where the matrix lets another district's registrar in (the form answers 400), the
    out-of-scope course or provider is refused as an invalid choice and nothing is made."""
    world = build_world(city, actors)
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(actors.users[staff_name("other_district", "registrar")])
    classes, courses = Class.objects.count(), Course.objects.count()

    data = {k: v.format_map(world) for k, v in CLASS_FORM.items()}
    response = client.post(reverse("enrollment:staff_class_new"), data)
    assert response.status_code == 400
    assert "course" in response.context["form"].errors

    data = {k: v.format_map(world) for k, v in COURSE_FORM.items()}
    response = client.post(reverse("enrollment:staff_course_new"), data)
    assert response.status_code == 400
    assert "provider" in response.context["form"].errors

    assert (Class.objects.count(), Course.objects.count()) == (classes, courses)
    assert not Application.objects.filter(klass__public_id=world["class_a2"]).exists()
    assert Session.objects.filter(pk=world["session_b"]).exists()
