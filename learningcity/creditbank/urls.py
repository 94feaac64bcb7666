from django.urls import URLPattern

app_name = "creditbank"

urlpatterns: list[URLPattern] = []
