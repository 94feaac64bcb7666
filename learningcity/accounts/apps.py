from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "learningcity.accounts"
    label = "accounts"
    verbose_name = "Accounts"
