"""Settings of the web app, read from a TOML or YAML config file (see docs/cds-hooks.md).

The file names the EHRs (CDS Clients) that may call the CDS Hooks service: each
issuer's ``iss``, its public keys (an inline JWKS or a local file), the ``jku``
URLs that may be honoured, and optionally the tenants allowed. Everything else
has a safe default. Bad config is reported as :class:`ConfigError` with the
path of each problem, never a traceback.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tomllib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

import httpx
import yaml

from allnav.nesting import TooDeep, deeper_than, safe_load_yaml, too_deep_message
from allnav.problems import AllnavError, Loc, Problem, format_loc

#: Environment variable naming the config file when ``--config`` is not given.
CONFIG_ENV = "ALLNAV_CONFIG"
#: Set by ``allnav serve`` for its worker processes (not for users).
DEMO_ENV = "ALLNAV_INSECURE_DEMO"
JTI_STORE_ENV = "ALLNAV_JTI_STORE"

#: Fetches a JWK Set by URL (only for ``jku`` URLs an issuer allowlists).
JwksFetcher = Callable[[str], Awaitable[Mapping[str, Any]]]


class ConfigError(AllnavError):
    """The config file is unusable; ``problems`` names each place."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = tuple(problems)
        lines = "\n".join(f"  {source}: {p}" for p in problems)
        super().__init__(f"{len(problems)} problem(s) in {source}:\n{lines}")


@dataclass(frozen=True, slots=True)
class Issuer:
    """A trusted CDS Client: JWTs with this ``iss`` are verified with ``jwks``."""

    iss: str
    jwks: Mapping[str, Any]
    jku: tuple[str, ...] = ()
    tenants: tuple[str, ...] = ()


def _today() -> dt.date:
    return dt.date.today()


@dataclass(frozen=True)
class Settings:
    """Everything the app needs; :func:`load_settings` builds it from a file.

    ``fhir_transport``, ``jwks_fetcher`` and ``today`` exist for tests and
    benchmarks (an in-process FHIR server, no network, a fixed date); a config
    file cannot set them.
    """

    issuers: Mapping[str, Issuer] = field(default_factory=dict)
    #: The public base URL of the app as EHRs call it (e.g. ``https://allnav.example.org``).
    #: It is the prefix of the expected JWT ``aud`` and of card links. Required when any
    #: issuer is configured (:func:`check_serving`): the request's own URL comes from its
    #: ``Host`` header, which the caller chooses. Only the insecure demo (loopback only)
    #: falls back to the request's URL.
    base_url: str | None = None
    insecure_demo: bool = False
    #: Discovery answers without a JWT (it carries no patient data); some EHR test
    #: tools, such as the CDS Hooks sandbox, do not sign discovery calls.
    public_discovery: bool = False
    max_body_bytes: int = 5 * 1024 * 1024
    #: PDF renderer processes per server process, and PDF requests that may wait for one;
    #: more get 503 with Retry-After (the PDF never runs on the event loop).
    pdf_workers: int = 1
    pdf_queue: int = 4
    jwt_leeway_seconds: int = 30
    #: Longest accepted JWT lifetime (exp - iat); the replay cache holds jti this long.
    jwt_max_lifetime_seconds: int = 3600
    jti_cache_size: int = 100_000
    #: A SQLite file holding the replay cache, shared by several worker processes
    #: (``allnav serve --workers N`` makes one); in memory when unset.
    jti_store: str | None = None
    fhir_timeout_seconds: float = 2.0
    #: Allow plain-http FHIR servers (local testing only: the access token would travel
    #: unencrypted).
    fhir_allow_http: bool = False
    service_id: str = "allnav-rr-all"
    pathway_path: Path | None = None
    fhir_transport: httpx.AsyncBaseTransport | None = None
    jwks_fetcher: JwksFetcher | None = None
    today: Callable[[], dt.date] = _today


_TOP_KEYS = ("server", "security", "fhir", "issuers")
_SERVER_KEYS = ("base_url", "max_body_bytes", "pathway", "service_id", "pdf_workers", "pdf_queue")
_SECURITY_KEYS = ("public_discovery", "jwt_leeway_seconds", "jwt_max_lifetime_seconds",
                  "jti_cache_size")
_FHIR_KEYS = ("timeout_seconds", "allow_http")
_ISSUER_KEYS = ("iss", "jwks", "jwks_file", "jku", "tenants")


