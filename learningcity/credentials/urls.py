from django.urls import URLPattern, path

from learningcity.credentials import views

app_name = "credentials"
urlpatterns: list[URLPattern] = [
    path("verify/", views.verify, name="verify"),
    path("wallet/", views.wallet, name="wallet"),
    path("wallet/export.zip", views.wallet_export, name="wallet_export"),
    path("wallet/links/<uuid:public_id>/withdraw", views.share_revoke, name="share_revoke"),
    path("s/<str:token>/", views.shared, name="shared"),
    path("issuers/<str:code>", views.issuer, name="issuer"),
    path("status/<str:code>/<int:number>", views.status_list, name="status_list"),
    path("<uuid:public_id>/", views.credential, name="credential"),
    path("<uuid:public_id>/credential.json", views.credential_json, name="credential_json"),
    path("<uuid:public_id>/qr.svg", views.credential_qr, name="credential_qr"),
]
