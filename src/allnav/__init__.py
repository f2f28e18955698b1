"""ALL Navigator: decision support for relapsed or refractory adult ALL.

The public API is small: read facts, load the pathway, assess.

>>> from allnav import assess, load_pathway, read_facts
"""

from allnav.assessment import Assessment, OptionResult, Reason
from allnav.engine import assess
from allnav.facts import Facts, Symptoms
from allnav.facts_reader import read_facts
from allnav.pathway import OPTION_IDS, Pathway, load_pathway
from allnav.problems import AllnavError, InputError, KnowledgeError, Problem

__version__ = "0.1.0"

__all__ = [
    "OPTION_IDS",
    "AllnavError",
    "Assessment",
    "Facts",
    "InputError",
    "KnowledgeError",
    "OptionResult",
    "Pathway",
    "Problem",
    "Reason",
    "Symptoms",
    "__version__",
    "assess",
    "load_pathway",
    "read_facts",
]
