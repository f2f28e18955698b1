"""Honest odds: the published numbers behind each option, for one patient.

The public API (docs/odds.md):

>>> from allnav.odds import load_odds_config, odds_report, odds_for_patient

- :func:`odds_report` / :func:`odds_for_patient` (``report``): selection and matching;
- :func:`load_odds_config` (``config``): ``knowledge/odds.yaml``, validated;
- ``numbers``: each published outcome as figures with intervals and cautions;
- ``match``: the patient's salvage line and how they differ from the people studied;
- ``words``: natural frequencies, uncertainty sentences, icon-array counts.

Everything here is pure (no I/O, no clock) apart from loading the YAML file.
"""

from allnav.odds.config import OddsConfig, load_odds_config
from allnav.odds.numbers import Caution, OutcomeNumbers, outcome_numbers
from allnav.odds.report import (
    NotShown,
    OddsReport,
    OptionOdds,
    ShownOutcome,
    SourceRef,
    StatementView,
    odds_for_patient,
    odds_report,
)
from allnav.odds.words import IconArray, Segment, SourcedSentence

__all__ = [
    "Caution",
    "IconArray",
    "NotShown",
    "OddsConfig",
    "OddsReport",
    "OptionOdds",
    "OutcomeNumbers",
    "Segment",
    "ShownOutcome",
    "SourceRef",
    "SourcedSentence",
    "StatementView",
    "load_odds_config",
    "odds_for_patient",
    "odds_report",
    "outcome_numbers",
]
