"""The resident's enrollment pages: applying, my applications, the explanation, answering an
offer. The right person gets the page, anyone else 'not found'; bad input is a message on
the page, never a 500."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.test import Client
from django.urls import reverse

from learningcity.catalog.choices import ClassStatus, Rationing
from learningcity.core import clock
from learningcity.enrollment.choices import ApplicationStatus as S
from learningcity.enrollment.models import Application, Draw
from learningcity.enrollment.tests.factories import (
    make_class,
    make_resident,
    make_term,
)
from learningcity.enrollment.tests.pages import (
    as_resident,
    as_user,
    draw,
    key_of,
    submit,
    text,
)
from learningcity.network.tests.factories import City

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
