from django.urls import URLPattern, URLResolver

app_name = "communities"

urlpatterns: list[URLPattern | URLResolver] = []
