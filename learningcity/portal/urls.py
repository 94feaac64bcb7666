from django.urls import path

from learningcity.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("display/text-size/", views.text_size, name="text_size"),
]
