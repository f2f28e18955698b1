"""The "Save my answers" file and reading it back ("Resume from a saved file").

The file holds the form's own answers as name/value pairs and nothing else, so that opening
it again gives the same page. It is the person's to keep; the server stores nothing."""

from __future__ import annotations

import datetime as dt
import json

from allnav.web.pages.forms import Pairs, known_pairs, pairs_to_form

#: The saved-answers file: the form's own answers, nothing else, as name/value pairs.
SAVED_FORMAT = "allnav-answers"
MAX_SAVED_FILE = 200_000



def saved_file(answers: Pairs, today: dt.date) -> str:
    body = {"format": SAVED_FORMAT, "version": 1, "saved": today.isoformat(),
            "note": "Your answers to ALL Navigator. Keep this file private; open it again with "
                    "'Resume from a saved file'.",
            "answers": [list(p) for p in answers]}
    return json.dumps(body, indent=1, ensure_ascii=False)


def read_saved(raw: bytes) -> Pairs | None:
    """The answers of a saved file, or None if it is not one (wrong format, too big)."""
    if len(raw) > MAX_SAVED_FILE:
        return None
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != SAVED_FORMAT:
        return None
    pairs = data.get("answers")
    if not isinstance(pairs, list):
        return None
    out = [(str(p[0]), str(p[1])) for p in pairs if isinstance(p, list) and len(p) == 2]
    return known_pairs(pairs_to_form(out)) if "facts_text" not in dict(out) else out[:1]
