"""Reading New Relic settings from OpenSLO documents given as plain dicts."""

from __future__ import annotations

import pytest

from ekkyo.sources.errors import SourceConfigError
from ekkyo.sources.newrelic import client_for
from ekkyo.sources.newrelic_settings import (
    NewRelicConnection,
    RatioQueries,
    ThresholdQuery,
    read_data_source,
    read_indicator,
    read_metric_source,
    resolve_api_key,
)

TOTAL = "SELECT count(*) FROM Transaction WHERE appName = 'shop'"
BAD = "SELECT count(*) FROM Transaction WHERE appName = 'shop' AND error IS TRUE"


def _ms(nrql, ref="newrelic-prod", kind="NewRelic"):
    return {"metricSourceRef": ref, "type": kind, "spec": {"nrql": nrql}}


def _data_source(**details):
    return {
        "apiVersion": "openslo/v1",
        "kind": "DataSource",
        "metadata": {"name": "newrelic-prod"},
        "spec": {"type": "NewRelic", "connectionDetails": details},
    }


def test_it_reads_the_nrql_and_the_data_source_name():
    assert read_metric_source(_ms(TOTAL)) == (TOTAL, "newrelic-prod")


def test_it_matches_the_type_without_regard_to_case():
    assert read_metric_source(_ms(TOTAL, kind="newrelic"))[0] == TOTAL


def test_it_rejects_another_source_type_naming_the_field():
    with pytest.raises(SourceConfigError, match=r"^metricSource\.type: expected NewRelic"):
        read_metric_source(_ms(TOTAL, kind="Prometheus"))


def test_it_rejects_a_spec_query_with_a_time_range_naming_the_field():
    with pytest.raises(
        SourceConfigError, match=r"^metricSource\.spec\.nrql: remove the UNTIL clause"
    ):
        read_metric_source(_ms(TOTAL + " UNTIL 1 hour ago"))


def test_it_reads_a_bad_over_total_ratio_indicator():
    spec = {
        "ratioMetric": {
            "counter": False,
            "bad": {"metricSource": _ms(BAD)},
            "total": {"metricSource": _ms(TOTAL)},
        }
    }
    assert read_indicator(spec) == RatioQueries(
        total=TOTAL, bad=BAD, data_source_ref="newrelic-prod"
    )


def test_it_reads_a_threshold_indicator():
    p95 = "SELECT percentile(duration, 95) FROM Transaction"
    spec = {"thresholdMetric": {"metricSource": _ms(p95, ref=None)}}
    assert read_indicator(spec) == ThresholdQuery(nrql=p95, data_source_ref=None)


def test_it_names_the_ratio_part_with_a_bad_query():
    spec = {
        "ratioMetric": {
            "good": {"metricSource": _ms(BAD)},
            "total": {"metricSource": _ms(TOTAL + " LIMIT 5")},
        }
    }
    with pytest.raises(SourceConfigError, match=r"^spec\.ratioMetric\.total\.metricSource\.spec"):
        read_indicator(spec)


@pytest.mark.parametrize(
    ("ratio", "message"),
    [
        ({"total": {"metricSource": _ms(TOTAL)}}, "exactly one of good or bad"),
        ({"good": {"metricSource": _ms(BAD)}}, "total: required"),
        ({"rawType": "success", "raw": {"metricSource": _ms(TOTAL)}}, "raw: precomputed"),
        (
            {
                "good": {"metricSource": _ms(BAD, ref="a")},
                "total": {"metricSource": _ms(TOTAL, ref="b")},
            },
            "same metricSourceRef",
        ),
    ],
)
def test_it_rejects_ratio_shapes_it_cannot_pull(ratio, message):
    with pytest.raises(SourceConfigError, match=message):
        read_indicator({"ratioMetric": ratio})


def test_it_reads_a_data_source():
    doc = _data_source(accountId=1234567, region="eu", apiKeyEnv="NEW_RELIC_API_KEY")
    assert read_data_source(doc) == NewRelicConnection(
        name="newrelic-prod", account_id=1234567, region="EU", api_key_env="NEW_RELIC_API_KEY"
    )


def test_it_defaults_to_the_us_region_and_accepts_a_quoted_account_id():
    conn = read_data_source(_data_source(accountId="42", apiKeyEnv="NR_KEY"))
    assert (conn.region, conn.account_id) == ("US", 42)


@pytest.mark.parametrize(
    ("details", "field"),
    [
        ({"accountId": 1, "apiKeyEnv": "K", "apiKey": "NRAK-X"}, "connectionDetails.apiKey"),
        ({"apiKeyEnv": "K"}, "connectionDetails.accountId"),
        ({"accountId": -3, "apiKeyEnv": "K"}, "connectionDetails.accountId"),
        ({"accountId": 1}, "connectionDetails.apiKeyEnv"),
        ({"accountId": 1, "apiKeyEnv": "NOT A NAME"}, "connectionDetails.apiKeyEnv"),
        ({"accountId": 1, "apiKeyEnv": "K", "region": "APAC"}, "connectionDetails.region"),
    ],
)
def test_it_rejects_bad_connection_details_naming_the_field(details, field):
    with pytest.raises(SourceConfigError, match=rf"spec\.{field}"):
        read_data_source(_data_source(**details))


def test_it_never_echoes_a_key_put_in_yaml():
    with pytest.raises(SourceConfigError) as info:
        read_data_source(_data_source(accountId=1, apiKeyEnv="K", apiKey="NRAK-SECRET"))
    assert "NRAK-SECRET" not in str(info.value)


def test_it_reads_the_key_from_the_named_variable():
    conn = NewRelicConnection(name="nr", account_id=1, region="US", api_key_env="NR_KEY")
    assert resolve_api_key(conn, {"NR_KEY": "NRAK-ABC\n"}) == "NRAK-ABC"


def test_it_names_a_missing_variable():
    conn = NewRelicConnection(name="nr", account_id=1, region="US", api_key_env="NR_KEY")
    with pytest.raises(SourceConfigError, match=r"environment variable NR_KEY \(.*\) is not set"):
        resolve_api_key(conn, {"OTHER": "x"})


def test_it_builds_a_client_for_an_eu_data_source():
    doc = _data_source(accountId=99, region="EU", apiKeyEnv="NR_KEY")
    with client_for(read_data_source(doc), {"NR_KEY": "NRAK-ABC"}, max_retries=1) as client:
        assert (client.endpoint, client.account_id, client.max_retries) == (
            "https://api.eu.newrelic.com/graphql",
            99,
            1,
        )
        assert "NRAK-ABC" not in repr(client)
