"""The public API is exactly what ``allnav.__all__`` says (as in httpx's test of the same name)."""

from __future__ import annotations

import inspect

import allnav


def test_all_is_complete_and_importable() -> None:
    # Submodules become attributes once imported anywhere; they are not the API list.
    exported = {name for name, value in vars(allnav).items()
                if not name.startswith("_") and not inspect.ismodule(value)}
    assert exported == set(allnav.__all__) - {"__version__"}
    for name in allnav.__all__:
        assert getattr(allnav, name) is not None
