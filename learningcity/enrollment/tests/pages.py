"""Set-ups the page tests share: residents who can log in, applications, a drawn term, and a
class with enrolled learners and scheduled sessions. All through the services."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.test import Client

from learningcity.accounts.models import User
from learningcity.accounts.services import user_create
from learningcity.catalog.choices import Rationing
from learningcity.catalog.models import Class, Term
from learningcity.enrollment import services
from learningcity.enrollment.models import Application, Session
from learningcity.enrollment.tests.factories import close_window, make_class, make_term
from learningcity.learners.models import Learner
from learningcity.learners.tests.factories import make_learner
from learningcity.network.choices import StaffRoleKind
from learningcity.network.tests.factories import City, make_staff

PASSWORD = "a-long-test-passphrase"


def make_resident_login(
    city: City, username: str, *, name: str = "王秀英", district: str = "a"
) -> Learner:
    """A resident whose login has a password, for the browser."""
    user = user_create(actor=None, username=username, password=PASSWORD)
    area = getattr(city, district).neighbourhood
    return make_learner(actor=city.root, area=area, user=user, name=name)


def make_admin_login(username: str = "city-admin") -> User:
    """The municipal administration: the whole city in scope."""
    return user_create(
        actor=None, username=username, password=PASSWORD, is_staff=True, is_superuser=True
    )


def make_registrar_login(city: City, username: str = "registrar-a") -> User:
    return make_staff(
        actor=city.root,
        organization=city.a.school,
        role=StaffRoleKind.REGISTRAR,
        username=username,
        password=PASSWORD,
    )


def submit(learner: Learner, klass: Class, rank: int = 1) -> Application:
    return services.application_submit(actor=learner.user, learner=learner, klass=klass, rank=rank)


def draw(city: City, term: Term, classes: list[Class]) -> None:
    for klass in classes:
        close_window(klass)
    services.lottery_draw(actor=city.root, term=term)


@dataclass
class Taught:
    klass: Class
    applications: list[Application]
    sessions: list[Session]


def make_taught_class(city: City, learners: list[Learner]) -> Taught:
    """A first-come class whose learners took seats and are enrolled in scheduled sessions."""
    klass = make_class(
        city, make_term(city), capacity=len(learners) + 1, rationing=Rationing.FIRST_COME
    )
    applications = [submit(learner, klass) for learner in learners]
    sessions = services.sessions_schedule(actor=city.root, klass=klass)
    for application in applications:
        application.refresh_from_db()
    return Taught(klass, applications, sessions)


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
