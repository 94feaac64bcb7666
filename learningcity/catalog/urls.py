from django.urls import path

from learningcity.catalog import views

app_name = "catalog"

urlpatterns = [
    path("", views.catalog_search, name="search"),
    path("classes/<uuid:class_id>/", views.class_detail, name="class"),
    path("courses/<str:code>/", views.course_detail, name="course"),
]
