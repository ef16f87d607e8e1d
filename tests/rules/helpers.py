"""Spec texts for rules tests, built inline from a few parameters."""

from __future__ import annotations

import textwrap

from ekkyo.specs import LoadResult, load_text


def openslo(
    name: str = "checkout-availability",
    service: str = "checkout",
    *,
    bad: str | None = 'http_requests_total{job="checkout",code=~"5.."}',
    good: str | None = None,
    total: str = 'http_requests_total{job="checkout"}',
    counter: bool = True,
    target: float = 0.999,
    window: str = "30d",
    labels: str = "",
    source: str = "Prometheus",
    key: str = "query",
    extra_spec: str = "",
) -> str:
    side = ("bad", bad) if bad is not None else ("good", good)
    return textwrap.dedent(
        f"""\
        apiVersion: openslo/v1
        kind: Service
        metadata: {{name: {service}}}
        ---
        apiVersion: openslo/v1
        kind: SLO
        metadata:
          name: {name}
          labels: {{{labels}}}
        spec:
          service: {service}
          budgetingMethod: Occurrences
          timeWindow: [{{duration: {window}, isRolling: true}}]
          objectives: [{{target: {target}}}]
          indicator:
            metadata: {{name: {name}-sli}}
            spec:
              ratioMetric:
                counter: {str(counter).lower()}
                {side[0]}:
                  metricSource:
                    type: {source}
                    spec: {{{key}: '{side[1]}'}}
                total:
                  metricSource:
                    type: {source}
                    spec: {{{key}: '{total}'}}
        """
    ) + textwrap.indent(textwrap.dedent(extra_spec), "  ")


SLOTH = textwrap.dedent(
    """\
    version: "prometheus/v1"
    service: "myservice"
    labels:
      owner: "myteam"
      tier: "2"
    slos:
      - name: "requests-availability"
        objective: 99.9
        labels:
          category: availability
        sli:
          events:
            error_query: >-
              sum(rate(http_request_duration_seconds_count{job="myservice",code=~"(5..|429)"}[{{.window}}]))
            total_query: >-
              sum(rate(http_request_duration_seconds_count{job="myservice"}[{{.window}}]))
        alerting:
          name: MyServiceHighErrorRate
          labels:
            category: "availability"
          annotations:
            summary: "High error rate on 'myservice' requests responses"
          page_alert:
            labels:
              severity: pageteam
          ticket_alert:
            labels:
              severity: "slack"
    """
)


def load(*texts: str) -> LoadResult:
    from ekkyo.specs import load_texts

    result = load_texts([(f"spec{i}.yaml", text) for i, text in enumerate(texts)])
    assert result.ok, [str(p) for p in result.problems]
    return result


__all__ = ["SLOTH", "load", "load_text", "openslo"]
