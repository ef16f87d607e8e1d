"""A real Prometheus for tests: known samples in, a server on a loopback port out.

Reusable by any test that needs Prometheus (sources, rules, benchmarks)::

    from tests.sources.promserver import PromSeries, prometheus_factory  # noqa: F401

    def test_it_reads(prometheus_factory):
        prom = prometheus_factory([PromSeries("hits_total", {"job": "a"}, [(t0, 1.0), ...])])
        httpx.get(prom.url + "/api/v1/query", params={"query": "hits_total"})

The samples are written as OpenMetrics, turned into TSDB blocks with
``promtool tsdb create-blocks-from openmetrics`` and served by ``prometheus`` with a long
retention (so fixed historical timestamps stay queryable), an empty scrape config and
``--web.listen-address=127.0.0.1:<free port>``.  ``prometheus_factory`` is session-scoped:
servers it starts live until the end of the session, so a module can share one server
(start it from a module- or session-scoped fixture of its own).  :func:`start_prometheus`
is the same without pytest, for benchmarks.
"""

from __future__ import annotations

import contextlib
import json
import math
import socket
import subprocess
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.conftest import require_binary

READY_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class PromSeries:
    """One series: metric name, labels and ``(unix_seconds, value)`` samples in time order.

    ``kind`` is the OpenMetrics type; for ``counter`` the name must end in ``_total``.
    """

    name: str
    labels: dict[str, str]
    samples: Sequence[tuple[float, float]]
    kind: str = "counter"


def counter_samples(
    start: int,
    increments: Sequence[float],
    *,
    interval: int = 15,
    offset: int = 5,
    initial: float = 0.0,
    skip_minutes: Iterable[int] = (),
    resets_at: Iterable[int] = (),
) -> list[tuple[float, float]]:
    """Samples of a counter that gains ``increments[j]`` in the minute ``[start + 60 j, +60)``.

    Scrapes happen every ``interval`` seconds at ``offset`` seconds into each interval
    (``0 < offset <= interval``, ``interval`` dividing 60), so all scrapes of minute ``j``
    fall inside it; a baseline sample holding ``initial`` comes one interval before the
    first.  A minute's increment is spread over its scrapes (the last gets the remainder).
    Minutes in ``skip_minutes`` lose their scrapes (the counter keeps counting, as an
    application does while its scrapes fail); at minutes in ``resets_at`` the counter
    restarts from zero before counting that minute.
    """
    if 60 % interval or not 0 < offset <= interval:
        raise ValueError("interval must divide 60 and 0 < offset <= interval")
    skip, resets = set(skip_minutes), set(resets_at)
    per_minute = 60 // interval
    value = float(initial)
    samples = [(float(start - interval + offset), value)]
    for j, inc in enumerate(increments):
        if j in resets:
            value = 0.0
        share = inc // per_minute
        for k in range(per_minute):
            value += share if k < per_minute - 1 else inc - share * (per_minute - 1)
            if j not in skip:
                samples.append((float(start + 60 * j + offset + interval * k), value))
    return samples


@dataclass
class RunningPrometheus:
    url: str
    port: int
    data_dir: Path
    process: subprocess.Popen[bytes]
    log_path: Path
    _stopped: bool = field(default=False, repr=False)

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _fmt_value(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value))


def openmetrics_lines(series: Iterable[PromSeries]) -> Iterator[str]:
    """OpenMetrics text for ``series`` (families grouped, as the format requires)."""
    families: dict[tuple[str, str], list[PromSeries]] = {}
    for s in series:
        if s.kind == "counter" and not s.name.endswith("_total"):
            raise ValueError(f"counter {s.name} must end in _total")
        family = s.name[: -len("_total")] if s.kind == "counter" else s.name
        families.setdefault((family, s.kind), []).append(s)
    for (family, kind), members in families.items():
        yield f"# TYPE {family} {kind}\n"
        for s in members:
            labels = ",".join(f'{k}="{_escape(v)}"' for k, v in sorted(s.labels.items()))
            head = f"{s.name}{{{labels}}} " if labels else f"{s.name} "
            for ts, value in s.samples:
                stamp = str(int(ts)) if float(ts).is_integer() else repr(float(ts))
                yield f"{head}{_fmt_value(value)} {stamp}\n"
    yield "# EOF\n"


def write_openmetrics(path: Path, series: Iterable[PromSeries]) -> Path:
    with path.open("w", encoding="utf-8") as f:
        f.writelines(openmetrics_lines(series))
    return path


