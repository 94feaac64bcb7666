"""Paging for every API list: django-ninja's limit and offset, with the offset bounded so a
huge one is a 422 with a message, not a database error (found by fuzzing)."""

from __future__ import annotations

from django.conf import settings
from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination as NinjaLimitOffsetPagination

MAX_OFFSET = 10**9  # far beyond any list a person pages through, far below a 64-bit overflow


class LimitOffsetPagination(NinjaLimitOffsetPagination):
    class Input(Schema):
        limit: int = Field(
            settings.NINJA_PAGINATION_PER_PAGE, ge=1, le=settings.NINJA_PAGINATION_MAX_LIMIT
        )
        offset: int = Field(0, ge=0, le=MAX_OFFSET)
