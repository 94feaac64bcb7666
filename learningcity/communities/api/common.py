"""The router and the helpers the communities API modules share."""

import uuid

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema

from learningcity.accounts.api import ActiveSessionAuth, BearerTokenAuth
from learningcity.communities.models import LearningTeam
from learningcity.core.errors import NotFound

router = Router(
    tags=["communities"],
    auth=[BearerTokenAuth(related=("user__learner",)), ActiveSessionAuth()],
)


def key_of(request: HttpRequest) -> str | None:
    return request.headers.get("Idempotency-Key") or None


def team_of(public_id: uuid.UUID) -> LearningTeam:
    team = LearningTeam.objects.filter(public_id=public_id).first()
    if team is None:
        raise NotFound(_("No such learning team."))
    return team


class AnswerIn(Schema):
    accept: bool
