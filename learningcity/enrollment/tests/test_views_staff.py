"""The staff's enrollment pages: scope of every staff URL, classes, roll call, completion,
the draw, publishing courses and classes, the admin. Every change goes through one
service; bad input is a message on the page, never a 500."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from learningcity.catalog.choices import Rationing
from learningcity.catalog.models import Class, Course
from learningcity.core import clock
from learningcity.enrollment import services
from learningcity.enrollment.choices import ApplicationStatus as S
from learningcity.enrollment.choices import DrawStatus
from learningcity.enrollment.models import Application, Attendance, Completion, Draw, Session
from learningcity.enrollment.tests.factories import (
    close_window,
    make_class,
    make_resident,
    make_term,
)
from learningcity.enrollment.tests.pages import (
    as_resident,
    as_user,
    draw,
    make_taught_class,
    submit,
    text,
)
from learningcity.network.tests.factories import City

# Staff: scope of every staff URL ----------------------------------------------------------


def _staff_urls(klass: Class, session: Session) -> list[tuple[str, str]]:
    """Every staff URL about one class, with the method that reads or changes it."""
    c = klass.public_id
    return [
        ("get", reverse("enrollment:staff_class", args=[c])),
        ("post", reverse("enrollment:staff_class_window", args=[c])),
        ("post", reverse("enrollment:staff_class_sessions", args=[c])),
        ("get", reverse("enrollment:staff_class_complete", args=[c])),
        ("post", reverse("enrollment:staff_class_complete", args=[c])),
        ("get", reverse("enrollment:roll_call", args=[session.pk])),
        ("post", reverse("enrollment:roll_call", args=[session.pk])),
    ]


@pytest.mark.parametrize("who", ["b_school_admin", "b_officer", "b_town_officer", "resident"])
def test_other_districts_staff_and_residents_get_not_found_and_change_nothing(
    client: Client, city: City, who: str
) -> None:
    taught = make_taught_class(city, [make_resident(city), make_resident(city)])
    session = taught.sessions[0]
    actor = {
        "b_school_admin": city.b.school_admin,
        "b_officer": city.b.officer,
        "b_town_officer": city.b.town_officer,
        "resident": make_resident(city).user,
    }[who]
    client = as_user(client, actor)
    before = Class.objects.get(pk=taught.klass.pk)
    payloads = {
        "action": "close",
        "confirm": "yes",
        "shown": [a.pk for a in taught.applications],
        "present": [a.pk for a in taught.applications],
    }

    for method, url in _staff_urls(taught.klass, session):
        response = getattr(client, method)(url, payloads if method == "post" else None)
        assert response.status_code == 404, (method, url)

    after = Class.objects.get(pk=taught.klass.pk)
    assert after.applications_close_at == before.applications_close_at
    assert Attendance.objects.count() == 0
    assert Completion.objects.count() == 0
    assert not [
        a for a in taught.klass.applications.values_list("status", flat=True) if a != S.ENROLLED
    ]


def test_a_viewer_sees_the_class_but_cannot_change_it(en: Client, city: City) -> None:
    klass = make_class(city, make_term(city))
    client = as_user(en, city.municipal_officer)  # a viewer at the commission
    before = klass.applications_close_at

    page = client.get(reverse("enrollment:staff_class", args=[klass.public_id]))
    close = client.post(
        reverse("enrollment:staff_class_window", args=[klass.public_id]), {"action": "close"}
    )

    assert page.status_code == 200
    assert "Close applications now" not in text(page)
    assert close.status_code == 404
    assert Class.objects.get(pk=klass.pk).applications_close_at == before


def test_staff_pages_ask_anonymous_visitors_to_log_in(client: Client, city: City) -> None:
    taught = make_taught_class(city, [make_resident(city)])
    term = taught.klass.term
    urls = [
        reverse("enrollment:staff_classes"),
        reverse("enrollment:staff_course_new"),
        reverse("enrollment:staff_class_new"),
        reverse("enrollment:staff_draw", args=[term.code]),
    ] + [url for method, url in _staff_urls(taught.klass, taught.sessions[0]) if method == "get"]

    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("accounts:login"))


# Staff: my classes and one class -------------------------------------------------------------


def test_my_classes_lists_only_my_organizations_classes(en: Client, city: City) -> None:
    term = make_term(city)
    klass = make_class(city, term)
    submit(make_resident(city), klass)

    mine = as_user(en, city.a.school_admin).get(reverse("enrollment:staff_classes"))
    theirs = as_user(Client(), city.b.school_admin).get(reverse("enrollment:staff_classes"))
    resident = as_resident(Client(), make_resident(city)).get(reverse("enrollment:staff_classes"))

    assert mine.status_code == 200
    assert str(klass.public_id) in text(mine)
    assert "Applied, waiting for the draw: 1" in text(mine)
    assert "0 of 2" in text(mine)
    assert theirs.status_code == 200
    assert str(klass.public_id) not in text(theirs)
    assert resident.status_code == 404


def test_the_applicants_list_is_paged_with_a_fixed_number_of_queries(
    en: Client, city: City, django_assert_max_num_queries: Any
) -> None:
    term = make_term(city)
    klass = make_class(city, term, capacity=5)
    for _ in range(60):
        submit(make_resident(city), klass)
    draw(city, term, [klass])
    client = as_user(en, city.a.school_admin)
    url = reverse("enrollment:staff_class", args=[klass.public_id])

    with django_assert_max_num_queries(13):
        response = client.get(url)

    html = text(response)
    assert response.status_code == 200
    assert html.count("王秀英") == 50
    assert "Page 1 of 2" in html
    assert "Offered a place: 5" in html and "On the waiting list: 55" in html
    assert client.get(url + "?page=2").content.decode().count("王秀英") == 10


def test_closing_and_reopening_the_window(en: Client, city: City) -> None:
    klass = make_class(city, make_term(city))
    client = as_user(en, city.a.school_admin)
    url = reverse("enrollment:staff_class_window", args=[klass.public_id])

    closed = client.post(url, {"action": "close"}, follow=True)
    klass.refresh_from_db()
    assert klass.applications_close_at <= clock.now()
    assert "Applications are closed now." in text(closed)

    reopened = client.post(url, {"action": "reopen"}, follow=True)
    klass.refresh_from_db()
    assert klass.applications_close_at > clock.now() + dt.timedelta(days=6)
    assert "Applications are open until" in text(reopened)

    odd = client.post(url, {"action": "explode"}, follow=True)
    assert "Choose whether to close or reopen applications." in text(odd)


def test_reopening_is_not_offered_after_the_terms_draw(en: Client, city: City) -> None:
    term = make_term(city)
    klass = make_class(city, term)
    submit(make_resident(city), klass)
    draw(city, term, [klass])

    page = as_user(en, city.a.school_admin).get(
        reverse("enrollment:staff_class", args=[klass.public_id])
    )

    assert "Open for 7 more days" not in text(page)
    assert "applications cannot be reopened" in text(page)


def test_scheduling_sessions_enrols_accepted_learners(en: Client, city: City) -> None:
    klass = make_class(city, make_term(city), rationing=Rationing.FIRST_COME)
    application = submit(make_resident(city), klass)

    response = as_user(en, city.a.school_admin).post(
        reverse("enrollment:staff_class_sessions", args=[klass.public_id]), follow=True
    )

    assert Session.objects.filter(klass=klass).count() == 4
    assert Application.objects.get(pk=application.pk).status == S.ENROLLED
    assert "4 sessions are scheduled" in text(response)
    assert "Take the roll" in text(response)


# Staff: roll call and completion ----------------------------------------------------------


def test_roll_call_saves_marks_and_shows_them_next_time(en: Client, city: City) -> None:
    taught = make_taught_class(city, [make_resident(city) for _ in range(3)])
    here, away, late = taught.applications
    client = as_user(en, city.a.school_admin)
    first = reverse("enrollment:roll_call", args=[taught.sessions[0].pk])
    assert client.get(first).status_code == 200

    response = client.post(
        first, {"shown": [here.pk, away.pk, late.pk], "present": [here.pk, late.pk]}, follow=True
    )

    marks = dict(Attendance.objects.values_list("application_id", "present"))
    assert marks == {here.pk: True, away.pk: False, late.pk: True}
    assert "Roll call saved: 2 present, 1 absent." in text(response)
    assert "Saved on" in text(response)
    second = client.get(reverse("enrollment:roll_call", args=[taught.sessions[1].pk]))
    assert text(second).count("Last session: present") == 2
    assert text(second).count("Last session: absent") == 1


def test_everyone_present_in_one_press(en: Client, city: City) -> None:
    taught = make_taught_class(city, [make_resident(city) for _ in range(2)])
    ids = [a.pk for a in taught.applications]

    as_user(en, city.a.school_admin).post(
        reverse("enrollment:roll_call", args=[taught.sessions[0].pk]),
        {"shown": ids, "all_present": "on"},
    )

    assert sorted(Attendance.objects.values_list("present", flat=True)) == [True, True]


def test_a_roll_call_naming_someone_not_enrolled_is_explained(en: Client, city: City) -> None:
    taught = make_taught_class(city, [make_resident(city)])
    stranger = submit(make_resident(city), make_class(city, make_term(city)))

    response = as_user(en, city.a.school_admin).post(
        reverse("enrollment:roll_call", args=[taught.sessions[0].pk]),
        {"shown": [taught.applications[0].pk, stranger.pk], "present": ["x"]},
    )

    assert response.status_code == 400
    assert "The class list changed since this page was opened." in text(response)
    assert Attendance.objects.count() == 0


def test_completing_the_class_asks_first_then_decides(en: Client, city: City) -> None:
    taught = make_taught_class(city, [make_resident(city) for _ in range(2)])
    came, stayed_away = taught.applications
    services.attendance_record(
        actor=city.root, session=taught.sessions[0], marks={came.pk: True, stayed_away.pk: False}
    )
    client = as_user(en, city.a.school_admin)
    url = reverse("enrollment:staff_class_complete", args=[taught.klass.public_id])

    ask = client.post(url)
    assert "Complete the class?" in text(ask)
    assert Completion.objects.count() == 0

    done = client.post(url, {"confirm": "yes"}, follow=True)

    assert "The class is complete: 1 completed it, 1 did not." in text(done)
    assert Application.objects.get(pk=came.pk).status == S.COMPLETED
    assert Application.objects.get(pk=stayed_away.pk).status == S.NOT_COMPLETED


def test_completing_before_any_roll_call_is_a_message(en: Client, city: City) -> None:
    taught = make_taught_class(city, [make_resident(city)])

    response = as_user(en, city.a.school_admin).post(
        reverse("enrollment:staff_class_complete", args=[taught.klass.public_id]),
        {"confirm": "yes"},
        follow=True,
    )

    assert response.status_code == 200
    assert "Take attendance for at least one session first." in text(response)


# The municipal office: the draw -------------------------------------------------------------


def test_the_draw_page_runs_the_draw_after_confirmation(en: Client, city: City) -> None:
    term = make_term(city)
    klass = make_class(city, term, capacity=2)
    for _ in range(5):
        submit(make_resident(city), klass)
    close_window(klass)
    client = as_user(en, city.root)
    url = reverse("enrollment:staff_draw", args=[term.code])

    page = client.get(url)
    assert page.status_code == 200
    assert Draw.objects.get(term=term).commitment in text(page)
    assert "Run and publish the draw" in text(page)
    ask = client.post(url)
    assert "Run and publish the draw?" in text(ask)
    assert Draw.objects.get(term=term).status == DrawStatus.COMMITTED

    done = client.post(url, {"confirm": "yes"}, follow=True)

    drawn = Draw.objects.get(term=term)
    assert drawn.status == DrawStatus.DRAWN
    html = text(done)
    assert "The draw is published: 5 applications, 2 offered a place, 3 on waiting lists." in html
    assert drawn.seed in html


def test_the_draw_refuses_while_windows_are_open_with_a_message(en: Client, city: City) -> None:
    term = make_term(city)
    submit(make_resident(city), make_class(city, term))
    client = as_user(en, city.root)
    url = reverse("enrollment:staff_draw", args=[term.code])

    page = client.get(url)
    forced = client.post(url, {"confirm": "yes"}, follow=True)

    assert "Some classes are still taking applications." in text(page)
    assert "Some lottery classes of this term are still taking applications." in text(forced)
    assert Draw.objects.get(term=term).status == DrawStatus.COMMITTED


@pytest.mark.parametrize("who", ["a_officer", "a_school_admin", "municipal_viewer"])
def test_only_the_municipal_administration_has_the_draw_page(
    client: Client, city: City, who: str
) -> None:
    term = make_term(city)
    klass = make_class(city, term)
    submit(make_resident(city), klass)
    close_window(klass)
    actor = {
        "a_officer": city.a.officer,
        "a_school_admin": city.a.school_admin,
        "municipal_viewer": city.municipal_officer,
    }[who]
    url = reverse("enrollment:staff_draw", args=[term.code])

    client = as_user(client, actor)

    assert client.get(url).status_code == 404
    assert client.post(url, {"confirm": "yes"}).status_code == 404
    assert Draw.objects.get(term=term).status == DrawStatus.COMMITTED


def test_an_unknown_term_is_not_found(client: Client, city: City) -> None:
    response = as_user(client, city.root).get(reverse("enrollment:staff_draw", args=["NOPE"]))

    assert response.status_code == 404


# Staff: publishing a course and scheduling a class ----------------------------------------


def _course_data(city: City, **changes: Any) -> dict[str, Any]:
    data = {
        "provider": city.a.school.code,
        "code": "hp-taiji-1",
        "title_zh": "太极拳",
        "title_en": "Tai chi",
        "category": "health",
        "mode": "in_person",
        "level": "beginner",
        "hours": "16",
        "fee": "0",
        "audience": "aged",
    }
    data.update(changes)
    return data


def test_publishing_a_course_then_scheduling_a_class(en: Client, city: City) -> None:
    term = make_term(city)
    client = as_user(en, city.a.school_admin)
    assert client.get(reverse("enrollment:staff_course_new")).status_code == 200

    published = client.post(reverse("enrollment:staff_course_new"), _course_data(city))

    course = Course.objects.get(code="HP-TAIJI-1")
    assert published["Location"] == reverse("enrollment:staff_class_new") + "?course=HP-TAIJI-1"
    form = client.get(published["Location"])
    assert 'value="HP-TAIJI-1" selected' in text(form)

    scheduled = client.post(
        reverse("enrollment:staff_class_new"),
        {
            "course": course.code,
            "term": term.code,
            "site": str(city.a.site.public_id),
            "weekday": "3",
            "starts_at": "09:00",
            "ends_at": "10:30",
            "first_session_on": "2027-03-03",
            "sessions": "8",
            "capacity": "20",
            "rationing": "lottery",
            "group_quota": "5",
            "applications_open_at": "2027-01-10T09:00",
            "applications_close_at": "2027-02-10T17:00",
            "completion_min_attendance": "75",
        },
    )

    klass = Class.objects.get(course=course)
    assert scheduled["Location"] == reverse("enrollment:staff_class", args=[klass.public_id])
    assert (klass.capacity, klass.group_quota, klass.weekday) == (20, 5, 3)
    assert klass.applications_open_at == dt.datetime(2027, 1, 10, 1, 0, tzinfo=dt.UTC)


def test_a_taken_course_code_is_a_field_error(en: Client, city: City) -> None:
    client = as_user(en, city.a.school_admin)
    client.post(reverse("enrollment:staff_course_new"), _course_data(city))

    again = client.post(reverse("enrollment:staff_course_new"), _course_data(city))

    assert again.status_code == 409
    assert "This code is already used by another course." in text(again)
    assert 'id="id_code" aria-invalid="true"' in text(again) or 'aria-invalid="true"' in text(again)
    assert Course.objects.count() == 1


def test_another_districts_provider_cannot_be_chosen(en: Client, city: City) -> None:
    response = as_user(en, city.b.school_admin).post(
        reverse("enrollment:staff_course_new"), _course_data(city)
    )

    assert response.status_code == 400
    assert Course.objects.count() == 0


def test_a_class_that_ends_before_it_starts_is_a_field_error(en: Client, city: City) -> None:
    term = make_term(city)
    course = make_class(city, term).course
    client = as_user(en, city.a.school_admin)

    response = client.post(
        reverse("enrollment:staff_class_new"),
        {
            "course": course.code,
            "term": term.code,
            "site": str(city.a.site.public_id),
            "weekday": "3",
            "starts_at": "11:00",
            "ends_at": "10:00",
            "first_session_on": "2030-01-01",
            "sessions": "8",
            "capacity": "20",
            "rationing": "lottery",
            "group_quota": "0",
            "applications_open_at": "2027-01-10T09:00",
            "applications_close_at": "2027-02-10T17:00",
            "completion_min_attendance": "80",
        },
    )

    html = text(response)
    assert response.status_code == 400
    assert "A class must end after it starts." in html
    assert "The first session must fall within the term." in html
    assert Class.objects.filter(course=course).count() == 1


def test_course_and_class_forms_are_not_for_residents(client: Client, city: City) -> None:
    client = as_resident(client, make_resident(city))

    assert client.get(reverse("enrollment:staff_course_new")).status_code == 404
    assert client.get(reverse("enrollment:staff_class_new")).status_code == 404


def test_nav_links_residents_and_staff_to_their_pages(en: Client, city: City) -> None:
    resident_home = as_resident(en, make_resident(city)).get(reverse("enrollment:mine"))
    staff_home = as_user(Client(), city.a.school_admin).get(reverse("enrollment:staff_classes"))

    assert f'href="{reverse("enrollment:mine")}" aria-current="page"' in text(resident_home)
    assert f'href="{reverse("enrollment:staff_classes")}" aria-current="page"' in text(staff_home)


# A gap in the services, found while building the pages ------------------------------------


def test_a_lottery_application_after_the_draw_joins_the_waiting_list(city: City) -> None:
    term = make_term(city)
    klass = make_class(city, term)
    submit(make_resident(city), klass)
    draw(city, term, [klass])
    from learningcity.catalog.services import class_update

    class_update(
        actor=city.root,
        public_id=klass.public_id,
        changes={"applications_close_at": clock.now() + dt.timedelta(days=1)},
    )
    klass.refresh_from_db()

    late = submit(make_resident(city), klass)

    assert late.status == S.WAITLISTED


# The admin: read-only, in scope ------------------------------------------------------------


def test_the_admin_lists_applications_in_scope_read_only(client: Client, city: City) -> None:
    application = submit(make_resident(city), make_class(city, make_term(city)))
    changelist = reverse("admin:enrollment_application_changelist")
    change = reverse("admin:enrollment_application_change", args=[application.pk])

    mine = as_user(client, city.a.school_admin).get(changelist)
    detail = client.get(change)
    theirs = as_user(Client(), city.b.school_admin).get(changelist)
    draws = client.get(reverse("admin:enrollment_draw_changelist"))

    assert mine.status_code == 200 and str(application.public_id) in text(mine)
    assert detail.status_code == 200 and 'name="_save"' not in text(detail)
    assert theirs.status_code == 200 and str(application.public_id) not in text(theirs)
    assert draws.status_code == 200
