from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path, reverse_lazy
from django.views.generic import RedirectView

from learningcity.api import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("api/", api.urls),
    # One login for everyone, with its failure limits: the admin's own form would bypass them.
    path(
        "admin/login/",
        RedirectView.as_view(url=reverse_lazy("accounts:login"), query_string=True),
    ),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("learningcity.accounts.urls")),
    path("network/", include("learningcity.network.urls")),
    path("enrollment/", include("learningcity.enrollment.urls")),
    path("catalog/", include("learningcity.catalog.urls")),
    path("creditbank/", include("learningcity.creditbank.urls")),
    path("funding/", include("learningcity.funding.urls")),
    path("credentials/", include("learningcity.credentials.urls")),
    path("events/", include("learningcity.events.urls")),
    path("communities/", include("learningcity.communities.urls")),
    path("monitoring/", include("learningcity.monitoring.urls")),
    path("xapi/", include("learningcity.xapi.urls")),
    path("", include("learningcity.portal.urls")),
]

if settings.DEBUG:  # pragma: no cover - development convenience only
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
