"""The communities API."""

from ninja import Router

from learningcity.accounts.api import ActiveSessionAuth, BearerTokenAuth

router = Router(tags=["communities"], auth=[BearerTokenAuth(), ActiveSessionAuth()])
