"""The config file: the example loads, and every mistake is named with its place."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from allnav.web.settings import CONFIG_ENV, ConfigError, Settings, load_settings, parse_settings

from .conftest import ROOT
from .ehr_harness import Ehr

EXAMPLE = ROOT / "examples" / "config" / "allnav.toml"


def test_the_example_config_trusts_the_sandbox() -> None:
    s = load_settings(EXAMPLE)
    (issuer,) = s.issuers.values()
    assert issuer.iss == "https://sandbox.cds-hooks.org"
    assert issuer.jwks["keys"][0]["kid"] == "44823f3d-0b01-4a6c-a80e-b9d3e8a7226f"
    assert issuer.jku == ("https://sandbox.cds-hooks.org/.well-known/jwks.json",)
    assert (s.max_body_bytes, s.fhir_timeout_seconds, s.insecure_demo) == (5 * 1024 * 1024, 2.0, False)


def test_yaml_and_the_environment_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ehr = Ehr()
    (tmp_path / "keys.json").write_text(json.dumps(ehr.jwks()))
    path = tmp_path / "allnav.yaml"
    path.write_text(f"server:\n  base_url: https://allnav.test/\nissuers:\n  - iss: {ehr.iss}\n"
                    "    jwks_file: keys.json\n")
    monkeypatch.setenv(CONFIG_ENV, str(path))
    s = load_settings()
    assert s.base_url == "https://allnav.test"
    assert s.issuers[ehr.iss].jwks == ehr.jwks()
    monkeypatch.delenv(CONFIG_ENV)
    assert load_settings() == Settings()


@pytest.mark.parametrize(
    ("data", "loc", "words"),
    [
        ({"sever": {}}, ("sever",), "unknown key"),
        ({"server": {"max_body_bytes": "big"}}, ("server", "max_body_bytes"), "number"),
        ({"server": {"base_url": "allnav.test"}}, ("server", "base_url"), "absolute"),
        ({"issuers": [{"iss": "x"}]}, ("issuers", 0), "exactly one of"),
        ({"issuers": [{"iss": "x", "jwks": {"keys": []}}]}, ("issuers", 0, "jwks"), "non-empty"),
        ({"issuers": [{"iss": "x", "jwks": {"keys": [{"kty": "EC", "kid": "a", "d": "secret"}]}}]},
         ("issuers", 0, "jwks", "keys", 0), "private key"),
        ({"issuers": [{"iss": "x", "jwks_file": "missing.json"}]}, ("issuers", 0, "jwks_file"), "cannot read"),
        ({"issuers": [{"iss": "x", "jwks": {"keys": [{"kid": "a"}]}, "jku": ["http://x/jwks"]}]},
         ("issuers", 0, "jku", 0), "https"),
        ({"security": {"public_discovery": "yes"}}, ("security", "public_discovery"), "true or false"),
    ],
)
def test_config_mistakes_are_named(tmp_path: Path, data: object, loc: tuple[object, ...], words: str) -> None:
    with pytest.raises(ConfigError) as e:
        parse_settings(data, base_dir=tmp_path)
    assert any(p.loc == loc and words in p.msg for p in e.value.problems), e.value.problems


def test_a_broken_file_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "allnav.toml"
    path.write_text("[server\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(path)
    with pytest.raises(ConfigError, match="cannot read"):
        load_settings(tmp_path / "nope.toml")


def test_serve_refuses_insecure_demo_off_loopback_and_bad_config(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from allnav.cli import app

    runner = CliRunner()
    r = runner.invoke(app, ["serve", "--insecure-demo", "--host", "0.0.0.0"])
    assert r.exit_code == 2
    assert "loopback" in r.output
    bad = tmp_path / "allnav.toml"
    bad.write_text("[[issuers]]\niss = 'x'\n")
    r = runner.invoke(app, ["serve", "--config", str(bad)])
    assert r.exit_code == 2
    assert "issuers[0]" in r.output


def test_insecure_demo_warns_loudly_and_reaches_uvicorn(monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn
    from typer.testing import CliRunner

    from allnav.cli import app

    started: list[dict[str, object]] = []
    monkeypatch.setattr(uvicorn, "run", lambda web_app, **kw: started.append({"app": web_app, **kw}))
    r = CliRunner().invoke(app, ["serve", "--insecure-demo", "--port", "8123"])
    assert r.exit_code == 0
    assert "WARNING: JWT verification is OFF" in r.output
    (call,) = started
    assert (call["host"], call["port"]) == ("127.0.0.1", 8123)
    assert call["app"].state.allnav.settings.insecure_demo is True  # type: ignore[attr-defined]


def test_the_access_log_is_off_unless_asked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    """Client addresses of patients using the web pages are personal data: not logged by
    default; an operator can turn the access log on."""
    import uvicorn
    from typer.testing import CliRunner

    from allnav.cli import app

    started: list[dict[str, object]] = []
    monkeypatch.setattr(uvicorn, "run", lambda web_app, **kw: started.append(kw))
    for args, expected in (([], False), (["--access-log"], True), (["--no-access-log"], False)):
        r = CliRunner().invoke(app, ["serve", "--insecure-demo", *args])
        assert r.exit_code == 0, r.output
        assert started.pop()["access_log"] is expected


def test_pin_workers_with_one_worker_says_it_does_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn
    from typer.testing import CliRunner

    from allnav.cli import app

    monkeypatch.setattr(uvicorn, "run", lambda web_app, **kw: None)
    r = CliRunner().invoke(app, ["serve", "--insecure-demo", "--pin-workers"])
    assert r.exit_code == 0
    assert "--pin-workers has no effect with one worker" in r.output
