"""The events API."""

from ninja import Router

from learningcity.accounts.api import ActiveSessionAuth, BearerTokenAuth

router = Router(tags=["events"], auth=[BearerTokenAuth(), ActiveSessionAuth()])
