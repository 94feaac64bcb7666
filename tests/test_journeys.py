"""Journeys across apps, as the people who make them would."""

import datetime as dt

from django.test import Client

from learningcity.accounts.services import api_token_create
from learningcity.core import idnumber
from learningcity.core.models import AuditEntry
from learningcity.learners.models import TargetGroupMembership
from learningcity.network.tests.factories import City


def bearer(user: object) -> dict[str, str]:
    token = api_token_create(actor=None, user=user, name="system")  # type: ignore[arg-type]
    return {"Authorization": f"Bearer {token.plaintext}"}


def test_a_disabled_resident_is_registered_verified_and_kept_private(
    city: City, client: Client
) -> None:
    # Given the Huangpu district office's system with its own token
    office = bearer(city.a.officer)
    number = idnumber.build("310101", dt.date(1961, 4, 2), 311)

    # When it registers a resident and records a disability claim
    learner = client.post(
        "/api/v1/learners",
        {
            "name": "周志明",
            "birth_date": "1961-04-02",
            "gender": "male",
            "residence_area_code": city.a.neighbourhood.code,
            "household": "local",
            "id_number": number,
            "accessibility_needs": ["step_free", "large_text"],
        },
        content_type="application/json",
        headers=office,
    ).json()
    claim = client.post(
        f"/api/v1/learners/{learner['id']}/memberships",
        {"group": "disabled", "valid_from": "2026-01-01", "evidence": "残疾人证 第31010001号"},
        content_type="application/json",
        headers=office,
    ).json()

    # and the town officer verifies it in the admin
    town = Client()
    town.force_login(city.a.town_officer)
    town.post(
        "/admin/learners/targetgroupmembership/",
        {"action": "verify", "_selected_action": [claim["id"]]},
    )

    # Then the resident belongs to the disabled (and, at 65, the aged)
    groups = client.get(f"/api/v1/learners/{learner['id']}/target-groups", headers=office).json()
    assert sorted(g["group"] for g in groups) == ["aged", "disabled"]
    assert TargetGroupMembership.objects.get().verified_by == city.a.town_officer

    # And Xuhui's officer finds no trace of them anywhere
    xuhui = bearer(city.b.officer)
    assert client.get("/api/v1/learners", headers=xuhui).json()["count"] == 0
    assert client.get(f"/api/v1/learners/{learner['id']}", headers=xuhui).status_code == 404
    assert (
        client.post(
            "/api/v1/learners/lookup",
            {"id_number": number},
            content_type="application/json",
            headers=xuhui,
        ).status_code
        == 404
    )
    admin = Client()
    admin.force_login(city.b.officer)
    assert admin.get("/admin/learners/learner/").context["cl"].result_count == 0

    # And every decision is in the audit log, without the ID number
    actions = list(
        AuditEntry.objects.filter(subject=f"learner:{learner['id']}")
        .order_by("id")
        .values_list("action", "actor__username")
    )
    assert actions == [
        ("learner.register", "officer-310101"),
        ("membership.add", "officer-310101"),
        ("membership.verify", "town-310101"),
    ]
    assert not AuditEntry.objects.filter(data__icontains=number).exists()
