"""Notification delivery across a receiver outage and a worker restart: nothing lost, no dups.

    .venv/bin/python bench/notify_outage.py                  # 5-minute outage, real time
    .venv/bin/python bench/notify_outage.py --minutes 0.5    # shorter outage (smoke run)
    .venv/bin/python bench/notify_outage.py --fake-clock     # simulated time, a few seconds
    .venv/bin/python bench/notify_outage.py --record         # also append to bench/RESULTS.md

Set-up: a fresh SQLite database; SLOS SLOs of one team with three targets — Slack,
PagerDuty and a signed webhook — each a fake receiver (``tests/notify/fake_receivers.py``:
real HTTP servers on loopback).  A worker ticks once a second: it feeds every SLO a result
whose page rule flips between firing and calm on an SLO-specific period (45 s, 52 s, …),
runs ``ekkyo.alerting.state.process`` and then ``ekkyo.alerting.outbox.deliver_due`` with
one long-lived httpx client.

Timeline: 30 s with the receivers up; then every receiver is **down** (connections
refused) for ``--minutes``; half-way through the outage the worker process is killed with
SIGKILL and a new one started (real time) — or, with ``--fake-clock``, the worker state is
dropped and rebuilt in-process; alerts keep changing until 30 s after the receivers come
back, then the worker drains the outbox (back-off up to 10 minutes, so the tail can take
that long).

Checked at the end, per receiver: every outbox row's exact body arrived exactly once,
nothing arrived that no row holds, and per alert (dedup key) the messages arrived in the
order their rows were written.  ``--fake-clock`` runs the same timeline in simulated
seconds in one process (documented shortcut: real sockets, simulated waits).
"""

from __future__ import annotations

import argparse
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict, deque
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).with_name("RESULTS.md")
WARM_S = 30
AFTER_S = 30
TICK_S = 1
DRAIN_LIMIT_S = 20 * 60


def _django(data_dir: str) -> None:
    os.environ["EKKYO_DATA_DIR"] = data_dir
    os.environ["DJANGO_SETTINGS_MODULE"] = "ekkyo.server.settings"
    os.environ.setdefault("EKKYO_LOG_LEVEL", "ERROR")
    # The fake receivers listen on loopback, which the outbound guard refuses by default.
    os.environ.setdefault("EKKYO_ALLOWED_PRIVATE_NETWORKS", "127.0.0.0/8")
    for path in (str(ROOT / "src"), str(ROOT)):
        if path not in sys.path:
            sys.path.insert(0, path)
    import django

    django.setup()


# --------------------------------------------------------------------------- the schedule


def period_of(i: int) -> int:
    return 45 + 7 * i


