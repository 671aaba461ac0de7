"""Therapy options and trials for one interpreted sample: what to offer, in which list, and why not.

- :mod:`~annotator.options.choose`: :func:`choose_options`, the option lists, ranked;
- :mod:`~annotator.options.rules`: the exclusion rules the knowledgebase's policy names;
- :mod:`~annotator.options.trials`: the trials open to the patient.
"""

from annotator.options.choose import (
    AlleleCondition,
    Option,
    OptionList,
    Options,
    ThresholdCheck,
    choose_options,
)
from annotator.options.rules import RULES, Rule, failed_class, policy_problems
from annotator.options.trials import TrialMatch

__all__ = [
    "RULES", "AlleleCondition", "Option", "OptionList", "Options", "Rule", "ThresholdCheck", "TrialMatch",
    "choose_options", "failed_class", "policy_problems",
]
