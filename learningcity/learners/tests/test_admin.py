"""Residents in the admin: scoped lists, masked ID numbers, verification actions."""

import datetime as dt

from django.test import Client

from learningcity.learners.choices import MembershipStatus, TargetGroup
from learningcity.learners.services import membership_add
from learningcity.learners.tests.factories import make_learner
from learningcity.network.tests.factories import City


def test_officer_lists_only_residents_of_own_district(city: City, client: Client) -> None:
    mine = make_learner(actor=city.root, area=city.a.neighbourhood)
    make_learner(actor=city.root, area=city.b.neighbourhood)
    client.force_login(city.a.officer)

    response = client.get("/admin/learners/learner/")

    assert [learner.pk for learner in response.context["cl"].result_list] == [mine.pk]
    assert mine.id_number_masked in response.content.decode()


def test_another_districts_resident_cannot_be_opened_or_changed(city: City, client: Client) -> None:
    other = make_learner(actor=city.root, area=city.b.neighbourhood, name="原名")
    client.force_login(city.a.officer)

    opened = client.get(f"/admin/learners/learner/{other.pk}/change/")
    posted = client.post(
        f"/admin/learners/learner/{other.pk}/change/",
        {
            "name": "改名",
            "household": "local",
            "preferred_language": "en",
            "accessibility_needs": "[]",
        },
    )

    assert (opened.status_code, posted.status_code) == (302, 302)
    other.refresh_from_db()
    assert other.name == "原名"


def test_verify_action_decides_only_claims_in_scope(city: City, client: Client) -> None:
    mine = make_learner(actor=city.root, area=city.a.neighbourhood)
    theirs = make_learner(actor=city.root, area=city.b.neighbourhood)
    claim_a = membership_add(
        actor=city.root, learner=mine, group=TargetGroup.DISABLED, valid_from=dt.date(2026, 1, 1)
    )
    claim_b = membership_add(
        actor=city.root, learner=theirs, group=TargetGroup.DISABLED, valid_from=dt.date(2026, 1, 1)
    )
    client.force_login(city.a.officer)

    client.post(
        "/admin/learners/targetgroupmembership/",
        {"action": "verify", "_selected_action": [claim_a.pk, claim_b.pk]},
    )

    claim_a.refresh_from_db()
    claim_b.refresh_from_db()
    assert (claim_a.status, claim_b.status) == (MembershipStatus.VERIFIED, MembershipStatus.PENDING)
