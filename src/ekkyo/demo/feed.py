"""Keep the demo's data flowing: every minute, append the newest generated minute.

Run by ``ekkyo demo`` as a child process (``python -m ekkyo.demo.feed``); stops on
SIGTERM/SIGINT.
"""

from __future__ import annotations

import logging
import signal
import time

log = logging.getLogger("ekkyo.demo.feed")


def main() -> None:
    from ekkyo.server.bootstrap import setup_django

    setup_django()
    from ekkyo.demo.loader import top_up

    stop = False

    def _stop(signum: int, frame: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    while not stop:
        try:
            _since, _until, written = top_up(int(time.time()))
            if written:
                log.info("demo feed: %d new buckets", written)
        except Exception:  # a failed top-up is retried next minute; the demo goes on
            log.exception("demo feed failed")
        for _ in range(60):
            if stop:
                break
            time.sleep(1)


if __name__ == "__main__":
    main()
