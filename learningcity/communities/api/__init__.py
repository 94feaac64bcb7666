"""The communities API: learning teams for the public, residents and schools; learning
organizations; awards; volunteer teachers. Every list is scoped and paginated; every write a
client may retry takes an `Idempotency-Key` header or is idempotent by nature. One module per
concern; each adds its endpoints to `router`."""

from learningcity.communities.api import (  # noqa: F401 - importing registers the endpoints
    organizations,
    teams,
    volunteers,
)
from learningcity.communities.api.common import router

__all__ = ["router"]
