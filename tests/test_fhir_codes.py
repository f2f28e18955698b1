"""The FHIR code list is validated at load, and the fixtures agree with an independent parser."""

from __future__ import annotations

import copy
import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from allnav.interop.fhir_codes import build_codebook, default_codes_path, load_codebook
from allnav.interop.fhir_values import resource_problem
from allnav.problems import KnowledgeError

DATA = Path(__file__).parent / "data" / "fhir"


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    return yaml.safe_load(default_codes_path().read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def test_shipped_code_list_loads() -> None:
    book = load_codebook()
    assert book.observations[("http://loinc.org", "751-8")].fact == "symptoms.anc_per_ul"
    assert book.diagnoses[("http://snomed.info/sct", "277571004")] == (("lineage", "B"),)
    assert book.treatments[("http://www.nlm.nih.gov/research/umls/rxnorm", "1597258")] == ("blinatumomab",)


def test_every_code_has_system_code_and_display(raw: dict[str, Any]) -> None:
    def walk(node: Any) -> list[dict[str, Any]]:
        if isinstance(node, dict):
            found = [node] if "code" in node and "system" in node else []
            return found + [c for v in node.values() for c in walk(v)]
        if isinstance(node, list):
            return [c for v in node for c in walk(v)]
        return []

    codes = walk(raw)
    assert len(codes) > 80
    assert all(c.get("display") and c.get("system") in raw["systems"] for c in codes)


@pytest.mark.parametrize(("change", "path", "words"), [
    (lambda d: d["observations"][0].update(fact="symptoms.anc"), "observations[0].fact", "not a fact name"),
    (lambda d: d["observations"][0]["codes"][0].update(system="lonic"), "observations[0].codes[0].system",
     "unknown system"),
    (lambda d: d["diagnoses"]["codes"][1]["sets"].update(lineage="X"), "diagnoses.codes[1].sets.lineage",
     "not one of"),
    (lambda d: d["treatments"][0].update(gives=["blinatumomab", "magic"]), "treatments[0].gives", "magic"),
    (lambda d: d["observations"][0]["codes"][0].pop("display"), "observations[0].codes[0].display", "non-empty"),
    (lambda d: d["stale_after_days"].update(ecog=-1), "stale_after_days.ecog", "whole number"),
])
def test_invalid_code_list_is_refused_with_its_path(raw: dict[str, Any], change: Any, path: str,
                                                    words: str) -> None:
    data = copy.deepcopy(raw)
    change(data)
    with pytest.raises(KnowledgeError) as err:
        build_codebook(data)
    assert any(p.path == path and words in p.msg for p in err.value.problems), err.value


def test_invalid_entries_match_fhir_resources_validation() -> None:
    """Our cheap check flags the same entries of the real Bundle as the R4B models do."""
    if importlib.util.find_spec("fhir.resources") is None:  # dev extra not installed
        pytest.skip("fhir.resources is a dev dependency")
    from fhir.resources.R4B import get_fhir_model_class

    bundle = json.loads((DATA / "mcode-breast-invalid-observations.bundle.json").read_text(encoding="utf-8"))
    rejected, flagged = set(), set()
    for i, entry in enumerate(bundle["entry"]):
        res = entry["resource"]
        try:
            get_fhir_model_class(res["resourceType"]).model_validate(res)
        except ValueError:
            rejected.add(i)
        if resource_problem(res) is not None:
            flagged.add(i)
    assert rejected == flagged == {2, 3, 4}


def test_fixtures_are_current(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = importlib.util.spec_from_file_location("build_fixtures", DATA / "build_fixtures.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "HERE", tmp_path)
    module.main()
    for made in tmp_path.iterdir():
        assert made.read_text(encoding="utf-8") == (DATA / made.name).read_text(encoding="utf-8"), made.name
