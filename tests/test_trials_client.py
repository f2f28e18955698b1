"""The live updater against API v2 pages served by httpx.MockTransport (never the network).

The transport is the boundary: it plays ClinicalTrials.gov, serving list pages in the
API's shape; the paging, resuming, retrying and importing under test are the real code.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from allnav.trials.ctgov_client import (
    BASE_URL,
    TIMEOUT,
    UpdateError,
    UpdateResult,
    make_client,
    staging_dir,
    update,
)
from allnav.trials.store import TrialStore

PAGES = Path(__file__).resolve().parent / "data" / "trials" / "api"
TOKENS = {None: "page-1.json", "ZVNj7o2Elu8o3lpoWsSR": "page-2.json",
          "NF0g5JiBkPsvqOaw1uNJ": "page-3.json"}


class FakeApi:
    """Serves the recorded pages by pageToken; can fail chosen requests."""

    def __init__(self, fail: dict[int, int | str] | None = None) -> None:
        self.requests: list[httpx.Request] = []
        self.fail = fail or {}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        n = len(self.requests)
        failure = self.fail.get(n)
        if failure == "network":
            raise httpx.ConnectError("connection refused", request=request)
        if isinstance(failure, int):
            return httpx.Response(failure, headers={"Retry-After": "1"}, text="busy")
        assert str(request.url).startswith(BASE_URL)
        page = TOKENS[request.url.params.get("pageToken")]
        return httpx.Response(200, content=(PAGES / page).read_bytes(),
                              headers={"Content-Type": "application/json"})


def _run(store: Path, api: FakeApi, **kw: Any) -> UpdateResult:
    sleeps: list[float] = []  # the client waits between pages; the tests do not
    with make_client(httpx.MockTransport(api)) as client:
        return update(store, client, condition="acute lymphoblastic leukemia", page_size=8,
                      sleep=sleeps.append, **kw)


def test_pages_through_and_imports(tmp_path: Path) -> None:
    store = tmp_path / "trials.sqlite"
    api = FakeApi()
    result = _run(store, api)
    assert [r.url.params.get("pageToken") for r in api.requests] == [
        None, "ZVNj7o2Elu8o3lpoWsSR", "NF0g5JiBkPsvqOaw1uNJ"]
    assert all(r.url.params["query.cond"] == "acute lymphoblastic leukemia"
               and r.url.params["pageSize"] == "8" for r in api.requests)
    assert result.pages_fetched == 3
    with TrialStore(store) as ts:
        assert ts.info()["studies"] == 19
    assert not staging_dir(store).exists()  # staging is cleared once imported


def test_an_interrupted_update_resumes_from_the_saved_page_token(tmp_path: Path) -> None:
    store = tmp_path / "trials.sqlite"
    first = FakeApi(fail={2: "network", 3: "network", 4: "network", 5: "network", 6: "network"})
    with pytest.raises(UpdateError, match="could not be reached after 5 tries"):
        _run(store, first)
    assert not store.exists()  # nothing imported until the last page is in
    state = json.loads((staging_dir(store) / "state.json").read_text(encoding="utf-8"))
    assert state["next_page_token"] == "ZVNj7o2Elu8o3lpoWsSR" and state["pages"] == 1
    second = FakeApi()
    result = _run(store, second)
    assert result.resumed is True
    # It did not fetch page 1 again.
    assert [r.url.params.get("pageToken") for r in second.requests] == [
        "ZVNj7o2Elu8o3lpoWsSR", "NF0g5JiBkPsvqOaw1uNJ"]
    with TrialStore(store) as ts:
        assert ts.info()["studies"] == 19


def test_stopping_after_some_pages_keeps_the_state_and_restart_discards_it(tmp_path: Path) -> None:
    store = tmp_path / "trials.sqlite"
    with pytest.raises(UpdateError, match="stopped after 1 page"):
        _run(store, FakeApi(), max_pages=1)
    api = FakeApi()
    _run(store, api, restart=True)
    assert api.requests[0].url.params.get("pageToken") is None


def test_busy_answers_are_retried(tmp_path: Path) -> None:
    api = FakeApi(fail={1: 503, 2: 429})
    _run(tmp_path / "trials.sqlite", api)
    assert len(api.requests) == 5  # two busy answers, then three pages


def test_a_bad_request_is_not_retried(tmp_path: Path) -> None:
    api = FakeApi(fail={1: 400})
    with pytest.raises(UpdateError, match="HTTP 400"):
        _run(tmp_path / "trials.sqlite", api)
    assert len(api.requests) == 1


def test_a_page_without_studies_is_refused(tmp_path: Path) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"error": "nope"})

    with make_client(httpx.MockTransport(handler)) as client, \
            pytest.raises(UpdateError, match="without a 'studies' list"):
        update(tmp_path / "t.sqlite", client, condition="x", sleep=lambda s: None)


def test_the_client_has_timeouts() -> None:
    with make_client() as client:
        assert client.timeout == TIMEOUT
        assert client.timeout.connect == 10.0 and client.timeout.read == 30.0
