from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

from learningcity.api import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("api/", api.urls),
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
