"""The SLI menu: the kinds of SLI a journey can have, with templates to start from.

After the SRE Workbook's "SLI menu": request-driven services measure availability, latency
and quality; pipelines freshness, correctness and coverage; storage durability; and some
systems throughput.  Each entry has a plain-language specification to start the
conversation from, query templates for the implementation (PromQL good/total, NRQL, or a
threshold query) and the failure modes such an implementation typically misses, so the
room discusses them before agreeing.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    REQUEST = "request", _("Request-driven")
    PIPELINE = "pipeline", _("Pipeline")
    STORAGE = "storage", _("Storage")
    THROUGHPUT = "throughput", _("Throughput")


class SliType(models.TextChoices):
    AVAILABILITY = "availability", _("Availability")
    LATENCY = "latency", _("Latency")
    QUALITY = "quality", _("Quality")
    FRESHNESS = "freshness", _("Freshness")
    CORRECTNESS = "correctness", _("Correctness")
    COVERAGE = "coverage", _("Coverage")
    DURABILITY = "durability", _("Durability")
    THROUGHPUT = "throughput", _("Throughput")


@dataclass(frozen=True)
class Template:
    """A starting point for one SLI type; ``{service}`` is replaced by the product's name."""

    category: str
    question: Promise
    specification: Promise
    kind: str  # "ratio" or "threshold"
    promql_good: str = ""
    promql_total: str = ""
    promql_threshold: str = ""
    nrql_good: str = ""
    nrql_total: str = ""
    nrql_threshold: str = ""
    op: str = ""
    value: float | None = None
    misses: Promise | str = ""


