"""Personal data: a resident downloads everything held about them and asks for corrections;
the office of their area answers; auditors see who saw full ID numbers."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from learningcity.accounts.models import LoginThrottle
from learningcity.accounts.services import api_token_create, user_create
from learningcity.core import clock, crypto
from learningcity.core.models import AuditEntry, IdempotencyRecord
from learningcity.enrollment.tests.factories import make_class, make_term
from learningcity.enrollment.tests.test_submission import apply
from learningcity.learners.choices import CorrectionStatus
from learningcity.learners.models import CorrectionRequest, Learner
from learningcity.learners.services import ID_CONTEXT, learner_id_number_reveal
from learningcity.learners.tests.factories import make_learner
from learningcity.network.choices import StaffRoleKind
from learningcity.network.tests.factories import City, make_staff

pytestmark = pytest.mark.django_db

MY_DATA = reverse("portal:my_data")
DOWNLOAD = reverse("portal:my_data_download")
CORRECTIONS = reverse("portal:corrections")
ID_ACCESS = reverse("portal:id_access")


def resident(city: City, username: str = "lin", district: str = "a") -> Learner:
    user = user_create(actor=None, username=username, password="a-long-test-passphrase")
    area = getattr(city, district).neighbourhood
    return make_learner(actor=city.root, area=area, user=user, name=f"{username}-name")


def test_a_resident_downloads_everything_about_her_and_nothing_secret(
    city: City, client: Client
) -> None:
    lin, other = resident(city), resident(city, "wu")
    assert lin.user is not None
    apply(lin, make_class(city, make_term(city)))
    apply(other, make_class(city, make_term(city)))
    api_token_create(actor=None, user=lin.user, name="phone")
    client.force_login(lin.user)

    response = client.get(DOWNLOAD)

    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode()
    data = json.loads(text)
    assert data["login"]["username"] == "lin"
    assert data["resident"]["name"] == "lin-name"
    assert data["resident"]["id_number"] == lin.id_number_masked
    assert len(data["related"]["enrollment.application.learner"]) == 1
    assert data["related"]["accounts.apitoken.user"][0]["name"] == "phone"
    full_id = crypto.decrypt(lin.id_number_encrypted, context=ID_CONTEXT)  # type: ignore[arg-type]
    assert full_id not in text
    assert lin.user.password not in text
    assert "digest" not in data["related"]["accounts.apitoken.user"][0]
    assert "wu-name" not in text


def test_a_correction_goes_to_her_town_office_and_the_answer_comes_back(
    city: City, client: Client
) -> None:
    lin = resident(city)
    assert lin.user is not None
    client.force_login(lin.user)
    client.post(MY_DATA, {"details": "My name is 林秀英, not 林秀音."})
    request = CorrectionRequest.objects.get()

    outsider = Client()
    outsider.force_login(city.b.officer)
    hidden = outsider.get(CORRECTIONS)
    refused = outsider.post(
        CORRECTIONS, {"request": request.public_id, "status": "corrected", "answer": "done"}
    )
    office = Client()
    office.force_login(city.a.officer)
    listed = office.get(CORRECTIONS)
    answered = office.post(
        CORRECTIONS, {"request": request.public_id, "status": "corrected", "answer": "Fixed."}
    )

    assert "林秀英" not in hidden.content.decode()
    assert refused.status_code == 404
    assert "林秀英" in listed.content.decode()
    assert answered.status_code == 302
    request.refresh_from_db()
    assert (request.status, request.answer) == (CorrectionStatus.CORRECTED, "Fixed.")
    assert AuditEntry.objects.filter(action="learner.correction.answer").count() == 1
    assert "Fixed." in client.get(MY_DATA).content.decode()


def test_an_empty_correction_is_refused_with_a_message(city: City, client: Client) -> None:
    lin = resident(city)
    assert lin.user is not None
    client.force_login(lin.user)
    client.cookies["lc_language"] = "en"

    response = client.post(MY_DATA, {"details": "  "})

    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not CorrectionRequest.objects.exists()


def test_auditors_see_who_saw_a_full_id_number_in_their_area_only(city: City) -> None:
    lin = resident(city)
    learner_id_number_reveal(actor=city.a.officer, learner=lin, reason="benefit check")
    auditor_a = make_staff(
        actor=city.root, organization=city.a.office, role=StaffRoleKind.AUDITOR, username="aud-a"
    )
    auditor_b = make_staff(
        actor=city.root, organization=city.b.office, role=StaffRoleKind.AUDITOR, username="aud-b"
    )
    seen, unseen = Client(), Client()
    seen.force_login(auditor_a)
    unseen.force_login(auditor_b)

    page_a = seen.get(ID_ACCESS).content.decode()
    page_b = unseen.get(ID_ACCESS).content.decode()

    assert "benefit check" in page_a
    assert "officer-310101" in page_a
    assert "benefit check" not in page_b


def test_the_staff_pages_are_not_for_residents_or_strangers(city: City, client: Client) -> None:
    lin = resident(city)
    assert lin.user is not None

    assert client.get(MY_DATA)["Location"].startswith(reverse("accounts:login"))
    assert client.get(DOWNLOAD)["Location"].startswith(reverse("accounts:login"))
    client.force_login(lin.user)
    assert client.get(CORRECTIONS).status_code == 404
    assert client.get(ID_ACCESS).status_code == 404


def test_retention_deletes_what_is_spent_and_keeps_the_rest(city: City) -> None:
    old = clock.now() - dt.timedelta(days=40)
    spent = IdempotencyRecord.objects.create(action="a", key="k1", fingerprint="f", result="r")
    fresh = IdempotencyRecord.objects.create(action="a", key="k2", fingerprint="f", result="r")
    IdempotencyRecord.objects.filter(pk=spent.pk).update(created_at=old)
    LoginThrottle.objects.create(key="user:x", failures=2, first_failure_at=old)
    LoginThrottle.objects.create(
        key="user:y", failures=0, locked_until=clock.now() + dt.timedelta(minutes=5)
    )
    out = io.StringIO()

    call_command("retention", stdout=out)

    assert list(IdempotencyRecord.objects.all()) == [fresh]
    assert list(LoginThrottle.objects.values_list("key", flat=True)) == ["user:y"]
    assert "idempotency_keys: 1" in out.getvalue()
    assert AuditEntry.objects.filter(action="retention.run").count() == 1
