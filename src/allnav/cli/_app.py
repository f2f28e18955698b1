"""The Typer application objects, shared by the command modules."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="allnav",
    help="ALL Navigator: options for adults whose acute lymphoblastic leukemia did not respond "
    "or came back. It supports decisions; it does not make them.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
pathway_app = typer.Typer(help="Inspect and validate the pathway knowledge.", no_args_is_help=True)
app.add_typer(pathway_app, name="pathway")
