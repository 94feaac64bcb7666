from django.urls import path

from learningcity.funding import views

app_name = "funding"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("policies/", views.policies, name="policies"),
    path("finance/", views.finance, name="finance"),
    path("finance/flags/<uuid:public_id>/", views.flag_review, name="flag_review"),
    path("finance/report/", views.report, name="report"),
    path("finance/report.csv", views.report_csv, name="report_csv"),
    path("finance/report.xlsx", views.report_xlsx, name="report_xlsx"),
    path("provider/", views.provider, name="provider"),
    path("settlements/<uuid:public_id>/", views.settlement_detail, name="settlement"),
    path("settlements/<uuid:public_id>/pay/", views.settlement_pay, name="settlement_pay"),
]
