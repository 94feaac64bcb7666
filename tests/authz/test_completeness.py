"""Every page and every API operation has its row in the matrix: a new route without one fails
here until someone states who may call it."""

import importlib
import pkgutil
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

import tests.authz
from learningcity.api import api
from tests.authz.matrix import Route


def _modules() -> list[Any]:
    return [
        importlib.import_module(f"tests.authz.{info.name}")
        for info in pkgutil.iter_modules(tests.authz.__path__)
        if info.name.startswith("test_") and info.name != "test_completeness"
    ]


def _declared() -> set[str]:
    routes: list[Route] = []
    for module in _modules():
        routes.extend(getattr(module, "ROUTES", []))
    return {route.key for route in routes}


def _page_names(
    patterns: list[Any], prefix: str = "", namespace: str = "", *, admin: bool = False
) -> set[str]:
    names: set[str] = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace
            ns = f"{namespace}:{inner}" if namespace and inner else (inner or namespace)
            names |= _page_names(
                pattern.url_patterns, prefix + str(pattern.pattern), ns, admin=admin
            )
        elif isinstance(pattern, URLPattern):
            path = prefix + str(pattern.pattern)
            if path.startswith("api/") or (path.startswith("admin/") and not admin):
                continue  # the admin has its own matrix (test_admin); the API is listed below
            names.add(f"{namespace}:{pattern.name}" if namespace else str(pattern.name))
    return names


def test_every_page_has_a_row() -> None:
    missing = _page_names(get_resolver().url_patterns) - _declared()
    assert not missing, f"pages without a row in the matrix: {sorted(missing)}"


def test_every_api_operation_has_a_row() -> None:
    schema = api.get_openapi_schema()
    operations = {
        f"{method.upper()} {path}" for path, ops in schema["paths"].items() for method in ops
    }
    missing = operations - _declared()
    assert not missing, f"API operations without a row in the matrix: {sorted(missing)}"


def test_no_row_names_a_route_that_does_not_exist() -> None:
    schema = api.get_openapi_schema()
    operations = {
        f"{method.upper()} {path}" for path, ops in schema["paths"].items() for method in ops
    }
    pages = _page_names(get_resolver().url_patterns, admin=True)
    stale = {key for key in _declared() if key not in operations and key not in pages}
    assert not stale, f"rows for routes that no longer exist: {sorted(stale)}"