TEMPLATES: dict[str, Template] = {
    SliType.AVAILABILITY: Template(
        Category.REQUEST,
        _("Could the user do what they came for?"),
        _("The proportion of valid requests served successfully."),
        "ratio",
        promql_good='sum(http_requests_total{{service="{service}",code!~"5.."}})',
        promql_total='sum(http_requests_total{{service="{service}"}})',
        nrql_good=(
            "SELECT count(*) FROM Transaction WHERE appName = '{service}' AND error IS FALSE"
        ),
        nrql_total="SELECT count(*) FROM Transaction WHERE appName = '{service}'",
        misses=_(
            "Requests that never reach the server (DNS, network, a load balancer that is "
            "down); errors answered with a 200 status; pages that load but show nothing."
        ),
    ),
    SliType.LATENCY: Template(
        Category.REQUEST,
        _("Was it fast enough?"),
        _("The proportion of valid requests served faster than a threshold."),
        "ratio",
        promql_good=('sum(http_request_duration_seconds_bucket{{service="{service}",le="0.3"}})'),
        promql_total='sum(http_request_duration_seconds_count{{service="{service}"}})',
        nrql_good=(
            "SELECT count(*) FROM Transaction WHERE appName = '{service}' AND duration < 0.3"
        ),
        nrql_total="SELECT count(*) FROM Transaction WHERE appName = '{service}'",
        misses=_(
            "Time spent in the browser or the mobile network; slow requests that time out "
            "and are counted as errors instead; queueing before the server starts the clock."
        ),
    ),
    SliType.QUALITY: Template(
        Category.REQUEST,
        _("Was the answer complete, or degraded?"),
        _("The proportion of valid requests served without degrading the answer."),
        "ratio",
        promql_good='sum(responses_total{{service="{service}",degraded="false"}})',
        promql_total='sum(responses_total{{service="{service}"}})',
        nrql_good=(
            "SELECT count(*) FROM Transaction WHERE appName = '{service}' AND degraded IS FALSE"
        ),
        nrql_total="SELECT count(*) FROM Transaction WHERE appName = '{service}'",
        misses=_(
            "Degradations the code does not mark (a fallback nobody labelled); "
            "partial answers that look complete."
        ),
    ),
    SliType.FRESHNESS: Template(
        Category.PIPELINE,
        _("Is the data recent enough?"),
        _("The proportion of the time the data shown is updated within a threshold."),
        "threshold",
        promql_threshold='time() - max(pipeline_last_success_timestamp_seconds{{job="{service}"}})',
        nrql_threshold=(
            "SELECT latest(ageSeconds) FROM PipelineStatus WHERE pipeline = '{service}'"
        ),
        op="lt",
        value=3600.0,
        misses=_(
            "A pipeline that succeeds on stale input; a consumer that reads an old copy; "
            "data that is fresh for some records and not for others."
        ),
    ),
    SliType.CORRECTNESS: Template(
        Category.PIPELINE,
        _("Is the output right?"),
        _("The proportion of records processed that produce correct output."),
        "ratio",
        promql_good='sum(pipeline_records_valid_total{{job="{service}"}})',
        promql_total='sum(pipeline_records_checked_total{{job="{service}"}})',
        nrql_good=(
            "SELECT count(*) FROM RecordCheck WHERE pipeline = '{service}' AND valid IS TRUE"
        ),
        nrql_total="SELECT count(*) FROM RecordCheck WHERE pipeline = '{service}'",
        misses=_(
            "Errors the validation does not know to look for; records that were never "
            "checked (the check only samples)."
        ),
    ),
    SliType.COVERAGE: Template(
        Category.PIPELINE,
        _("Was everything processed?"),
        _("The proportion of valid input records processed successfully."),
        "ratio",
        promql_good='sum(pipeline_records_processed_total{{job="{service}"}})',
        promql_total='sum(pipeline_records_received_total{{job="{service}"}})',
        nrql_good=(
            "SELECT count(*) FROM PipelineRecord WHERE pipeline = '{service}' AND processed IS TRUE"
        ),
        nrql_total="SELECT count(*) FROM PipelineRecord WHERE pipeline = '{service}'",
        misses=_("Input that never arrived, so it was never counted as received."),
    ),
    SliType.DURABILITY: Template(
        Category.STORAGE,
        _("Can what was written be read back?"),
        _("The proportion of records written that can be successfully read."),
        "ratio",
        promql_good='sum(storage_probe_reads_ok_total{{service="{service}"}})',
        promql_total='sum(storage_probe_reads_total{{service="{service}"}})',
        nrql_good=(
            "SELECT count(*) FROM SyntheticCheck WHERE monitorName = '{service}' "
            "AND result = 'SUCCESS'"
        ),
        nrql_total="SELECT count(*) FROM SyntheticCheck WHERE monitorName = '{service}'",
        misses=_(
            "Loss found only on restore; probes that read recent data while old data rots; "
            "backups never tested."
        ),
    ),
    SliType.THROUGHPUT: Template(
        Category.THROUGHPUT,
        _("Did enough get done per unit of time?"),
        _("The proportion of the time the processing rate is above a threshold."),
        "threshold",
        promql_threshold='sum(rate(jobs_completed_total{{service="{service}"}}[5m]))',
        nrql_threshold="SELECT rate(count(*), 1 minute) FROM JobCompleted WHERE app = '{service}'",
        op="gte",
        value=100.0,
        misses=_("Low demand looks like low throughput; work done twice counts twice."),
    ),
}


def template_for(sli_type: str) -> Template:
    return TEMPLATES[sli_type]


def fill(text: str, service: str) -> str:
    """A template with the product's name in it (braces in queries are doubled)."""
    return text.format(service=service) if text else ""


def queries_for(sli_type: str, source: str, service: str) -> dict[str, str]:
    """The query templates of one SLI type for one data source, filled in."""
    t = TEMPLATES[sli_type]
    if source == "prometheus":
        good, total, threshold = t.promql_good, t.promql_total, t.promql_threshold
    elif source == "newrelic":
        good, total, threshold = t.nrql_good, t.nrql_total, t.nrql_threshold
    else:
        good = total = threshold = ""
    return {
        "good_query": fill(good, service),
        "total_query": fill(total, service),
        "threshold_query": fill(threshold, service),
    }
