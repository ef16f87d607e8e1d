"""Coverage-guided fuzzing with atheris (libFuzzer) of what reads untrusted bytes.

    python -m tests.fuzz.atheris_targets TARGET [libFuzzer flags] [corpus dirs]

TARGET is ``specs`` (the spec loader), ``csv`` (the bucket CSV reader) or ``push`` (the
push API's body checks, without Django).  A target raises only when the code under test
breaks its contract: an exception other than the documented error, or a problem without a
position or message.  libFuzzer then stops, writes the input to ``<artifact_prefix>crash-…``
and exits non-zero.  ``-runs=N`` or ``-max_total_time=S`` bound a run; the seeds of each
target are written to a corpus directory when none is given.
"""

from __future__ import annotations

import json
import math
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import atheris

with atheris.instrument_imports(include=["ekkyo"]):
    from ekkyo.series import codec, push
    from ekkyo.series.objectives import layout_of
    from ekkyo.sources.csvfile import CsvError, parse_bucket_csv_bytes
    from ekkyo.specs import load_text

ROOT = Path(__file__).resolve().parents[2]
T0 = 1_714_521_600


def fuzz_specs(data: bytes) -> None:
    text = atheris.FuzzedDataProvider(data).ConsumeUnicodeNoSurrogates(len(data))
    result = load_text(text, "fuzz.yaml")
    for p in result.problems:
        if p.line < 1 or p.col < 1 or not p.message.strip() or "\n" in p.message:
            raise AssertionError(f"not a clear problem: {p!r}")


def fuzz_csv(data: bytes) -> None:
    try:
        parsed = parse_bucket_csv_bytes(data, "fuzz.csv", known_slos=["checkout", "search"])
    except CsvError:
        return
    for buckets in parsed.by_slo.values():
        if len(buckets.t) and (buckets.t % 60 != 0).any():
            raise AssertionError("a bucket off the minute was accepted")


def _targets() -> dict[str, push.SloTarget]:
    ratio = {
        "spec": {
            "indicator": {"spec": {"ratioMetric": {"good": {}, "total": {}}}},
            "objectives": [{"displayName": "main", "target": 0.99}],
        }
    }
    threshold = {
        "spec": {
            "indicator": {"spec": {"thresholdMetric": {}}},
            "objectives": [{"displayName": "fast", "op": "lt", "value": 300, "target": 0.9}],
        }
    }
    return {
        "checkout": push.SloTarget(1, "checkout", 1, layout_of(ratio)),
        "latency": push.SloTarget(2, "latency", 1, layout_of(threshold)),
    }


TARGETS = _targets()


def fuzz_push(data: bytes) -> None:
    try:
        body = json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return  # the view answers 400 for these
    try:
        _key, items = push.check_envelope(body)
        cols = push.build_columns(items, TARGETS, now_s=T0 + 86_400)
    except (push.PushInvalid, push.PushTooLarge):
        return
    back = codec.decode_payload(codec.compress_payload(codec.encode_columns(cols)))
    if back.t.tolist() != cols.t.tolist() or back.series != cols.series:
        raise AssertionError("a payload does not read back as written")
    for x in (*cols.good.tolist(), *cols.total.tolist()):
        if not math.isnan(x) and not 0 <= x <= codec.MAX_COUNT:
            raise AssertionError(f"an accepted count out of range: {x}")


def _seeds(target: str) -> list[bytes]:
    if target == "specs":
        files = sorted((ROOT / "examples").rglob("*.yaml"))
        return [p.read_bytes() for p in files]
    if target == "csv":
        return [
            b"timestamp,slo,good,total\n2024-05-01T00:00:00Z,checkout,9,10\n",
            b"timestamp,slo,value\n1714521600,search,120.5\n1714521660,search,\n",
        ]
    good = {"slo": "checkout", "t": T0, "good": 9, "total": 10}
    return [
        json.dumps({"buckets": [good]}).encode(),
        json.dumps(
            {
                "idempotency_key": "k",
                "buckets": [{"slo": "latency", "t": "2024-05-01T00:01:00Z", "value": 1.5}],
            }
        ).encode(),
    ]


FUZZERS: dict[str, Callable[[bytes], Any]] = {
    "specs": fuzz_specs,
    "csv": fuzz_csv,
    "push": fuzz_push,
}


def main(argv: list[str]) -> None:
    if len(argv) < 2 or argv[1] not in FUZZERS:
        sys.exit(f"usage: python -m tests.fuzz.atheris_targets {{{','.join(FUZZERS)}}} [flags]")
    target = argv[1]
    args = [argv[0], *argv[2:]]
    if not any(not a.startswith("-") for a in args[1:]):
        corpus = Path(tempfile.mkdtemp(prefix=f"ekkyo-fuzz-{target}-"))
        for i, seed in enumerate(_seeds(target)):
            (corpus / f"seed-{i}").write_bytes(seed)
        args.append(str(corpus))
    atheris.Setup(args, FUZZERS[target])
    atheris.Fuzz()


if __name__ == "__main__":
    main(sys.argv)
