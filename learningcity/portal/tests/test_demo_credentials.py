"""The demo's credentials: the resident's records and transcript, a few others, one revoked."""

from __future__ import annotations

import pytest

from learningcity.accounts.services import user_create
from learningcity.credentials.models import Credential
from learningcity.creditbank.tests.factories import make_bank, make_resident, submit
from learningcity.learners.tests.factories import make_learner
from learningcity.network.tests.factories import City
from learningcity.portal.demo_credentials import seed_credentials

pytestmark = pytest.mark.django_db


def test_the_demo_seed_issues_and_revokes(city: City) -> None:
    bank = make_bank(city)
    user = user_create(actor=None, username="resident", password="a-long-test-passphrase")
    learner = make_learner(actor=city.root, area=city.a.neighbourhood, name="王秀英", user=user)
    submit(bank, learner, title="书法入门")
    submit(bank, make_resident(city, name="李明"), title="钢琴")
    submit(bank, make_resident(city, name="张伟"), title="太极")

    issued = seed_credentials(city.root, others=2)
    again = seed_credentials(city.root, others=2)

    assert len(issued) == 4  # her record, her transcript, two others
    assert [c.pk for c in again] == [c.pk for c in issued]
    assert Credential.objects.filter(revoked_at__isnull=False).count() == 1
