"""Page URLs. Each page that shows numbers has a JSON twin (see docs/web.md)."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from ekkyo.security.signin import SignInView
from ekkyo.web.views import account, portfolio, slo, team

urlpatterns = [
    path("", portfolio.portfolio, name="portfolio"),
    path("portfolio.json", portfolio.portfolio, {"as_json": True}, name="portfolio-json"),
    path("slos/<str:name>", slo.slo_page, name="slo"),
    path("slos/<str:name>/chart.json", slo.slo_chart, name="slo-chart"),
    path("slos/<str:name>/chart-table", slo.slo_chart_table, name="slo-chart-table"),
    path("slos/<str:name>/backtest", slo.slo_backtest, name="slo-backtest"),
    path("slos/<str:name>/lifecycle", slo.slo_lifecycle, name="slo-lifecycle"),
    path("teams/<slug:slug>", team.team, name="team"),
    path("teams/<slug:slug>.json", team.team, {"as_json": True}, name="team-json"),
    path("account/", account.account, name="account"),
    path("account/profile", account.account_profile, name="account-profile"),
    path("account/tokens", account.token_create, name="account-tokens"),
    path("account/tokens/<int:pk>/revoke", account.token_revoke, name="account-token-revoke"),
    path(
        "login/",
        SignInView.as_view(redirect_authenticated_user=True),  # rate-limited sign-in
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(next_page="login"), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
]
