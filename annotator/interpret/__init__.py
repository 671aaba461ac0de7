"""Give each match its role in this sample's context; every clinical rule comes from the knowledgebase.

- :mod:`~annotator.interpret.roles`: :func:`interpret`, the role and statement of each match;
- :mod:`~annotator.interpret.drivers`: the primary driver(s), stated or in plasma, and their flags;
- :mod:`~annotator.interpret.prior`: prior therapy, and whether a knowledgebase condition on it holds.

Options (regimens) and trials are chosen from these findings in :mod:`annotator.options`.
"""

from annotator.interpret.drivers import MechanismInContext, StatedDriver, parse_stated_driver
from annotator.interpret.prior import (
    PriorTherapies,
    condition_holds,
    context_applies_after,
    drug_label,
    is_systemic,
    latest_for,
    resolve_prior_therapies,
)
from annotator.interpret.roles import RESISTANCE_ROLES, Finding, Interpretation, caller_verdict, interpret

__all__ = [
    "RESISTANCE_ROLES", "Finding", "Interpretation", "MechanismInContext", "PriorTherapies", "StatedDriver",
    "caller_verdict", "condition_holds", "context_applies_after", "drug_label", "interpret", "is_systemic",
    "latest_for", "parse_stated_driver", "resolve_prior_therapies",
]
