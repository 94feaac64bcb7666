"""Logins and tokens in bulk: the platform administrator only, all or nothing, one audit row."""

import pytest
from django.test import Client

from learningcity.accounts.models import ApiToken, User
from learningcity.accounts.services import api_tokens_bulk_create, user_create, users_bulk_create
from learningcity.core.errors import Conflict, PermissionDenied
from learningcity.core.models import AuditEntry


def make_admin() -> User:
    return user_create(actor=None, username="root", password=None, is_staff=True, is_superuser=True)


def test_bulk_logins_and_tokens_work_and_are_audited_once(db: None, client: Client) -> None:
    admin = make_admin()

    users = users_bulk_create(
        actor=admin, rows=[(f"resident-{n}", f"Resident {n}") for n in range(5)], batch_size=2
    )
    issued = api_tokens_bulk_create(actor=admin, users=users, name="app", batch_size=2)

    assert [u.username for u in users] == [f"resident-{n}" for n in range(5)]
    assert all(u.pk and not u.has_usable_password() for u in users)
    assert [t.token.user_id for t in issued] == [u.pk for u in users]
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {issued[3].plaintext}"})
    assert response.json()["username"] == "resident-3"
    assert not ApiToken.objects.filter(digest=issued[3].plaintext).exists()
    assert AuditEntry.objects.filter(action="user.bulk_create", data={"count": 5}).count() == 1
    assert AuditEntry.objects.filter(action="api_token.bulk_create").count() == 1


def test_a_taken_username_refuses_the_whole_import(db: None) -> None:
    admin = make_admin()
    user_create(actor=None, username="resident-2", password=None)

    with pytest.raises(Conflict):
        users_bulk_create(actor=admin, rows=[(f"resident-{n}", "") for n in range(4)])

    assert not User.objects.filter(username__in=["resident-0", "resident-1"]).exists()


def test_a_username_repeated_in_the_import_is_refused(db: None) -> None:
    with pytest.raises(Conflict):
        users_bulk_create(actor=make_admin(), rows=[("twin", ""), ("twin", "")])


def test_only_the_platform_administrator_imports_logins(db: None) -> None:
    clerk = user_create(actor=None, username="clerk", password=None, is_staff=True)

    with pytest.raises(PermissionDenied):
        users_bulk_create(actor=clerk, rows=[("someone", "")])
    with pytest.raises(PermissionDenied):
        api_tokens_bulk_create(actor=None, users=[clerk], name="app")

    assert not User.objects.filter(username="someone").exists()
    assert not ApiToken.objects.exists()