def create_blocks(
    openmetrics_path: Path,
    data_dir: Path,
    promtool: str = "promtool",
    max_block_duration: str | None = None,
) -> None:
    """``promtool tsdb create-blocks-from openmetrics``.

    promtool reads its whole input once per block it writes (2 hours by default): for
    days of data pass a longer ``max_block_duration`` such as ``"744h"``.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    longer = [f"--max-block-duration={max_block_duration}"] if max_block_duration else []
    done = subprocess.run(
        [
            promtool,
            "tsdb",
            "create-blocks-from",
            *longer,
            "openmetrics",
            "-q",
            str(openmetrics_path),
            str(data_dir),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"promtool failed: {done.stderr.strip() or done.stdout.strip()}")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_prometheus(
    workdir: Path,
    series: Iterable[PromSeries] = (),
    *,
    openmetrics_file: Path | None = None,
    web_config: dict[str, object] | None = None,
    config_extra: str = "",
    extra_args: Sequence[str] = (),
    scheme: str = "http",
    ready_auth: tuple[str, str] | None = None,
    max_block_duration: str | None = "744h",
    prometheus: str = "prometheus",
    promtool: str = "promtool",
) -> RunningPrometheus:
    """Backfill ``series`` (or an OpenMetrics file) into a fresh TSDB and serve it.

    ``web_config`` is written as the ``--web.config.file`` (TLS, basic auth); pass
    ``scheme="https"`` with TLS and ``ready_auth`` with basic auth so the readiness probe
    gets through.  The caller must ``stop()`` the server.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    data_dir = workdir / "data"
    om = openmetrics_file or write_openmetrics(workdir / "input.om", series)
    create_blocks(om, data_dir, promtool, max_block_duration)
    config = workdir / "prometheus.yml"
    config.write_text(
        "global:\n  scrape_interval: 1h\n  evaluation_interval: 1h\nscrape_configs: []\n"
        + config_extra,
        encoding="utf-8",
    )
    args = [
        prometheus,
        f"--config.file={config}",
        f"--storage.tsdb.path={data_dir}",
        # Retention counts back from the newest block, so fixed past timestamps survive.
        "--storage.tsdb.retention.time=100y",
        "--log.level=warn",
        *extra_args,
    ]
    if web_config is not None:
        web = workdir / "web.yml"
        # JSON is YAML: no YAML writer needed.
        web.write_text(json.dumps(web_config), encoding="utf-8")
        args.append(f"--web.config.file={web}")
    log_path = workdir / "prometheus.log"
    for _ in range(5):  # a port taken between free_port() and bind() is retried
        port = free_port()
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [*args, f"--web.listen-address=127.0.0.1:{port}"],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        running = RunningPrometheus(
            f"{scheme}://127.0.0.1:{port}", port, data_dir, process, log_path
        )
        if _wait_ready(running, ready_auth):
            return running
        running.stop()
        if "address already in use" not in log_path.read_text(errors="replace"):
            break
    raise RuntimeError(f"prometheus did not become ready:\n{log_path.read_text()[-2000:]}")


def _wait_ready(running: RunningPrometheus, auth: tuple[str, str] | None) -> bool:
    deadline = time.monotonic() + READY_TIMEOUT_S
    with httpx.Client(verify=False, auth=auth, timeout=2.0) as http:
        while time.monotonic() < deadline:
            if running.process.poll() is not None:
                return False
            with contextlib.suppress(httpx.HTTPError):
                if http.get(f"{running.url}/-/ready").status_code == 200:
                    return True
            time.sleep(0.05)
    return False


StartPrometheus = Callable[..., RunningPrometheus]


@pytest.fixture(scope="session")
def prometheus_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StartPrometheus]:
    """Start real Prometheus servers (see :func:`start_prometheus`); all stop at session end."""
    prometheus = require_binary("prometheus", "apt install prometheus")
    promtool = require_binary("promtool", "apt install prometheus")
    started: list[RunningPrometheus] = []

    def start(series: Iterable[PromSeries] = (), **kwargs: object) -> RunningPrometheus:
        workdir = tmp_path_factory.mktemp("prometheus")
        running = start_prometheus(
            workdir,
            series,
            prometheus=prometheus,
            promtool=promtool,
            **kwargs,  # type: ignore[arg-type]
        )
        started.append(running)
        return running

    yield start
    for running in started:
        running.stop()
