"""Run the real ``ekkyo worker`` command with two test hooks, for the fault tests.

    python -m tests.faults.worker_main worker --delay 20 --lease 60

Everything after the module name is the ``ekkyo`` command line.  Two environment
variables add what a test needs and production does not:

* ``FAULTS_CLOCK=T_START,WALL0,SPEED``: the process runs on a simulated clock,
  ``T_START + (wall - WALL0) * SPEED`` seconds, so a test sees minutes of worker time in
  seconds.  It replaces ``django.utils.timezone.now`` before the worker is imported: the
  worker, the outbox and the store all read that clock.
* ``FAULTS_PAUSE=POINT:N``: the N-th time the process reaches ``POINT`` it prints
  ``PAUSED POINT N`` and waits there (for the test's SIGKILL).  Points:
  ``save`` — inside the transaction that stores an evaluation, after the statuses are
  written and before they are committed; ``alerts`` — right after the alert step has
  committed one objective's alert state (with its outbox rows), before the next one.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from typing import Any


def _install_clock(spec: str) -> None:
    t_start, wall0, speed = (float(x) for x in spec.split(","))
    from django.utils import timezone

    def now() -> dt.datetime:
        return dt.datetime.fromtimestamp(t_start + (time.time() - wall0) * speed, dt.UTC)

    timezone.now = now


def _install_pause(spec: str) -> None:
    point, _, nth = spec.partition(":")
    wanted = int(nth or "1")
    seen = 0

    def reached() -> None:
        nonlocal seen
        seen += 1
        if seen == wanted:
            print(f"PAUSED {point} {seen}", flush=True)
            time.sleep(600)

    if point == "save":
        from ekkyo.worker import snapshots

        real_drop = snapshots._drop_removed_objectives

        def drop(*args: Any, **kwargs: Any) -> None:
            real_drop(*args, **kwargs)
            reached()

        snapshots._drop_removed_objectives = drop
    elif point == "alerts":
        from ekkyo.alerting import state

        real_process = state.process

        def process(*args: Any, **kwargs: Any) -> Any:
            out = real_process(*args, **kwargs)
            reached()
            return out

        state.process = process
    else:
        raise SystemExit(f"unknown pause point {point!r}")


def main() -> None:
    clock = os.environ.get("FAULTS_CLOCK", "")
    if clock:
        _install_clock(clock)
    from ekkyo.server.bootstrap import setup_django

    setup_django()
    pause = os.environ.get("FAULTS_PAUSE", "")
    if pause:
        _install_pause(pause)
    print("STARTING", flush=True)
    from ekkyo.cli import main as ekkyo

    sys.argv = ["ekkyo", *sys.argv[1:]]
    ekkyo()


if __name__ == "__main__":
    main()
