"""Renderers: turn an :class:`~allnav.assessment.Assessment` into text, Markdown or JSON.

They only read results; nothing here evaluates criteria.
"""

DISCLAIMER = (
    "ALL Navigator supports decisions; it does not make them, and it does not dose drugs. "
    "Talk with your care team before any change."
)
