"""Explanations: derivations step by step (en/ja), answer checking, alternative forms.

* :func:`derivation` — the rule tree of d(expr)/d(var), rendered with
  ``.render(lang="en"|"ja", format="text"|"markdown"|"latex"|"mathml"|"json")``;
  :func:`derivations` explains a higher derivative as y, then y′, …;
* :func:`check_answer` — is a learner's answer the derivative? with a counterexample
  and a diagnosis of the usual mistakes;
* :func:`equal` / :func:`compare` — are two expressions the same function?
* :func:`forms` — equivalent forms of a derivative (textbook, expanded, factored, …).
"""

from bibun.explain.check import CheckResult, check_answer
from bibun.explain.derivation import Derivation, Note, Step, derivation, derivations
from bibun.explain.equality import Comparison, compare, equal
from bibun.explain.forms import Form, forms
from bibun.explain.mistakes import Diagnosis
from bibun.expr.parse import parse_any, parse_latex
from bibun.i18n import default_lang

__all__ = [
    "CheckResult", "Comparison", "Derivation", "Diagnosis", "Form", "Note", "Step",
    "check_answer", "compare", "default_lang", "derivation", "derivations", "equal", "forms",
    "parse_any",
    "parse_latex",
]
