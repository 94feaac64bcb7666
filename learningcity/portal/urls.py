from django.urls import path

from learningcity.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("display/text-size/", views.text_size, name="text_size"),
    path("my-data/", views.my_data, name="my_data"),
    path("my-data/download/", views.my_data_download, name="my_data_download"),
    path("privacy/corrections/", views.corrections, name="corrections"),
    path("privacy/id-access/", views.id_access, name="id_access"),
]