def firing(i: int, t: int, t0: int, changes_end: int) -> bool:
    """Whether SLO ``i``'s page rule fires at ``t``: flips every period, calm at the end."""
    if t >= changes_end:
        return False
    return ((t - t0 + 13 * i) // period_of(i)) % 2 == 1


def result_for(on: bool) -> dict[str, Any]:
    from ekkyo.engine.burn import ALERT_RULES, BURN_WINDOW_NAMES

    rule = ALERT_RULES[0]
    hot = {rule.long_window, rule.short_window} if on else set()
    return {
        "target": 0.999,
        "window": {"length_s": 30 * 86400},
        "sli": 0.98 if on else 0.9999,
        "error_budget": {"remaining_ratio": 0.6},
        "burn_rates": {w: (20.0 if w in hot else 0.5) for w in BURN_WINDOW_NAMES},
        "alerts": [
            {
                "severity": rule.severity,
                "long_window": rule.long_window,
                "short_window": rule.short_window,
                "factor": rule.factor(30 * 86400),
            }
        ]
        if on
        else [],
    }


# --------------------------------------------------------------------------- the worker


class Worker:
    """What one worker process holds: a client and an id (dropped on a 'restart')."""

    def __init__(self, name: str) -> None:
        import httpx

        self.name = name
        self.client = httpx.Client()

    def tick(self, slos: list[Any], now: int, t0: int, changes_end: int) -> bool:
        from ekkyo.alerting import outbox, state

        for i, slo in enumerate(slos):
            state.process(slo, 0, "availability", result_for(firing(i, now, t0, changes_end)), now)
        when = datetime.fromtimestamp(now, UTC)
        return outbox.deliver_due(when, self.client, worker=self.name, timeout=2.0)

    def close(self) -> None:
        self.client.close()


def unfinished() -> int:
    from ekkyo.alerting.models import UNFINISHED, Notification

    return Notification.objects.filter(status__in=UNFINISHED).count()


def worker_main(args: argparse.Namespace) -> None:
    """A worker process: tick once a second until the outbox is drained or the deadline."""
    _django(args.data_dir)
    from ekkyo.catalog.models import SLO

    slos = list(SLO.objects.select_related("service__team").order_by("name"))
    worker = Worker(f"bench-{os.getpid()}")
    while True:
        now = int(time.time())
        worker.tick(slos, now, args.t0, args.changes_end)
        if now >= args.changes_end and not unfinished():
            break
        if now >= args.changes_end + DRAIN_LIMIT_S:
            break
        time.sleep(max(0.0, TICK_S - (time.time() - now)))
    worker.close()


# --------------------------------------------------------------------------- set-up, checks


def setup(n_slos: int, receivers: dict[str, Any]) -> None:
    from django.core.management import call_command

    from ekkyo.alerting.models import NotificationTarget
    from ekkyo.catalog.models import SLO, Service
    from ekkyo.teams.models import Team

    call_command("migrate", interactive=False, verbosity=0)
    team = Team.objects.create(slug="bench", name="Bench")
    service = Service.objects.create(name="bench", team=team)
    for i in range(n_slos):
        name = f"bench-{i:03d}"
        doc = {"apiVersion": "openslo/v1", "kind": "SLO", "metadata": {"name": name}, "spec": {}}
        SLO.objects.create(name=name, service=service, spec=doc, spec_hash="x", lifecycle="active")
    both = ["page", "ticket"]
    NotificationTarget.objects.create(
        name="slack",
        team=team,
        kind="slack",
        severities=both,
        url=receivers["slack"].url + "/services/T0/B0/bench",
    )
    NotificationTarget.objects.create(
        name="pagerduty",
        team=team,
        kind="pagerduty",
        severities=both,
        routing_key="bench-routing-key",
        endpoint=receivers["pagerduty"].url + "/v2/enqueue",
    )
    NotificationTarget.objects.create(
        name="webhook",
        team=team,
        kind="webhook",
        severities=both,
        url=receivers["webhook"].url + "/hook",
        hmac_secret="bench-secret",
    )


def check(receivers: dict[str, Any], up_at: int) -> dict[str, Any]:
    """Every row's body exactly once per receiver, nothing else, in order per dedup key."""
    from django.db.models import Count

    from ekkyo.alerting.models import DeliveryAttempt, Notification
    from ekkyo.alerting.routing import build_target
    from ekkyo.notify import AlertEvent, prepare

    rows = list(Notification.objects.select_related("target").order_by("id"))
    # Bodies are compared as multisets: PagerDuty resolves of one alert are byte-identical
    # (routing key, action, dedup key), so a body may be expected more than once.
    expected: dict[str, dict[bytes, deque[Notification]]] = defaultdict(lambda: defaultdict(deque))
    for row in rows:
        assert row.target is not None
        body = prepare(build_target(row.target), AlertEvent.from_dict(row.event), 0).body
        expected[row.target_name][body].append(row)
    up = datetime.fromtimestamp(up_at, UTC)
    backlog = [r for r in rows if r.created_at < up]
    report: dict[str, Any] = {
        "rows": len(rows),
        "backlog": len(backlog),
        "backlog_sent_s": max(
            ((r.sent_at - up).total_seconds() for r in backlog if r.sent_at), default=0.0
        ),
        "status": dict(Counter(r.status for r in rows)),
        "attempts": DeliveryAttempt.objects.count(),
        "failed_attempts": DeliveryAttempt.objects.filter(ok=False).count(),
        # From the database's side: no row was ever answered 2xx twice.
        "rows_sent_twice": DeliveryAttempt.objects.filter(ok=True)
        .values("notification")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count(),
        "by_target": {},
    }
    for name, receiver in receivers.items():
        wanted = {body: deque(queue) for body, queue in expected[name].items()}
        n_wanted = sum(len(q) for q in wanted.values())
        matched = extra = unexpected = 0
        order_ok = True
        last: dict[str, int] = {}
        for request in receiver.requests:
            queue = wanted.get(request.body)
            if queue is None:
                unexpected += 1
                continue
            if not queue:
                extra += 1  # more copies of this body than rows hold it
                continue
            row = queue.popleft()  # the oldest row with this body
            matched += 1
            if last.get(row.dedup_key, -1) > row.pk:
                order_ok = False
            last[row.dedup_key] = row.pk
        report["by_target"][name] = {
            "expected": n_wanted,
            "received": len(receiver.requests),
            "delivered_once": matched,
            "duplicates": extra,
            "lost": n_wanted - matched,
            "unexpected": unexpected,
            "in_order": order_ok,
        }
    report["ok"] = (
        all(
            t["lost"] == 0 and t["duplicates"] == 0 and t["unexpected"] == 0 and t["in_order"]
            for t in report["by_target"].values()
        )
        and report["status"].keys() <= {"sent"}
        and not report["rows_sent_twice"]
    )
    return report


# --------------------------------------------------------------------------- runs


def run_real(args: argparse.Namespace, receivers: dict[str, Any], data_dir: str) -> dict[str, Any]:
    outage_s = int(args.minutes * 60)
    t0 = int(time.time())
    down_at, up_at = t0 + WARM_S, t0 + WARM_S + outage_s
    changes_end = up_at + AFTER_S
    cmd = [
        sys.executable,
        __file__,
        "--worker-run",
        "--data-dir",
        data_dir,
        "--t0",
        str(t0),
        "--changes-end",
        str(changes_end),
    ]
    first = subprocess.Popen(cmd)
    _sleep_until(down_at)
    for r in receivers.values():
        r.stop()
    _sleep_until(down_at + outage_s // 2)
    os.kill(first.pid, signal.SIGKILL)  # a crash: no clean-up, no goodbye
    first.wait()
    second = subprocess.Popen(cmd)
    _sleep_until(up_at)
    for r in receivers.values():
        r.start()
    recovered = time.time()
    second.wait()
    return {"outage_s": outage_s, "up_at": up_at, "wall_s": time.time() - recovered}


def run_fake(args: argparse.Namespace, receivers: dict[str, Any]) -> dict[str, Any]:
    from ekkyo.catalog.models import SLO

    outage_s = int(args.minutes * 60)
    t0 = int(datetime(2026, 3, 2, 9, tzinfo=UTC).timestamp())
    down_at, up_at = t0 + WARM_S, t0 + WARM_S + outage_s
    changes_end = up_at + AFTER_S
    slos = list(SLO.objects.select_related("service__team").order_by("name"))
    worker = Worker("bench-a")
    now = t0
    restarted = False
    while now < changes_end + DRAIN_LIMIT_S:
        if now == down_at:
            for r in receivers.values():
                r.stop()
        if now == up_at:
            for r in receivers.values():
                r.start()
        if not restarted and now >= down_at + outage_s // 2:
            worker.close()  # the simulated crash: a new client, a new worker id
            worker = Worker("bench-b")
            restarted = True
        worker.tick(slos, now, t0, changes_end)
        if now >= changes_end and not unfinished():
            break
        now += TICK_S
    worker.close()
    return {"outage_s": outage_s, "up_at": up_at, "wall_s": now - up_at}


def _sleep_until(t: float) -> None:
    time.sleep(max(0.0, t - time.time()))


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    import django
    import httpx

    return (
        f"{platform.machine()}, {cpu}, {os.cpu_count()} cores, load {load}; "
        f"Python {platform.python_version()}, Django {django.get_version()}, "
        f"httpx {httpx.__version__}, SQLite"
    )


def record(args: argparse.Namespace, timing: dict[str, Any], report: dict[str, Any]) -> None:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    flags = "".join(
        [
            f" --minutes {args.minutes:g}" if args.minutes != 5 else "",
            f" --slos {args.slos}" if args.slos != 20 else "",
            " --fake-clock" if args.fake_clock else "",
        ]
    )
    clock = "simulated seconds, one process" if args.fake_clock else "real time, SIGKILLed worker"
    lines = [
        f"\n## Notification delivery across a receiver outage\n\n### {when}\n",
        f"`.venv/bin/python bench/notify_outage.py --record{flags}`\n",
        f"- {args.slos} SLOs flipping between firing and resolved, 3 targets (Slack, "
        f"PagerDuty, webhook) as fake receivers; receivers down for "
        f"**{timing['outage_s'] / 60:g} min**, worker restarted mid-outage ({clock})",
        f"- outbox rows: {report['rows']}, status {report['status']}; attempts "
        f"{report['attempts']} ({report['failed_attempts']} failed while down); the "
        f"{report['backlog']} rows written before the receivers came back were all sent "
        f"**{report['backlog_sent_s']:.0f} s** after they did (back-off caps at 10 min)",
        "",
        "| target | expected | received | delivered once | duplicates | lost | in order |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, t in report["by_target"].items():
        lines.append(
            f"| {name} | {t['expected']} | {t['received']} | {t['delivered_once']} | "
            f"{t['duplicates']} | {t['lost']} | {'yes' if t['in_order'] else 'NO'} |"
        )
    lines += ["", f"Result: **{'every message once, none lost' if report['ok'] else 'FAILED'}**"]
    lines += ["", f"Machine: {machine()}", ""]
    with RESULTS.open("a", encoding="utf-8") as f:
        f.write("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=5.0, help="outage length (default 5)")
    parser.add_argument("--slos", type=int, default=20, help="SLOs (default 20)")
    parser.add_argument("--fake-clock", action="store_true", help="simulated time, in-process")
    parser.add_argument("--record", action="store_true", help="append to bench/RESULTS.md")
    parser.add_argument("--worker-run", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", help=argparse.SUPPRESS)
    parser.add_argument("--t0", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--changes-end", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker_run:
        worker_main(args)
        return

    with tempfile.TemporaryDirectory(prefix="ekkyo-bench-notify-") as data_dir:
        _django(data_dir)
        from tests.notify.fake_receivers import (
            SLACK_OK,
            WEBHOOK_OK,
            FakeReceiver,
            pagerduty_accepted,
        )

        receivers = {
            "slack": FakeReceiver(SLACK_OK).start(),
            "pagerduty": FakeReceiver(pagerduty_accepted).start(),
            "webhook": FakeReceiver(WEBHOOK_OK).start(),
        }
        try:
            setup(args.slos, receivers)
            timing = (
                run_fake(args, receivers)
                if args.fake_clock
                else run_real(args, receivers, data_dir)
            )
            report = check(receivers, timing["up_at"])
        finally:
            for r in receivers.values():
                r.stop()
    print(
        f"outage {timing['outage_s'] / 60:g} min, {report['rows']} outbox rows "
        f"{report['status']}, {report['attempts']} attempts "
        f"({report['failed_attempts']} failed); backlog of {report['backlog']} sent "
        f"{report['backlog_sent_s']:.0f} s after recovery"
    )
    for name, t in report["by_target"].items():
        print(
            f"  {name:9s} expected {t['expected']:4d} received {t['received']:4d} "
            f"once {t['delivered_once']:4d} dup {t['duplicates']} lost {t['lost']} "
            f"unexpected {t['unexpected']} in order {t['in_order']}"
        )
    print("OK: every message once, none lost" if report["ok"] else "FAILED")
    if args.record:
        record(args, timing, report)
    if not report["ok"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
