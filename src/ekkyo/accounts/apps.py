from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "ekkyo.accounts"
    label = "accounts"
    verbose_name = "Accounts"
