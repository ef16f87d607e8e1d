"""The demo's OpenSLO files: valid, and covering every kind of SLO that SLO_MATH.md knows."""

from __future__ import annotations

from collections import Counter

import pytest

from ekkyo.demo import DEMO_DATA_ANNOTATION, org, spec_paths
from ekkyo.demo.profiles import PROFILES
from ekkyo.specs import SLO, LoadResult, Service, load_paths


@pytest.fixture(scope="module")
def loaded() -> LoadResult:
    return load_paths(spec_paths())


def test_it_ships_one_spec_file_per_product_with_its_service(loaded: LoadResult) -> None:
    services = [o for o in loaded.objects if isinstance(o, Service)]
    assert len(spec_paths()) == 6
    assert sorted(p.stem for p in spec_paths()) == sorted(s.metadata.name for s in services)


def test_it_loads_the_specs_without_problems(loaded: LoadResult) -> None:
    assert [str(p) for p in loaded.problems] == []
    assert len(loaded.slos) == 25


def test_it_gives_every_slo_a_service_of_its_file_and_its_team(loaded: LoadResult) -> None:
    owner = {s: t.slug for t in org.TEAMS for s in t.services}
    for slo in loaded.slos:
        team = owner[slo.spec.service]
        assert slo.metadata.labels["team"] == team, slo.name
        assert slo.metadata.annotations["ekkyo.dev/owner-team"] == team, slo.name


def test_it_labels_every_service_with_the_team_that_owns_it(loaded: LoadResult) -> None:
    owner = {s: t.slug for t in org.TEAMS for s in t.services}
    services = [o for o in loaded.objects if isinstance(o, Service)]
    assert {s.metadata.name: s.metadata.labels["team"] for s in services} == owner


def test_it_has_exactly_one_slo_in_trial(loaded: LoadResult) -> None:
    trial = [s.name for s in loaded.slos if s.metadata.annotations.get("ekkyo.dev/lifecycle")]
    assert trial == ["push-notification-delivery"]
    assert (
        loaded.slos[[s.name for s in loaded.slos].index(trial[0])].metadata.annotations[
            "ekkyo.dev/lifecycle"
        ]
        == "trial"
    )


def _source_types(slo: SLO) -> set[str]:
    assert slo.indicator is not None
    return {s.type_key or "" for s in slo.indicator.spec.metric_sources()}


def test_it_marks_every_slo_with_a_pulled_source_as_fed_by_the_demo(loaded: LoadResult) -> None:
    pulled = [s for s in loaded.slos if _source_types(s) != {"push"}]
    assert {t for s in pulled for t in _source_types(s)} == {"prometheus", "newrelic"}
    assert all(s.metadata.annotations.get(DEMO_DATA_ANNOTATION) == "generated" for s in pulled)
    pushed = [s for s in loaded.slos if _source_types(s) == {"push"}]
    assert not any(DEMO_DATA_ANNOTATION in s.metadata.annotations for s in pushed)


def test_it_covers_every_kind_of_sli_budgeting_and_window(loaded: LoadResult) -> None:
    kinds: Counter[str] = Counter()
    for slo in loaded.slos:
        assert slo.indicator is not None
        spec = slo.indicator.spec
        if spec.ratio_metric is not None:
            kinds["good/total" if spec.ratio_metric.good is not None else "bad/total"] += 1
        else:
            kinds["threshold"] += 1
        kinds[slo.budgeting_method] += 1
        tw = slo.time_window
        if tw.rolling:
            kinds[f"rolling {tw.duration}"] += 1
        else:
            assert tw.calendar is not None
            kinds[f"calendar {tw.duration} {tw.calendar.time_zone}"] += 1
        kinds["several objectives"] += len(slo.objectives) > 1
    for kind in (
        "good/total",
        "bad/total",
        "threshold",
        "Occurrences",
        "Timeslices",
        "rolling 28d",
        "rolling 30d",
        "rolling 7d",
        "calendar 1M Asia/Tokyo",
        "calendar 1w Asia/Tokyo",
    ):
        assert kinds[kind] >= 2, kind
    assert kinds["RatioTimeslices"] == 1
    assert kinds["several objectives"] >= 3


def test_it_has_a_data_profile_of_the_right_kind_for_every_slo(loaded: LoadResult) -> None:
    def kind(slo: SLO) -> str:
        assert slo.indicator is not None
        return "value" if slo.indicator.spec.is_threshold else "ratio"

    assert {p.slo: p.kind for p in PROFILES} == {s.name: kind(s) for s in loaded.slos}
