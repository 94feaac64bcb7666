"""The enrollment pages: the right person gets the page, anyone else 'not found'; every
change goes through one service; bad input is a message on the page, never a 500."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from learningcity.catalog.choices import ClassStatus, Rationing
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
from learningcity.enrollment.tests.pages import draw, make_taught_class, submit
from learningcity.learners.models import Learner
from learningcity.network.tests.factories import City


@pytest.fixture
def en(client: Client) -> Client:
    client.cookies["lc_language"] = "en"
    return client


def as_user(client: Client, user: Any) -> Client:
    client.force_login(user)
    return client


def as_resident(client: Client, learner: Learner) -> Client:
    assert learner.user is not None
    return as_user(client, learner.user)


def text(response: Any) -> str:
    return response.content.decode()


def key_of(response: Any) -> str:
    html = text(response)
    start = html.index('name="idempotency_key" value="') + len('name="idempotency_key" value="')
    return html[start : start + 36]


# Residents: applying ---------------------------------------------------------------------


def test_apply_page_explains_the_lottery_and_shows_the_commitment(en: Client, city: City) -> None:
    term = make_term(city, choices=3)
    first, second = make_class(city, term), make_class(city, term)
    resident = make_resident(city)
    submit(resident, first, rank=1)
    commitment = Draw.objects.get(term=term).commitment

    response = as_resident(en, resident).get(reverse("enrollment:apply", args=[second.public_id]))

    assert response.status_code == 200
    html = text(response)
    assert "How the lottery works" in html
    assert commitment in html
    assert "Choice 1: the class I want most" not in html  # rank 1 is taken by the first class
    assert 'value="2"' in html and 'value="3"' in html
    assert "Your choices in Term" in html


def test_applying_makes_one_application_even_when_the_form_is_sent_twice(
    en: Client, city: City
) -> None:
    klass = make_class(city, make_term(city))
    resident = make_resident(city)
    client = as_resident(en, resident)
    url = reverse("enrollment:apply", args=[klass.public_id])
    key = key_of(client.get(url))

    first = client.post(url, {"rank": "1", "idempotency_key": key})
    again = client.post(url, {"rank": "1", "idempotency_key": key})

    application = Application.objects.get()
    detail = reverse("enrollment:application", args=[application.public_id])
    assert (first.status_code, first["Location"]) == (302, detail)
    assert (again.status_code, again["Location"]) == (302, detail)
    assert application.rank == 1 and application.status == S.APPLIED
    page = client.get(detail)
    assert "Your application for Piano for beginners is in, as choice 1." in text(page)


def test_a_first_come_seat_is_taken_at_once(en: Client, city: City) -> None:
    klass = make_class(city, make_term(city), rationing=Rationing.FIRST_COME, capacity=3)
    client = as_resident(en, make_resident(city))
    url = reverse("enrollment:apply", args=[klass.public_id])
    page = client.get(url)
    assert "3 seats of 3 are left" in text(page)

    response = client.post(url, {"idempotency_key": key_of(page)}, follow=True)

    assert Application.objects.get().status == S.ACCEPTED
    assert "You have a place in Piano for beginners." in text(response)


def test_a_rank_out_of_range_is_a_field_error(en: Client, city: City) -> None:
    klass = make_class(city, make_term(city, choices=2))
    client = as_resident(en, make_resident(city))

    response = client.post(
        reverse("enrollment:apply", args=[klass.public_id]),
        {"rank": "9", "idempotency_key": str(uuid.uuid4())},
    )

    assert response.status_code == 400
    assert 'aria-invalid="true"' in text(response)
    assert Application.objects.count() == 0


def test_a_rank_already_used_is_refused_on_the_field_with_a_new_key(en: Client, city: City) -> None:
    term = make_term(city)
    taken, wanted = make_class(city, term), make_class(city, term)
    resident = make_resident(city)
    submit(resident, taken, rank=1)
    sent_key = str(uuid.uuid4())

    response = as_resident(en, resident).post(
        reverse("enrollment:apply", args=[wanted.public_id]),
        {"rank": "1", "idempotency_key": sent_key},
    )

    assert response.status_code == 409
    assert "You already have a choice with this rank in this term." in text(response)
    assert key_of(response) != sent_key
    assert Application.objects.filter(klass=wanted).count() == 0


def test_a_closed_window_says_so_and_a_late_post_is_a_message(en: Client, city: City) -> None:
    klass = make_class(city, make_term(city), open_=False)
    client = as_resident(en, make_resident(city))
    url = reverse("enrollment:apply", args=[klass.public_id])

    page = client.get(url)
    late = client.post(url, {"rank": "1", "idempotency_key": str(uuid.uuid4())})

    assert "Applications closed on" in text(page)
    assert late.status_code == 409
    assert "Applications for this class are not open now." in text(late)
    assert Application.objects.count() == 0


def test_a_missing_key_asks_to_send_again_without_applying(en: Client, city: City) -> None:
    klass = make_class(city, make_term(city))
    client = as_resident(en, make_resident(city))

    response = client.post(reverse("enrollment:apply", args=[klass.public_id]), {"rank": "1"})

    assert response.status_code == 400
    assert "This form was out of date. Check your choice and send it again." in text(response)
    assert len(key_of(response)) == 36
    assert Application.objects.count() == 0


def test_a_key_sent_again_with_another_choice_is_explained(en: Client, city: City) -> None:
    term = make_term(city)
    first, second = make_class(city, term), make_class(city, term)
    resident = make_resident(city)
    client = as_resident(en, resident)
    key = str(uuid.uuid4())
    client.post(
        reverse("enrollment:apply", args=[first.public_id]), {"rank": "1", "idempotency_key": key}
    )

    reused = client.post(
        reverse("enrollment:apply", args=[second.public_id]), {"rank": "2", "idempotency_key": key}
    )

    assert reused.status_code == 409
    assert "This form was out of date." in text(reused)
    assert key_of(reused) != key
    assert Application.objects.filter(klass=second).count() == 0


def test_a_draft_or_unknown_class_is_not_found(en: Client, city: City) -> None:
    draft = make_class(city, make_term(city), status=ClassStatus.DRAFT)
    client = as_resident(en, make_resident(city))

    assert client.get(reverse("enrollment:apply", args=[draft.public_id])).status_code == 404
    assert client.get(reverse("enrollment:apply", args=[uuid.uuid4()])).status_code == 404


def test_resident_pages_ask_anonymous_visitors_to_log_in(client: Client, city: City) -> None:
    klass = make_class(city, make_term(city))
    application = submit(make_resident(city), klass)
    urls = [
        reverse("enrollment:apply", args=[klass.public_id]),
        reverse("enrollment:mine"),
        reverse("enrollment:application", args=[application.public_id]),
        reverse("enrollment:decline", args=[application.public_id]),
        reverse("enrollment:withdraw", args=[application.public_id]),
    ]

    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("accounts:login")), url
    assert (
        client.post(reverse("enrollment:accept", args=[application.public_id])).status_code == 302
    )


def test_staff_without_a_resident_record_get_a_polite_page(en: Client, city: City) -> None:
    klass = make_class(city, make_term(city))
    client = as_user(en, city.a.school_admin)

    for url in [reverse("enrollment:mine"), reverse("enrollment:apply", args=[klass.public_id])]:
        response = client.get(url)
        assert response.status_code == 403
        assert "This page is for residents" in text(response)


# Residents: my applications, the explanation, answering an offer -------------------------


def test_my_applications_are_grouped_by_term_with_the_offer_deadline(
    en: Client, city: City, django_assert_max_num_queries: Any
) -> None:
    resident, other = make_resident(city), make_resident(city)
    spring, autumn = make_term(city), make_term(city)
    piano = make_class(city, spring, capacity=2)
    submit(resident, piano)
    for rank in range(1, 6):
        submit(resident, make_class(city, autumn), rank=rank)
    submit(other, piano)
    draw(city, spring, [piano])
    client = as_resident(en, resident)

    with django_assert_max_num_queries(4):
        response = client.get(reverse("enrollment:mine"))

    html = text(response)
    assert response.status_code == 200
    assert html.count("<h3>") == 6  # the other resident's application is not here
    assert "Term " in html and "Offered a place" in html and "Answer by" in html
    assert "Accept the place" in html and "Decline…" in html and html.count("Withdraw…") == 6


def test_my_applications_query_count_does_not_grow(
    en: Client, city: City, django_assert_max_num_queries: Any
) -> None:
    resident = make_resident(city)
    term = make_term(city, choices=20)
    for rank in range(1, 21):
        submit(resident, make_class(city, term), rank=rank)
    client = as_resident(en, resident)

    with django_assert_max_num_queries(4):
        assert client.get(reverse("enrollment:mine")).status_code == 200


def test_the_explanation_after_the_draw(en: Client, city: City) -> None:
    term = make_term(city)
    klass = make_class(city, term, capacity=1)
    residents = [make_resident(city) for _ in range(3)]
    applications = [submit(r, klass) for r in residents]
    draw(city, term, [klass])
    drawn = Draw.objects.get(term=term)
    waiting = next(
        a for a in applications if Application.objects.get(pk=a.pk).status == S.WAITLISTED
    )
    number = waiting.draw_entries.get().lottery_number

    response = as_resident(en, waiting.learner).get(
        reverse("enrollment:application", args=[waiting.public_id])
    )

    html = text(response)
    assert response.status_code == 200
    assert "it was decided in round 1" in html
    assert "In round 1, 3 people applied for it; places given in this round: 1." in html
    assert "Your priority: first-time learner." in html
    assert f"Your lottery number begins {number[:12]}." in html and number not in html
    assert "Not offered: every seat went to applicants drawn before you." in html
    assert "You are on the waiting list at position" in html
    assert drawn.seed in html and drawn.commitment in html
    assert f"learningcity lottery verify {term.code}" in html
    assert f'href="/api/v1/draws/{term.code}"' in html


def test_the_explanation_before_the_draw_shows_the_commitment(en: Client, city: City) -> None:
    term = make_term(city)
    resident = make_resident(city)
    application = submit(resident, make_class(city, term))

    response = as_resident(en, resident).get(
        reverse("enrollment:application", args=[application.public_id])
    )

    html = text(response)
    assert "The lottery has not been drawn yet." in html
    assert Draw.objects.get(term=term).commitment in html
    assert "Seed" not in html


def test_the_explanation_of_a_first_come_seat(en: Client, city: City) -> None:
    klass = make_class(city, make_term(city), rationing=Rationing.FIRST_COME, capacity=1)
    holder, waiting = make_resident(city), make_resident(city)
    submit(holder, klass)
    queued = submit(waiting, klass)

    response = as_resident(en, waiting).get(
        reverse("enrollment:application", args=[queued.public_id])
    )

    assert "the class was full when you applied" in text(response)
    assert "You are on the waiting list at position 1 now." in text(response)


def test_an_application_is_not_found_for_another_resident_or_district(
    en: Client, city: City
) -> None:
    application = submit(make_resident(city, district="a"), make_class(city, make_term(city)))
    url = reverse("enrollment:application", args=[application.public_id])

    assert as_resident(Client(), make_resident(city)).get(url).status_code == 404
    assert as_user(Client(), city.b.officer).get(url).status_code == 404
    assert as_user(Client(), city.a.officer).get(url).status_code == 200  # her district


def _offered(city: City) -> Application:
    term = make_term(city)
    klass = make_class(city, term, capacity=1)
    application = submit(make_resident(city), klass)
    draw(city, term, [klass])
    application.refresh_from_db()
    assert application.status == S.OFFERED
    return application


def test_accepting_an_offer(en: Client, city: City) -> None:
    application = _offered(city)

    response = as_resident(en, application.learner).post(
        reverse("enrollment:accept", args=[application.public_id]), follow=True
    )

    application.refresh_from_db()
    assert application.status == S.ACCEPTED
    assert "You accepted your place in Piano for beginners." in text(response)


def test_another_resident_cannot_accept_an_offer(client: Client, city: City) -> None:
    application = _offered(city)

    response = as_resident(client, make_resident(city)).post(
        reverse("enrollment:accept", args=[application.public_id])
    )

    assert response.status_code == 404
    application.refresh_from_db()
    assert application.status == S.OFFERED


def test_an_expired_offer_cannot_be_accepted_and_says_why(en: Client, city: City) -> None:
    application = _offered(city)
    Application.objects.filter(pk=application.pk).update(
        offer_expires_at=clock.now() - dt.timedelta(minutes=1)
    )

    response = as_resident(en, application.learner).post(
        reverse("enrollment:accept", args=[application.public_id]), follow=True
    )

    assert response.status_code == 200
    assert "This offer has expired." in text(response)
    assert Application.objects.get(pk=application.pk).status == S.OFFERED


def test_declining_asks_for_confirmation_first(en: Client, city: City) -> None:
    application = _offered(city)
    client = as_resident(en, application.learner)
    url = reverse("enrollment:decline", args=[application.public_id])

    first = client.post(url, {"next": reverse("enrollment:mine")})

    assert first.status_code == 200
    assert "Decline the place?" in text(first)
    assert Application.objects.get(pk=application.pk).status == S.OFFERED

    done = client.post(url, {"confirm": "yes", "next": reverse("enrollment:mine")})

    assert done["Location"] == reverse("enrollment:mine")
    assert Application.objects.get(pk=application.pk).status == S.DECLINED


def test_withdrawing_asks_for_confirmation_first(en: Client, city: City) -> None:
    resident = make_resident(city)
    application = submit(resident, make_class(city, make_term(city)))
    client = as_resident(en, resident)
    url = reverse("enrollment:withdraw", args=[application.public_id])

    page = client.get(url)
    assert "Withdraw your application?" in text(page)
    assert Application.objects.get(pk=application.pk).status == S.APPLIED

    client.post(url, {"confirm": "yes"})

    assert Application.objects.get(pk=application.pk).status == S.WITHDRAWN


def test_declining_what_is_not_offered_is_a_message(en: Client, city: City) -> None:
    resident = make_resident(city)
    application = submit(resident, make_class(city, make_term(city)))

    response = as_resident(en, resident).post(
        reverse("enrollment:decline", args=[application.public_id]),
        {"confirm": "yes"},
        follow=True,
    )

    assert response.status_code == 200
    assert "Only an offered place can be declined." in text(response)


def test_an_off_site_next_is_ignored(en: Client, city: City) -> None:
    application = _offered(city)

    response = as_resident(en, application.learner).post(
        reverse("enrollment:accept", args=[application.public_id]),
        {"next": "https://evil.example/"},
    )

    assert response["Location"] == reverse("enrollment:application", args=[application.public_id])


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
