from django.urls import URLPattern, URLResolver, path

from learningcity.xapi.views import manage, resources

app_name = "xapi"

urlpatterns: list[URLPattern | URLResolver] = [
    # The learning record store (xAPI 1.0.3)
    path("statements", resources.statements, name="statements"),
    path("activities/state", resources.state, name="state"),
    path("activities/profile", resources.activity_profile, name="activity_profile"),
    path("activities", resources.activities, name="activities"),
    path("agents/profile", resources.agent_profile, name="agent_profile"),
    path("agents", resources.agents, name="agents"),
    path("about", resources.about, name="about"),
    # The provider's pages
    path("manage/", manage.providers, name="providers"),
    path("manage/<str:code>/", manage.provider, name="provider"),
    path("manage/<str:code>/credentials", manage.credential_create, name="credential_create"),
    path(
        "manage/<str:code>/credentials/<uuid:public_id>/revoke",
        manage.credential_revoke,
        name="credential_revoke",
    ),
    path("manage/<str:code>/activities", manage.registration_create, name="registration_create"),
    path(
        "manage/<str:code>/activities/<uuid:public_id>/delete",
        manage.registration_delete,
        name="registration_delete",
    ),
    path("manage/<str:code>/grants", manage.read_grant_create, name="read_grant_create"),
    path(
        "manage/<str:code>/grants/<uuid:public_id>/revoke",
        manage.read_grant_revoke,
        name="read_grant_revoke",
    ),
]
