from django.urls import path

from learningcity.network import views

app_name = "network"

urlpatterns = [
    path("", views.directory, name="directory"),
    path("organizations/<str:code>/", views.organization_detail, name="organization"),
    path("sites/<uuid:site_id>/", views.site_detail, name="site"),
]
