"""The credit bank's JSON API under /api/v1/creditbank/."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["credit bank"])