class _Reader:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def error(self, loc: Loc, msg: str) -> None:
        self.problems.append(Problem("config", loc, msg))

    def table(self, data: object, loc: Loc, allowed: tuple[str, ...]) -> Mapping[str, Any]:
        if data is None:
            return {}
        if not isinstance(data, Mapping):
            self.error(loc, "must be a table of key = value pairs")
            return {}
        for key in data:
            if key not in allowed:
                self.error((*loc, str(key)), f"unknown key; allowed: {', '.join(allowed)}")
        return data

    def number(self, m: Mapping[str, Any], key: str, loc: Loc, default: float,
               minimum: float, maximum: float) -> float:
        v = m.get(key, default)
        if isinstance(v, bool) or not isinstance(v, int | float) or not minimum <= v <= maximum:
            self.error((*loc, key), f"must be a number from {minimum:g} to {maximum:g}")
            return default
        return float(v)

    def flag(self, m: Mapping[str, Any], key: str, loc: Loc) -> bool:
        v = m.get(key, False)
        if not isinstance(v, bool):
            self.error((*loc, key), "must be true or false")
            return False
        return v

    def texts(self, m: Mapping[str, Any], key: str, loc: Loc) -> tuple[str, ...]:
        v = m.get(key, [])
        if isinstance(v, str):
            v = [v]
        if not isinstance(v, list) or not all(isinstance(x, str) and x for x in v):
            self.error((*loc, key), "must be a list of text values")
            return ()
        return tuple(v)


def _check_url(r: _Reader, url: object, loc: Loc, *, https_only: bool) -> str | None:
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        r.error(loc, "must be an absolute http(s) URL")
        return None
    if https_only and not url.startswith("https://"):
        r.error(loc, "must be an https URL")
        return None
    return url


def _jwks(r: _Reader, m: Mapping[str, Any], loc: Loc, base_dir: Path) -> Mapping[str, Any]:
    inline, path = m.get("jwks"), m.get("jwks_file")
    if (inline is None) == (path is None):
        r.error(loc, "give exactly one of 'jwks' (inline JWK Set) or 'jwks_file' (a local path)")
        return {"keys": []}
    if path is not None:
        if not isinstance(path, str):
            r.error((*loc, "jwks_file"), "must be a file path")
            return {"keys": []}
        p = Path(path) if Path(path).is_absolute() else base_dir / path
        try:
            inline = json.loads(p.read_text(encoding="utf-8"))
        except OSError as e:
            r.error((*loc, "jwks_file"), f"cannot read {p}: {e.strerror}")
            return {"keys": []}
        except ValueError:
            r.error((*loc, "jwks_file"), f"{p} is not JSON")
            return {"keys": []}
    where = (*loc, "jwks_file" if path is not None else "jwks")
    keys = inline.get("keys") if isinstance(inline, Mapping) else None
    if not isinstance(keys, list) or not keys:
        r.error(where, "must be a JWK Set: an object with a non-empty 'keys' list")
        return {"keys": []}
    for i, k in enumerate(keys):
        if not isinstance(k, Mapping) or not isinstance(k.get("kid"), str):
            r.error((*where, "keys", i), "each key needs a 'kid'")
        elif "d" in k or "p" in k:
            r.error((*where, "keys", i), "is a private key; give only the public key")
    return {"keys": list(keys)}


