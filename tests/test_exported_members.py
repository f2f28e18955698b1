"""The public API is exactly what ``allnav.__all__`` says (as in httpx's test of the same name)."""

from __future__ import annotations

import allnav


def test_all_is_complete_and_importable() -> None:
    exported = {name for name in dir(allnav) if not name.startswith("_") and name not in {
        # submodules are reachable as attributes once imported; they are not the API list.
        "assessment", "criteria", "engine", "evidence", "facts", "facts_reader", "pathway",
        "problems", "schema", "units", "care", "odds", "stats", "render", "cli", "trials",
        "interop", "web",
    }}
    assert exported == set(allnav.__all__) - {"__version__"}
    for name in allnav.__all__:
        assert getattr(allnav, name) is not None
