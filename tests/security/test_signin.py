"""Sign-in rate limiting: per account and per address, a sliding window in the database."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import F
from django.test import override_settings
from hypothesis import given
from hypothesis import strategies as st

from ekkyo.security.models import SignInFailure
from ekkyo.security.signin import sliding_wait
from tests.factories import make_user

T0 = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)
WINDOW_S = 900


def attempt(client, username, password, address="192.0.2.10", path="/login/"):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=address)


def fail(client, username, times, address="192.0.2.10"):
    for _ in range(times):
        assert attempt(client, username, "wrong-password", address).status_code == 200


def let_the_window_pass():
    SignInFailure.objects.update(at=F("at") - dt.timedelta(seconds=WINDOW_S + 1))


# --------------------------------------------------------------------------- the window


@given(
    st.lists(st.integers(min_value=-2 * WINDOW_S, max_value=0), max_size=12),
    st.integers(min_value=1, max_value=6),
)
def test_it_waits_exactly_until_fewer_than_the_maximum_failures_are_in_the_window(offsets, maximum):
    window = dt.timedelta(seconds=WINDOW_S)
    failures = [T0 + dt.timedelta(seconds=s) for s in offsets]

    def in_window(at):  # the reference: count the failures in (at - window, at]
        return sum(1 for f in failures if at - window < f <= at)

    wait = sliding_wait(failures, T0, window, maximum)
    if in_window(T0) < maximum:
        assert wait is None
        return
    assert wait is not None and wait.total_seconds() > 0
    assert in_window(T0 + wait) < maximum
    assert in_window(T0 + wait - dt.timedelta(seconds=1)) >= maximum


# --------------------------------------------------------------------------- the page


@pytest.mark.django_db
def test_it_refuses_an_account_after_five_failures_with_429_and_a_clear_message(client):
    make_user("hana", "member")
    fail(client, "hana", 5)
    response = attempt(client, "hana", "wrong-password")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    html = response.content.decode()
    assert "Too many failed sign-ins" in html and "Try again in 15 minutes" in html


@pytest.mark.django_db
def test_it_does_not_even_check_the_right_password_while_the_limit_holds(client):
    make_user("hana", "member")
    fail(client, "hana", 5)
    response = attempt(client, "hana", "pw-hana")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_it_lets_the_right_password_in_once_the_window_has_passed(client):
    make_user("hana", "member")
    fail(client, "hana", 5)
    let_the_window_pass()
    response = attempt(client, "hana", "pw-hana")
    assert response.status_code == 302
    assert client.session["_auth_user_id"]


@pytest.mark.django_db
def test_it_does_not_limit_before_the_maximum(client):
    make_user("hana", "member")
    fail(client, "hana", 4)
    assert attempt(client, "hana", "pw-hana").status_code == 302


@pytest.mark.django_db
def test_it_counts_an_account_across_addresses(client):
    make_user("hana", "member")
    for n in range(5):
        fail(client, "hana", 1, address=f"198.51.100.{n}")
    assert attempt(client, "hana", "pw-hana", address="203.0.113.7").status_code == 429


@pytest.mark.django_db
@override_settings(EKKYO_SIGNIN_MAX_FAILURES_PER_ADDRESS=3)
def test_it_limits_an_address_that_tries_many_accounts(client):
    make_user("hana", "member")
    for name in ("ann", "ben", "cai"):
        fail(client, name, 1, address="198.51.100.9")
    assert attempt(client, "hana", "pw-hana", address="198.51.100.9").status_code == 429
    assert attempt(client, "hana", "pw-hana", address="198.51.100.10").status_code == 302


@pytest.mark.django_db
def test_it_forgets_an_accounts_failures_after_a_successful_sign_in(client):
    make_user("hana", "member")
    fail(client, "hana", 4)
    assert attempt(client, "hana", "pw-hana").status_code == 302
    client.logout()
    fail(client, "hana", 4)
    assert attempt(client, "hana", "pw-hana").status_code == 302


@pytest.mark.django_db
def test_it_limits_the_admin_sign_in_page_too(client):
    admin = make_user("sre", "admin")
    admin.is_staff = admin.is_superuser = True
    admin.save()
    for _ in range(5):
        attempt(client, "sre", "wrong", path="/admin/login/")
    response = attempt(client, "sre", "pw-sre", path="/admin/login/")
    assert "Too many failed sign-ins" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_it_keeps_neither_the_typed_name_nor_the_address(client):
    fail(client, "correct-horse-battery", 1, address="198.51.100.77")
    keys = " ".join(SignInFailure.objects.values_list("key", flat=True))
    assert SignInFailure.objects.count() == 2
    assert "correct-horse" not in keys and "198.51.100.77" not in keys


@pytest.mark.django_db
def test_it_ignores_x_forwarded_for_unless_the_proxy_is_trusted(client):
    make_user("hana", "member")
    for n in range(5):
        client.post(
            "/login/",
            {"username": f"user{n}", "password": "x"},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
        )
    with override_settings(EKKYO_SIGNIN_MAX_FAILURES_PER_ADDRESS=5):
        # Untrusted: all five came from the proxy's address 10.0.0.2.
        assert attempt(client, "hana", "pw-hana", address="10.0.0.2").status_code == 429
    with override_settings(EKKYO_SIGNIN_MAX_FAILURES_PER_ADDRESS=5, EKKYO_TRUST_PROXY_HEADERS=True):
        response = client.post(
            "/login/",
            {"username": "hana", "password": "pw-hana"},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR="spoofed, 203.0.113.200",
        )
        assert response.status_code == 302


@pytest.mark.django_db
def test_it_does_not_limit_sign_ins_without_a_request(client):
    # Scripts and tests call authenticate() without a request: no address to count.
    from django.contrib.auth import authenticate

    make_user("hana", "member")
    for _ in range(6):
        assert authenticate(username="hana", password="wrong") is None
    assert authenticate(username="hana", password="pw-hana") is not None
    assert SignInFailure.objects.count() == 0
