from django.apps import AppConfig


class SecurityConfig(AppConfig):
    name = "ekkyo.security"
    label = "security"
    verbose_name = "Security"

    def ready(self) -> None:
        from django.contrib import admin

        from ekkyo.security import checks  # noqa: F401  (registers the system checks)
        from ekkyo.security.signin import AdminSignInForm

        # The admin has its own sign-in page: it gets the same limit and message.
        admin.site.login_form = AdminSignInForm
