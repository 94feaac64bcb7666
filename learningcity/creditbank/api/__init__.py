"""The credit bank's JSON API under /api/v1/creditbank/.

Providers' systems send records in batches; residents read their account, transcript and
degree audit, convert credits, claim prior learning and share their transcript; assessors
decide; offices find and merge accounts. National ID numbers may arrive in a request body
and never leave in a response. One module per concern; each adds its endpoints to `router`."""

from learningcity.creditbank.api import (  # noqa: F401 - importing registers the endpoints
    accounts,
    claims,
    conversions,
    learner,
    records,
    shares,
    standards,
)
from learningcity.creditbank.api.common import router

__all__ = ["router"]
