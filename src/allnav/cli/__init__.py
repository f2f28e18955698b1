"""The ``allnav`` command line. An edge: it reads files and the clock, the core does not.

Bad input exits with code 2 and a message naming each field; a broken knowledge
file exits with 3. Neither prints a traceback.
"""

from __future__ import annotations

import sys

from rich.console import Console

from allnav.cli import (  # noqa: F401  (registers the commands)
    assess_cmd,
    care_cmd,
    evidence_cmd,
    facts_cmd,
    odds_cmd,
    pathway_cmd,
    screen_cmd,
    serve_cmd,
    synth_cmd,
    trials_cmd,
)
from allnav.cli._app import app
from allnav.problems import InputError, KnowledgeError

__all__ = ["app", "main"]


def main() -> None:
    """Entry point of the ``allnav`` script."""
    err = Console(stderr=True)
    try:
        app()
    except InputError as e:
        err.print("[bold red]The input could not be used:[/]")
        for p in e.problems:
            err.print(f"  {p.path}: {p.msg}", markup=False, highlight=False)
        sys.exit(2)
    except KnowledgeError as e:
        err.print(f"[bold red]The knowledge files are invalid[/] ({e.source}):")
        for p in e.problems:
            err.print(f"  {p.path}: {p.msg}", markup=False, highlight=False)
        sys.exit(3)
