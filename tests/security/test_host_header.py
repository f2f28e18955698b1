"""The JWT audience and card links never follow the request's Host header (issue 17, item 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from allnav.cli import app as cli
from allnav.web.app import create_app
from allnav.web.settings import ConfigError, Settings, load_settings

from ..ehr_harness import AS_OF, SERVICE_PATH, Ehr, full_prefetch, hook_request, send

DEPLOYED = "https://allnav.hospital-a.test"
OTHER = "https://other.test"  # another deployment the attacker holds a token for
SPOOF = {"Host": "other.test", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "other.test"}


def _config(tmp_path: Path, ehr: Ehr, server: str = "") -> Path:
    (tmp_path / "keys.json").write_text(json.dumps(ehr.jwks()))
    path = tmp_path / "allnav.toml"
    path.write_text(f"{server}\n[[issuers]]\niss = '{ehr.iss}'\njwks_file = 'keys.json'\n")
    return path


def test_issuers_without_base_url_are_refused_with_the_reason(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as e:
        load_settings(_config(tmp_path, Ehr()))
    (problem,) = e.value.problems
    assert problem.loc == ("server", "base_url")
    assert "Host header" in problem.msg


def test_serve_refuses_to_start_without_base_url(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    started: list[object] = []  # uvicorn is never reached (nor left listening if it were)
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: started.append(a))
    r = CliRunner().invoke(cli, ["serve", "--config", str(_config(tmp_path, Ehr()))])
    assert r.exit_code == 2 and started == []
    assert "server.base_url" in r.output and "required" in r.output


def test_settings_built_in_code_are_refused_too() -> None:
    ehr = Ehr()
    with pytest.raises(ConfigError, match="base_url"):
        create_app(Settings(issuers={ehr.iss: ehr.issuer()}, today=lambda: AS_OF))


def test_a_token_for_another_deployment_is_refused_whatever_the_host_header(tmp_path: Path) -> None:
    ehr = Ehr()
    settings = load_settings(_config(tmp_path, ehr, f"[server]\nbase_url = '{DEPLOYED}'"))
    app = create_app(settings)
    body = hook_request(full_prefetch(3))
    stolen = ehr.token(OTHER + SERVICE_PATH)
    r = send(app, "POST", SERVICE_PATH, token=stolen, json_body=body, headers=SPOOF)
    assert r.status_code == 401
    r = send(app, "POST", SERVICE_PATH, token=ehr.token(DEPLOYED + SERVICE_PATH), json_body=body,
             headers=SPOOF)
    assert r.status_code == 200
    links = [link["url"] for card in r.json()["cards"] for link in card.get("links", [])]
    assert links and all(url.startswith(DEPLOYED + "/") for url in links)
    assert "other.test" not in r.text


def test_the_example_config_names_a_base_url() -> None:
    from ..conftest import ROOT

    assert load_settings(ROOT / "examples" / "config" / "allnav.toml").base_url
