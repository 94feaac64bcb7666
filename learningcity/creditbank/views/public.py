"""What anyone may read without signing in: the recognition standards, each version's rules."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from learningcity.creditbank import selectors
from learningcity.network.choices import Action
from learningcity.network.models import actor_scope


@require_safe
def standards(request: HttpRequest) -> HttpResponse:
    """Every standard with its versions, newest first, so a learner can see how a past
    recognition was decided and an assessor what applies now."""
    assess = actor_scope(request.user, Action.ASSESS)
    context = {
        "standards": list(selectors.standard_list()),
        "can_edit": not assess.nothing,
    }
    return render(request, "creditbank/standards.html", context)
