from __future__ import annotations

from typing import Any

from django.http import HttpRequest

TEXT_SIZE_COOKIE = "lc_text_size"


def display(request: HttpRequest) -> dict[str, Any]:
    """Display preferences every page needs: the large-text mode kept in a cookie."""
    return {"large_text": request.COOKIES.get(TEXT_SIZE_COOKIE) == "large"}
