"""The account page's settings: the profile's time zone and the language, per persona."""

from __future__ import annotations

import pytest

from ekkyo.accounts.models import Profile
from tests.web.conftest import add_slo, add_status, sign_in

PERSONAS = ["viewer", "member", "admin"]


def save(client, time_zone="", language="en"):
    return client.post("/account/profile", {"time_zone": time_zone, "language": language})


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_saves_a_time_zone_on_the_profile(client, org, persona):
    sign_in(client, org[persona])
    response = save(client, "America/New_York")
    assert response.status_code == 302 and response.url == "/account/"
    assert Profile.objects.get(user=org[persona]).time_zone == "America/New_York"


def test_it_shows_times_in_the_chosen_zone_afterwards(client, org):
    add_status(add_slo("pay", org["checkout"]), "healthy")
    sign_in(client, org["viewer"])
    save(client, "Asia/Kolkata")
    # The status was computed at 12:00 UTC: 17:30 in India.
    assert "2026-03-02 17:30" in client.get("/").content.decode()


def test_it_goes_back_to_the_default_zone_when_cleared(client, org):
    org["viewer"].profile.time_zone = "Europe/Paris"
    org["viewer"].profile.save()
    sign_in(client, org["viewer"])
    save(client, "")
    assert Profile.objects.get(user=org["viewer"]).time_zone == ""


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "../../etc/passwd", "Asia/Tokyo\n"])
def test_it_refuses_a_zone_that_zoneinfo_does_not_know(client, org, zone):
    sign_in(client, org["member"])
    response = save(client, zone)
    assert response.status_code == 400
    assert "errorlist" in response.content.decode()
    assert Profile.objects.get(user=org["member"]).time_zone == ""


def test_it_offers_every_zone_zoneinfo_knows_with_a_slash(client, org):
    import zoneinfo

    sign_in(client, org["viewer"])
    html = client.get("/account/").content.decode()
    for name in ("Asia/Tokyo", "Europe/London", "America/Sao_Paulo", "UTC"):
        assert f'value="{name}"' in html
    offered = html.count("<option value=")
    assert offered > len([n for n in zoneinfo.available_timezones() if "/" in n])


def test_it_selects_the_saved_zone_in_the_form(client, org):
    org["viewer"].profile.time_zone = "Europe/Paris"
    org["viewer"].profile.save()
    sign_in(client, org["viewer"])
    html = client.get("/account/").content.decode()
    assert '<option value="Europe/Paris" selected>' in html
    assert "Now in use: Europe/Paris." in html


def test_it_creates_a_profile_for_a_user_who_has_none(client, org, django_user_model):
    root = django_user_model.objects.create_superuser("root", password="pw-root")
    sign_in(client, root)
    save(client, "Asia/Tokyo")
    assert Profile.objects.get(user=root).time_zone == "Asia/Tokyo"


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_switches_the_language_and_remembers_it_in_the_cookie(client, org, persona):
    sign_in(client, org[persona])
    response = save(client, "", "ja")
    assert response.cookies["django_language"].value == "ja"
    html = client.get("/account/").content.decode()
    assert '<html lang="ja">' in html and "APIトークン" in html


def test_it_confirms_the_save_in_the_new_language(client, org):
    sign_in(client, org["viewer"])
    response = client.post("/account/profile", {"time_zone": "", "language": "ja"}, follow=True)
    assert "設定を保存しました" in response.content.decode()


def test_it_refuses_an_unknown_language(client, org):
    sign_in(client, org["viewer"])
    response = save(client, "", "tlh")
    assert response.status_code == 400
    assert "django_language" not in response.cookies


def test_it_answers_a_get_on_the_profile_url_with_405(client, org):
    sign_in(client, org["viewer"])
    assert client.get("/account/profile").status_code == 405


def test_it_renders_the_account_page_in_japanese(client, org):
    client.cookies["django_language"] = "ja"
    sign_in(client, org["member"])
    html = client.get("/account/").content.decode()
    assert "アカウント" in html and "タイムゾーン" in html and "トークンを作成" in html
