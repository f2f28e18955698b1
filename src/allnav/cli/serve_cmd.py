"""``allnav serve``: the web app (CDS Hooks, JSON API, web pages) under uvicorn."""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import socket
import sys
import tempfile

import typer

from allnav.cli._app import app


def _is_loopback(host: str) -> bool:
    """Whether every address ``host`` names is a loopback address.

    A name (``localhost`` included) is resolved, as uvicorn will resolve it to listen: a hosts
    file or resolver may map ``localhost`` to a routable address (issue 17).
    """
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    try:
        found = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return False
    addresses = {info[4][0] for info in found}
    return bool(addresses) and all(ipaddress.ip_address(str(a).split("%")[0]).is_loopback
                                   for a in addresses)


def _server_options() -> dict[str, object]:
    """What every ``uvicorn.run`` of ``serve`` gets: the guarded HTTP protocol (limits on
    the request head, see allnav.web.http_server), connection and keep-alive limits."""
    from allnav.web.http_server import MAX_CONCURRENCY, GuardedHttpToolsProtocol

    return {"http": GuardedHttpToolsProtocol, "limit_concurrency": MAX_CONCURRENCY,
            "timeout_keep_alive": 5, "server_header": False, "log_level": "info"}


@app.command("serve")
def serve_command(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", help="Port to listen on.", min=1, max=65535),
    config: str | None = typer.Option(
        None, "--config", help="Config file (TOML or YAML); default $ALLNAV_CONFIG."),
    insecure_demo: bool = typer.Option(
        False, "--insecure-demo",
        help="Accept CDS Hooks calls WITHOUT verifying their JWT. Local demos only: "
        "listens on loopback only and marks every response."),
    workers: int = typer.Option(
        1, "--workers", min=1, max=16,
        help="Worker processes (they share the JWT replay cache through a private SQLite file)."),
    pin_workers: bool = typer.Option(
        False, "--pin-workers",
        help="With --workers N: keep each worker on its own CPU (for a machine that runs "
        "little else; see docs/cds-hooks.md)."),
    access_log: bool = typer.Option(
        False, "--access-log/--no-access-log",
        help="Log every HTTP request (method, path, status, client address). Off by default: "
        "the patient pages store nothing, and a visitor's address is personal data. CDS Hooks "
        "calls are logged by the app either way (issuer, jti, counts; no patient data)."),
) -> None:
    """Start the app: CDS Hooks service, JSON API (see docs/cds-hooks.md)."""
    # Imported here so that other commands do not pay for the web stack.
    import uvicorn

    from allnav.web.app import configure_logging, create_app, tune_gc_for_serving
    from allnav.web.cpu_pinning import PIN_DIR_ENV
    from allnav.web.http import DEMO_WARNING
    from allnav.web.settings import (
        CONFIG_ENV,
        DEMO_ENV,
        JTI_STORE_ENV,
        ConfigError,
        describe_problems,
        load_settings,
    )

    try:
        settings = load_settings(config)
    except ConfigError as e:
        typer.echo(f"The config file is invalid ({e.source}):", err=True)
        for line in describe_problems(e):
            typer.echo(f"  {line}", err=True)
        raise typer.Exit(2) from None
    if insecure_demo:
        if not _is_loopback(host):
            typer.echo("--insecure-demo listens on a loopback address only (e.g. 127.0.0.1)",
                       err=True)
            raise typer.Exit(2)
        settings = dataclasses.replace(settings, insecure_demo=True, fhir_allow_http=True)
        bar = "!" * 78
        typer.echo(f"{bar}\n!! WARNING: {DEMO_WARNING}\n{bar}", err=True)
    elif not settings.issuers:
        typer.echo("warning: no trusted EHR issuers are configured; every CDS Hooks call "
                   f"will get 401 (give --config or set ${CONFIG_ENV})", err=True)
    configure_logging()
    if workers == 1:
        if pin_workers:
            typer.echo("--pin-workers has no effect with one worker", err=True)
        web_app = create_app(settings)  # fails here, before listening, on bad knowledge
        tune_gc_for_serving()
        uvicorn.run(web_app, host=host, port=port, access_log=access_log,
                    **_server_options())  # type: ignore[arg-type]
        sys.exit(0)
    create_app(settings)  # check the knowledge once before starting the workers
    with tempfile.TemporaryDirectory(prefix="allnav-") as private:  # mode 0700
        if config:
            os.environ[CONFIG_ENV] = os.path.abspath(config)
        os.environ[DEMO_ENV] = "1" if insecure_demo else "0"
        os.environ[JTI_STORE_ENV] = os.path.join(private, "jti.sqlite3")
        if pin_workers:
            os.environ[PIN_DIR_ENV] = private
        uvicorn.run("allnav.web.app:app_from_environment", factory=True, workers=workers,
                    host=host, port=port, access_log=access_log,
                    **_server_options())  # type: ignore[arg-type]
    sys.exit(0)
