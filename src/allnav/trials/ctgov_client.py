"""Download studies from the ClinicalTrials.gov API v2, resumably, into the snapshot.

``GET /api/v2/studies`` pages with ``pageSize`` and ``pageToken``; each response
gives the ``nextPageToken`` until the last page. Every page is saved in a
staging folder beside the store, and the token for the next page in a state
file, both written atomically, so an update that stops (network, Ctrl-C, a
crash) resumes where it stopped. When the last page is in, the pages are
imported as one new snapshot (see :mod:`allnav.trials.store`) and the staging
folder is removed. An edge module: it talks to the network and sleeps.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from allnav.problems import AllnavError
from allnav.trials.files import iter_records
from allnav.trials.store import ImportReport, import_studies

BASE_URL = "https://clinicaltrials.gov/api/v2/studies"
#: The API allows about 50 requests a minute; one every 1.3 s stays under it.
MIN_INTERVAL_S = 1.3
TIMEOUT = httpx.Timeout(30.0, connect=10.0)
_RETRY_STATUS = frozenset({429, 500, 502, 503, 504})


class UpdateError(AllnavError):
    """The update could not finish; what was downloaded is kept for the next try."""


@dataclass(frozen=True, slots=True)
class UpdateResult:
    """How an update went: pages fetched now, pages in total, and the import report."""

    pages_fetched: int
    pages_total: int
    resumed: bool
    report: ImportReport


def staging_dir(store: Path) -> Path:
    """Where an update keeps its pages and state until it is imported."""
    return store.with_name(store.name + ".update")


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _get(client: httpx.Client, params: dict[str, str], sleep: Callable[[float], None],
         retries: int) -> dict[str, object]:
    last = ""
    for attempt in range(retries + 1):
        if attempt:
            sleep(min(60.0, 2.0 ** attempt))
        try:
            resp = client.get(BASE_URL, params=params)
        except httpx.TransportError as e:
            last = f"network error ({e.__class__.__name__})"
            continue
        if resp.status_code in _RETRY_STATUS:
            last = f"HTTP {resp.status_code}"
            wait = resp.headers.get("Retry-After", "")
            if wait.isdigit():
                sleep(min(120.0, float(wait)))
            continue
        if resp.status_code != 200:
            raise UpdateError(f"ClinicalTrials.gov answered HTTP {resp.status_code}; "
                              "check the --condition text")
        try:
            data = resp.json()
        except ValueError:
            raise UpdateError("ClinicalTrials.gov sent a page that is not JSON") from None
        if not isinstance(data, dict) or not isinstance(data.get("studies"), list):
            raise UpdateError("ClinicalTrials.gov sent a page without a 'studies' list")
        return data
    raise UpdateError(f"ClinicalTrials.gov could not be reached after {retries + 1} tries "
                      f"({last})")


def update(store: Path, client: httpx.Client, *, condition: str, page_size: int = 1000,
           restart: bool = False, sleep: Callable[[float], None] = time.sleep,
           min_interval: float = MIN_INTERVAL_S, retries: int = 4,
           imported_at: str | None = None, max_pages: int | None = None) -> UpdateResult:
    """Fetch every page for ``condition`` and import them as a new snapshot of ``store``.

    Resumes from the saved page token when the same query was interrupted, unless
    ``restart``. ``max_pages`` stops early (the state is kept, so the next call
    resumes), which is how tests and slow links take it in parts.
    """
    stage = staging_dir(store)
    state_file = stage / "state.json"
    query = {"query.cond": condition, "pageSize": str(page_size), "format": "json"}
    state: dict[str, object] = {}
    if state_file.is_file() and not restart:
        saved = json.loads(state_file.read_text(encoding="utf-8"))
        if isinstance(saved, dict) and saved.get("query") == query:
            state = saved
    if not state:
        shutil.rmtree(stage, ignore_errors=True)
        stage.mkdir(parents=True)
        state = {"query": query, "next_page_token": None, "pages": 0, "done": False}
    resumed = int(str(state["pages"])) > 0
    fetched = 0
    while not state["done"]:
        if max_pages is not None and fetched >= max_pages:
            raise UpdateError(f"stopped after {fetched} page(s) as asked; run again to resume")
        params = dict(query)
        if state["next_page_token"]:
            params["pageToken"] = str(state["next_page_token"])
        if fetched:
            sleep(min_interval)
        page = _get(client, params, sleep, retries)
        n = int(str(state["pages"])) + 1
        # The page first, then the state that points past it: a crash in between
        # re-fetches the same page into the same file.
        _write_atomic(stage / f"page-{n:05d}.json", json.dumps(page["studies"]))
        token = page.get("nextPageToken")
        state = {"query": query, "next_page_token": token, "pages": n, "done": not token}
        _write_atomic(state_file, json.dumps(state))
        fetched += 1
    pages = sorted(stage.glob("page-*.json"))
    report = import_studies(store, iter_records(pages), imported_at=imported_at)
    shutil.rmtree(stage, ignore_errors=True)
    return UpdateResult(fetched, len(pages), resumed, report)


def make_client(transport: httpx.BaseTransport | None = None) -> httpx.Client:
    """An HTTP client with timeouts and a clear user agent (``transport`` for tests)."""
    return httpx.Client(timeout=TIMEOUT, transport=transport, follow_redirects=True,
                        headers={"User-Agent": "allnav-trials/0.1 (ALL Navigator)"})
