from django.urls import URLPattern, path

app_name = "creditbank"

urlpatterns: list[URLPattern] = []
