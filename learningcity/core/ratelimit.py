"""Rate limits: at most `limit` requests per `window` seconds for one key (a user or an
address) in one scope, answered with 429 and Retry-After beyond that.

Counted in Django's cache: fixed windows, one increment per request. With the default
in-memory cache each server process counts on its own (a limit of N is then N per process);
configure a shared cache (CACHE_URL, e.g. Redis) for one count across processes."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any

from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from learningcity.core.errors import RateLimited

CACHE = "ratelimit"


def wait_seconds(scope: str, key: str, *, limit: int, window: int) -> int:
    """Count one request; the seconds to wait if it is over the limit (0: go ahead)."""
    now = int(time.time())
    start = now - now % window
    name = f"rl:{scope}:{key}:{start}"
    cache = caches[CACHE]
    try:
        count = cache.incr(name)  # one call for every request but the window's first
    except ValueError:  # the window's first request starts its count (unless one racing did)
        count = 1 if cache.add(name, 1, timeout=window + 1) else _counted(cache, name, window)
    return 0 if count <= limit else max(1, start + window - now)


def _counted(cache: Any, name: str, window: int) -> int:
    try:
        return int(cache.incr(name))
    except ValueError:  # expired between add and incr
        cache.set(name, 1, timeout=window + 1)
        return 1


def client_address(request: HttpRequest | None) -> str:
    """The caller's network address as the server saw it (behind a proxy, the proxy must
    set REMOTE_ADDR: addresses in forwarded headers can be forged)."""
    return str(request.META.get("REMOTE_ADDR", "")) if request is not None else ""


def requester(request: HttpRequest) -> str:
    """Whom a limit counts: the logged-in user, else the network address."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return f"addr:{client_address(request)}"


def limit_message(seconds: int) -> str:
    return _("Too many requests. Please wait %(seconds)s seconds and try again.") % {
        "seconds": seconds
    }


def api_limit(scope: str, *, limit: int, window: int) -> Callable[[Any], Any]:
    """For API operations: raises RateLimited, which the API answers as 429 + Retry-After."""

    def decorate(view: Any) -> Any:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            wait = wait_seconds(scope, requester(request), limit=limit, window=window)
            if wait:
                raise RateLimited(limit_message(wait), retry_after=wait)
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


def page_limit(
    scope: str, *, limit: int, window: int, methods: tuple[str, ...] = ("POST",)
) -> Callable[[Any], Any]:
    """For pages: beyond the limit, a 429 page saying how long to wait (only for `methods`,
    so reading the page stays free)."""

    def decorate(view: Any) -> Any:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method in methods:
                wait = wait_seconds(scope, requester(request), limit=limit, window=window)
                if wait:
                    refused = render(
                        request,
                        "core/too_many_requests.html",
                        {"message": limit_message(wait)},
                        status=429,
                    )
                    refused["Retry-After"] = str(wait)
                    return refused
            response: HttpResponse = view(request, *args, **kwargs)
            return response

        return wrapped

    return decorate
