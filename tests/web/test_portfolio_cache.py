"""The portfolio's render cache: hits while the data stays the same, never a stale page."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from ekkyo.catalog.models import Service
from ekkyo.catalog.services import transition
from ekkyo.web.render_cache import RenderCache, data_version
from ekkyo.web.views.portfolio import CACHE
from ekkyo.worker.models import SLOStatus
from tests.factories import make_team
from tests.web.conftest import EVALUATED_AT, add_slo, add_status, sign_in


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def empty_cache():
    CACHE.clear()
    yield
    CACHE.clear()


# --- RenderCache ---------------------------------------------------------------------------


def test_it_renders_a_key_once_while_it_is_fresh():
    cache, calls = RenderCache(ttl_s=30, clock=Clock()), []
    for _ in range(3):
        value = cache.get_or_render("k", lambda: calls.append(1) or "page")
    assert value == "page" and len(calls) == 1
    assert (cache.hits, cache.misses) == (2, 1)


def test_it_renders_again_once_the_entry_is_older_than_its_ttl():
    clock = Clock()
    cache, calls = RenderCache(ttl_s=30, clock=clock), []
    cache.get_or_render("k", lambda: calls.append(1) or "old")
    clock.now += 30
    assert cache.get_or_render("k", lambda: calls.append(1) or "new") == "new"
    assert len(calls) == 2


def test_it_forgets_the_least_recently_used_key_beyond_its_size():
    cache = RenderCache(size=2, clock=Clock())
    cache.get_or_render("a", lambda: "A")
    cache.get_or_render("b", lambda: "B")
    cache.get_or_render("a", lambda: "A again")  # a is now the most recent
    cache.get_or_render("c", lambda: "C")
    assert cache.get_or_render("a", lambda: "A2") == "A"
    assert cache.get_or_render("b", lambda: "B2") == "B2"


def test_it_lets_one_thread_render_while_the_others_wait_for_it():
    cache, calls = RenderCache(clock=Clock()), []
    started, release = threading.Event(), threading.Event()

    def slow() -> str:
        calls.append(1)
        started.set()
        release.wait(5)
        return "page"

    results: list[str] = []
    first = threading.Thread(target=lambda: results.append(cache.get_or_render("k", slow)))
    first.start()
    started.wait(5)
    others = [
        threading.Thread(target=lambda: results.append(cache.get_or_render("k", slow)))
        for _ in range(3)
    ]
    for thread in others:
        thread.start()
    release.set()
    for thread in [first, *others]:
        thread.join(5)
    assert results == ["page"] * 4 and len(calls) == 1


def test_it_serves_an_expired_entry_to_others_while_one_thread_renders_it_again():
    clock = Clock()
    cache = RenderCache(ttl_s=30, clock=clock)
    cache.get_or_render("k", lambda: "old")
    clock.now += 31
    started, release = threading.Event(), threading.Event()

    def slow() -> str:
        started.set()
        release.wait(5)
        return "new"

    renderer = threading.Thread(target=lambda: cache.get_or_render("k", slow))
    renderer.start()
    started.wait(5)
    during = cache.get_or_render("k", lambda: "should not render")
    release.set()
    renderer.join(5)
    assert during == "old"
    assert cache.get_or_render("k", lambda: "should not render") == "new"


def test_it_lets_the_next_caller_render_when_a_render_fails():
    cache = RenderCache(clock=Clock())

    def broken() -> str:
        raise RuntimeError("database gone")

    with pytest.raises(RuntimeError):
        cache.get_or_render("k", broken)
    assert cache.get_or_render("k", lambda: "page") == "page"


# --- the data version ----------------------------------------------------------------------


def test_it_changes_the_version_when_the_worker_stores_a_new_status(org):
    status = add_status(add_slo("pay", org["checkout"]), "healthy")
    before = data_version()
    SLOStatus.objects.filter(pk=status.pk).update(
        state="at_risk", computed_at=EVALUATED_AT + dt.timedelta(minutes=1)
    )
    assert data_version() != before


def test_it_changes_the_version_when_the_catalog_changes(org):
    slo = add_slo("pay", org["checkout"], lifecycle="trial")
    versions = [data_version()]
    transition(slo, "active", actor=org["admin"], reason="agreed")
    versions.append(data_version())
    Service.objects.create(name="search-web", team=org["search"])
    versions.append(data_version())
    make_team("logistics")
    versions.append(data_version())
    assert len(set(versions)) == 4


# --- the page --------------------------------------------------------------------------------


def test_it_shows_a_lifecycle_change_at_once(client, org):
    add_slo("pay", org["checkout"], lifecycle="trial")
    sign_in(client, org["member"])
    assert "life-trial" in client.get("/").content.decode()
    client.post("/slos/pay/lifecycle", {"to_state": "active", "reason": "signed off"})
    html = client.get("/").content.decode()
    assert "life-active" in html and "life-trial" not in html


def test_it_shows_the_workers_new_status_at_once(client, org):
    status = add_status(add_slo("pay", org["checkout"]), "healthy")
    sign_in(client, org["viewer"])
    assert 'data-state="healthy"' in client.get("/").content.decode()
    SLOStatus.objects.filter(pk=status.pk).update(
        state="exhausted", computed_at=EVALUATED_AT + dt.timedelta(minutes=1)
    )
    assert 'data-state="exhausted"' in client.get("/").content.decode()
    assert client.get("/portfolio.json").json()["rows"][0]["state"] == "exhausted"


def test_it_shares_the_results_but_not_the_header_between_readers(client, org):
    add_status(add_slo("pay", org["checkout"]), "healthy")
    sign_in(client, org["viewer"])
    first = client.get("/").content.decode()
    sign_in(client, org["member"])
    second = client.get("/").content.decode()
    assert CACHE.hits >= 1
    assert ">bea · " in first and ">dev · " in second and ">bea · " not in second
    assert first.count('data-slo="pay"') == second.count('data-slo="pay"') == 1


def test_it_keeps_languages_and_time_zones_apart(client, org):
    add_status(add_slo("pay", org["checkout"]), "healthy")
    org["member"].profile.time_zone = "Asia/Kolkata"
    org["member"].profile.save()
    sign_in(client, org["viewer"])
    english = client.get("/").content.decode()
    sign_in(client, org["member"])
    india = client.get("/").content.decode()
    client.cookies["django_language"] = "ja"
    japanese = client.get("/").content.decode()
    assert "2026-03-02 12:00" in english and "2026-03-02 17:30" in india
    assert '<html lang="en">' in english and "Healthy" in english and "健全" not in english
    assert '<html lang="ja">' in japanese and "健全" in japanese


def test_it_answers_a_cached_page_in_four_queries(client, org, django_assert_max_num_queries):
    add_status(add_slo("pay", org["checkout"]), "healthy")
    sign_in(client, org["viewer"])
    client.get("/")
    # Session, user, profile and the data version: nothing of the catalog is read again.
    with django_assert_max_num_queries(4):
        assert client.get("/").status_code == 200


def test_it_splices_the_results_into_the_readers_page(client, org):
    add_slo("pay", org["checkout"])
    sign_in(client, org["viewer"])
    html = client.get("/").content.decode()
    assert "ekkyo: the portfolio region" not in html
    assert html.index("<h1>") < html.index('id="portfolio"') < html.index("</main>")
