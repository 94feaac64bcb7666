from django.urls import path

from learningcity.monitoring import views

app_name = "monitoring"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("blueprint/", views.blueprint, name="blueprint"),
    path("indicators/", views.indicator_list, name="indicators"),
    path("indicators/<slug:code>/", views.indicator_detail, name="indicator"),
    path("open-data/", views.open_data, name="open_data"),
    path("open-data/indicators.csv", views.open_data_csv, name="open_data_csv"),
    path("open-data/indicators.xlsx", views.open_data_xlsx, name="open_data_xlsx"),
    path("open-data/schema/", views.schema, name="schema"),
]