def parse_settings(data: object, *, base_dir: Path, source: str = "config") -> Settings:
    """Build :class:`Settings` from parsed config data; raises :class:`ConfigError`."""
    r = _Reader()
    root = r.table(data, (), _TOP_KEYS)
    server = r.table(root.get("server"), ("server",), _SERVER_KEYS)
    security = r.table(root.get("security"), ("security",), _SECURITY_KEYS)
    fhir = r.table(root.get("fhir"), ("fhir",), _FHIR_KEYS)
    base_url = server.get("base_url")
    if base_url is not None:
        base_url = _check_url(r, base_url, ("server", "base_url"), https_only=False)
    pathway = server.get("pathway")
    pathway_path = None
    if pathway is not None:
        if isinstance(pathway, str):
            pathway_path = Path(pathway) if Path(pathway).is_absolute() else base_dir / pathway
        else:
            r.error(("server", "pathway"), "must be a file path")
    service_id = server.get("service_id", "allnav-rr-all")
    if not isinstance(service_id, str) or not service_id.replace("-", "").isalnum():
        r.error(("server", "service_id"), "must be letters, digits and dashes")
        service_id = "allnav-rr-all"
    issuers: dict[str, Issuer] = {}
    raw_issuers = root.get("issuers") or []
    if not isinstance(raw_issuers, list):
        r.error(("issuers",), "must be a list of issuer tables ([[issuers]] in TOML)")
        raw_issuers = []
    for i, node in enumerate(raw_issuers):
        loc: Loc = ("issuers", i)
        m = r.table(node, loc, _ISSUER_KEYS)
        iss = m.get("iss")
        if not isinstance(iss, str) or not iss:
            r.error((*loc, "iss"), "must be the issuer's URI, as in the JWT 'iss' claim")
            continue
        if iss in issuers:
            r.error((*loc, "iss"), f"duplicate issuer '{iss}'")
        jku = r.texts(m, "jku", loc)
        for j, url in enumerate(jku):
            _check_url(r, url, (*loc, "jku", j), https_only=True)
        issuers[iss] = Issuer(iss, _jwks(r, m, loc, base_dir), jku, r.texts(m, "tenants", loc))
    settings = Settings(
        issuers=MappingProxyType(issuers),
        base_url=base_url.rstrip("/") if isinstance(base_url, str) else None,
        public_discovery=r.flag(security, "public_discovery", ("security",)),
        max_body_bytes=int(r.number(server, "max_body_bytes", ("server",), 5 * 1024 * 1024,
                                    1024, 100 * 1024 * 1024)),
        jwt_leeway_seconds=int(r.number(security, "jwt_leeway_seconds", ("security",), 30,
                                        0, 300)),
        jwt_max_lifetime_seconds=int(r.number(
            security, "jwt_max_lifetime_seconds", ("security",), 3600, 1, 86400)),
        jti_cache_size=int(r.number(security, "jti_cache_size", ("security",), 100_000,
                                    100, 10_000_000)),
        pdf_workers=int(r.number(server, "pdf_workers", ("server",), 1, 1, 8)),
        pdf_queue=int(r.number(server, "pdf_queue", ("server",), 4, 0, 100)),
        fhir_timeout_seconds=r.number(fhir, "timeout_seconds", ("fhir",), 2.0, 0.1, 30),
        fhir_allow_http=r.flag(fhir, "allow_http", ("fhir",)),
        service_id=service_id,
        pathway_path=pathway_path,
    )
    if settings.issuers and settings.base_url is None:
        r.error(("server", "base_url"), BASE_URL_REQUIRED)
    if r.problems:
        raise ConfigError(source, r.problems)
    return settings


BASE_URL_REQUIRED = (
    "is required when issuers are configured: it is the JWT audience and the start of card "
    "links, and without it both would follow the request's Host header, which any caller "
    "can set (e.g. base_url = \"https://allnav.example.org\")")


def check_serving(settings: Settings, source: str = "settings") -> None:
    """Raise :class:`ConfigError` when ``settings`` cannot be served safely.

    ``parse_settings`` already refuses such a file; this also covers settings built in code.
    """
    if settings.issuers and not settings.base_url and not settings.insecure_demo:
        raise ConfigError(source, [Problem("config", ("server", "base_url"), BASE_URL_REQUIRED)])


def load_settings(path: Path | str | None = None) -> Settings:
    """Settings from ``path``, else from ``$ALLNAV_CONFIG``, else the defaults (no issuers)."""
    if path is None:
        path = os.environ.get(CONFIG_ENV) or None
    if path is None:
        return Settings()
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as e:
        raise ConfigError(p.name, [Problem("config", (), f"cannot read {p}: {e.strerror}")]) from None
    too_deep = ConfigError(p.name, [Problem("nesting", (), too_deep_message("the file"))])
    try:
        data: object = (tomllib.loads(text) if p.suffix.lower() == ".toml"
                        else safe_load_yaml(text))
    except (TooDeep, RecursionError):  # tomllib stops by itself at about 1,000 levels
        raise too_deep from None
    except (tomllib.TOMLDecodeError, yaml.YAMLError) as e:
        raise ConfigError(p.name, [Problem("syntax", (), f"not valid TOML/YAML: {e}")]) from None
    if deeper_than(data):
        raise too_deep
    return parse_settings(data, base_dir=p.parent, source=p.name)


def describe_problems(e: ConfigError) -> list[str]:
    return [f"{format_loc(p.loc)}: {p.msg}" for p in e.problems]


def settings_from_environment() -> Settings:
    """Settings for a worker process started by ``allnav serve --workers N``."""
    settings = load_settings()
    demo = os.environ.get(DEMO_ENV) == "1"
    return replace(settings, insecure_demo=demo, fhir_allow_http=settings.fhir_allow_http or demo,
                   jti_store=os.environ.get(JTI_STORE_ENV) or settings.jti_store)
