"""The teams' worker steps: weekly snapshots, interaction reminders, notice delivery."""

from __future__ import annotations

import datetime as dt

from ekkyo.alerting.models import NotificationTarget
from ekkyo.teams import notices
from ekkyo.teams.models import Interaction, Notice, NoticeDelivery, ScorecardSnapshot
from ekkyo.teams.steps import reminder_step, snapshot_step
from tests.teams.conftest import interact

NOW = dt.datetime(2026, 3, 4, 3, 0, tzinfo=dt.UTC)  # a Wednesday


def target(name, team, kind="slack", **fields):
    return NotificationTarget.objects.create(
        name=name, team=team, kind=kind, severities=["page", "ticket"], **fields
    )


# --- snapshots ----------------------------------------------------------------------------


def test_it_stores_one_snapshot_per_stream_aligned_team_and_week(org):
    assert snapshot_step(NOW) is True
    # Search is a platform team: no scorecard.
    assert list(ScorecardSnapshot.objects.values_list("team__slug", "week_start")) == [
        ("checkout", dt.date(2026, 3, 2))
    ]
    assert snapshot_step(NOW + dt.timedelta(days=2)) is False
    assert ScorecardSnapshot.objects.count() == 1


def test_it_stores_the_next_weeks_snapshot_on_monday(org):
    snapshot_step(NOW)
    assert snapshot_step(dt.datetime(2026, 3, 9, 1, 0, tzinfo=dt.UTC)) is True
    weeks = list(
        ScorecardSnapshot.objects.order_by("week_start").values_list("week_start", flat=True)
    )
    assert weeks == [dt.date(2026, 3, 2), dt.date(2026, 3, 9)]


def test_it_keeps_the_checks_in_the_snapshot(org):
    snapshot_step(NOW)
    snapshot = ScorecardSnapshot.objects.get()
    keys = [c["key"] for c in snapshot.checks]
    assert keys[0] == "slo_coverage" and len(keys) == 9
    assert snapshot.level == "foundation"


# --- reminders ----------------------------------------------------------------------------


def test_it_reminds_both_teams_once_before_an_interaction_ends(org):
    interaction = interact(
        org["search"],
        org["checkout"],
        "collaboration",
        embedded_sre=True,
        goal="Checkout runs its own on-call",
        expected_end_on=dt.date(2026, 3, 14),
    )
    target("checkout-chat", org["checkout"])
    target("search-chat", org["search"], language="ja")
    assert reminder_step(NOW) is True
    notice = Notice.objects.get()
    assert set(notice.teams.values_list("slug", flat=True)) == {"checkout", "search"}
    assert "2026-03-14" in notice.text_en and "Checkout runs its own on-call" in notice.text_en
    assert "エンベデッドSRE" in notice.text_ja and "2026-03-14" in notice.text_ja
    assert sorted(NoticeDelivery.objects.values_list("target_name", "language")) == [
        ("checkout-chat", "en"),
        ("search-chat", "ja"),
    ]
    interaction.refresh_from_db()
    assert interaction.reminded_at == NOW
    assert reminder_step(NOW + dt.timedelta(hours=1)) is False
    assert Notice.objects.count() == 1


def test_it_waits_until_the_reminder_lead(org):
    interact(org["search"], org["checkout"], expected_end_on=dt.date(2026, 4, 30))
    assert reminder_step(NOW) is False
    assert reminder_step(dt.datetime(2026, 4, 16, 0, 0, tzinfo=dt.UTC)) is True


def test_it_does_not_remind_of_an_ended_or_open_ended_interaction(org):
    interact(org["search"], org["checkout"])  # X-as-a-Service, no end
    interact(
        org["search"],
        org["checkout"],
        expected_end_on=dt.date(2026, 3, 5),
        ended_on=dt.date(2026, 3, 1),
    )
    assert reminder_step(NOW) is False


def test_it_reminds_again_after_the_end_date_moves(client, org):
    from tests.teams.conftest import sign_in

    interaction = interact(org["search"], org["checkout"], expected_end_on=dt.date(2026, 3, 10))
    reminder_step(NOW)
    sign_in(client, org["member"])
    response = client.post(
        f"/org/teams/checkout/interactions/{interaction.pk}",
        {
            "from_team": org["search"].pk,
            "to_team": org["checkout"].pk,
            "mode": "x-as-a-service",
            "purpose": "Logs",
            "starts_on": "2026-01-05",
            "expected_end_on": "2026-05-01",
            "remind_days_before": "14",
        },
    )
    assert response.status_code == 302
    assert Interaction.objects.get().reminded_at is None
    assert reminder_step(dt.datetime(2026, 4, 20, tzinfo=dt.UTC)) is True
    assert Notice.objects.count() == 2


# --- delivery -----------------------------------------------------------------------------


def _notice(org, text="hello"):
    return notices.post("k1", "test", [org["checkout"]], lambda: text, now=NOW)


def test_it_writes_deliveries_only_to_enabled_chat_targets_of_the_teams(org):
    target("chat", org["checkout"])
    target("hook", org["checkout"], kind="webhook", hmac_secret="s")
    target("pager", org["checkout"], kind="pagerduty", routing_key="r")
    target("off", org["checkout"], enabled=False)
    target("other", org["search"])
    _notice(org)
    assert sorted(NoticeDelivery.objects.values_list("target_name", flat=True)) == ["chat", "hook"]


def test_it_writes_a_notice_once_per_key(org):
    assert _notice(org) is not None
    assert _notice(org, "again") is None
    assert Notice.objects.get().text_en == "hello"


def test_it_delivers_each_row_once_in_the_targets_language(org):
    target("chat", org["checkout"], language="ja")
    notices.post("k", "test", [org["checkout"]], lambda: str(_ja_or_en()), now=NOW)
    sent = []
    assert notices.deliver_due(NOW, lambda name, text: sent.append((name, text)) or True) == 1
    assert sent == [("chat", "にほんご")]
    assert notices.deliver_due(NOW + dt.timedelta(minutes=5), lambda *a: True) == 0
    assert NoticeDelivery.objects.get().status == "sent"


def _ja_or_en():
    from django.utils.translation import get_language

    return "にほんご" if get_language() == "ja" else "english"


def test_it_retries_a_failed_send_with_back_off_and_gives_up_after_a_day(org):
    target("chat", org["checkout"])
    _notice(org)

    def boom(name, text):
        raise RuntimeError("receiver down")

    assert notices.deliver_due(NOW, boom) == 0
    row = NoticeDelivery.objects.get()
    assert row.status == "queued" and row.attempts == 1
    assert row.next_attempt_at == NOW + dt.timedelta(minutes=1)
    assert notices.deliver_due(NOW + dt.timedelta(seconds=30), boom) == 0
    assert NoticeDelivery.objects.get().attempts == 1  # not due yet
    late = NOW + dt.timedelta(hours=24)
    NoticeDelivery.objects.update(next_attempt_at=late)
    notices.deliver_due(late, lambda *a: False)
    assert NoticeDelivery.objects.get().status == "failed"
