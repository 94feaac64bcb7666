"""Transcript links: made by the learner, opened by anyone holding one until it expires."""

import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Schema, Status

from learningcity.accounts.api import optional_auth
from learningcity.creditbank import selectors, services
from learningcity.creditbank.api.common import (
    IDEMPOTENCY_NOTE,
    _my_account,
    _once,
    router,
)
from learningcity.creditbank.api.learner import TranscriptOut
from learningcity.creditbank.models import (
    TranscriptShare,
)

# Transcript links ---------------------------------------------------------------------------


class ShareIn(Schema):
    days: int = Field(..., ge=1, le=3650)


class ShareOut(Schema):
    id: uuid.UUID
    expires_at: dt.datetime
    token: str | None = Field(
        ..., description="Shown once; empty when a retry is answered from its Idempotency-Key"
    )
    url: str | None


@router.post(
    "/creditbank/me/shares",
    response={201: ShareOut},
    summary="Make a link that shows your transcript until it expires",
    description=IDEMPOTENCY_NOTE + " The token is shown only in the first answer.",
)
def create_share(request: HttpRequest, data: ShareIn) -> Any:
    account = _my_account(request)

    def write() -> tuple[TranscriptShare, str | None]:
        return services.share_create(actor=request.user, account=account, days=data.days)

    def replay(first: str) -> tuple[TranscriptShare, str | None]:
        return TranscriptShare.objects.get(account=account, public_id=first), None

    share, token = _once(
        request,
        action="creditbank.share_create",
        payload={"account": account.pk, "days": data.days},
        write=write,
        result_of=lambda made: str(made[0].public_id),
        replay=replay,
    )
    # The page a holder of the link opens (creditbank.urls: "t/<token>/").
    url = request.build_absolute_uri(reverse("creditbank:shared", args=[token])) if token else None
    return Status(
        201, {"id": share.public_id, "expires_at": share.expires_at, "token": token, "url": url}
    )


@router.get(
    "/creditbank/shared/{token}",
    response=TranscriptOut,
    auth=optional_auth,
    summary="The transcript a link shows (public while the link is valid)",
)
def shared_transcript(request: HttpRequest, token: str) -> Any:
    return selectors.transcript(services.share_resolve(token))
