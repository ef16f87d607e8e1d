"""SLO specs compiled for the systems that evaluate them at scale.

Pure: no Django, no I/O.  See ``docs/rules.md``.

>>> from ekkyo.rules import compile_prometheus, render
>>> rules = compile_prometheus(result.slos, result.objects)
>>> rules.errors, rules.notes                 # CompileError(slo, loc, message), Note(slo, message)
>>> text = render(rules)                      # a Prometheus rule file in Sloth's shape
"""

from ekkyo.rules.common import CompileError, Identity, Note, Period, Target, targets_of
from ekkyo.rules.prometheus import (
    AlertMeta,
    CompiledSlo,
    Options,
    PrometheusRules,
    compile_prometheus,
    operator_documents,
    render,
    rules_document,
)

__all__ = [
    "AlertMeta",
    "CompileError",
    "CompiledSlo",
    "Identity",
    "Note",
    "Options",
    "Period",
    "PrometheusRules",
    "Target",
    "compile_prometheus",
    "operator_documents",
    "render",
    "rules_document",
    "targets_of",
]
