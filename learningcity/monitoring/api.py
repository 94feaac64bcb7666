"""The monitoring API."""

from ninja import Router

from learningcity.accounts.api import ActiveSessionAuth, BearerTokenAuth

router = Router(tags=["monitoring"], auth=[BearerTokenAuth(), ActiveSessionAuth()])
