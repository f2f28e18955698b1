"""Units on input: explicit units are converted, plain numbers keep the v1 unit, and values that
could be misread are refused with the field and the allowed units named."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from allnav.facts import FIELDS, Symptoms
from allnav.facts_reader import read_facts
from allnav.problems import InputError
from allnav.units import QUANTITIES, allowed_units, canonical_spelling


def symptoms(**values: object) -> Symptoms:
    facts, _ = read_facts({"symptoms": values})
    return facts.symptoms


def refusal(**values: object) -> str:
    with pytest.raises(InputError) as e:
        read_facts({"symptoms": values})
    (problem,) = e.value.problems
    return str(problem)


# --- conversions ---------------------------------------------------------------------------

@pytest.mark.parametrize(("raw", "expected"), [
    ({"value": 0.3, "unit": "10*9/L"}, 300),
    ({"value": 0.3, "unit": "10^9/L"}, 300),
    ({"value": 0.3, "unit": "x10^9/L"}, 300),
    ({"value": 0.3, "unit": "×10⁹/L"}, 300),
    ({"value": 0.3, "unit": "10*3/uL"}, 300),
    ({"value": 0.3, "unit": "10*3/µL"}, 300),
    ({"value": 0.3, "unit": "K/uL"}, 300),
    ({"value": 300, "unit": "/uL"}, 300),
    ({"value": 300, "unit": "/µL"}, 300),
    ({"value": 300, "unit": "cells/uL"}, 300),
    ({"value": 300, "unit": "cells/mm3"}, 300),
    ("0.3 10*9/L", 300),
    ("300 /uL", 300),
    (300, 300),
    ("300", 300),
])
def test_anc_units_convert_to_cells_per_ul(raw: object, expected: float) -> None:
    assert symptoms(anc_per_ul=raw).anc_per_ul == expected


@pytest.mark.parametrize(("raw", "expected"), [
    ({"value": 10, "unit": "10*9/L"}, 10_000),
    ({"value": 10.001, "unit": "10*9/L"}, 10_001),
    ({"value": 45, "unit": "10*3/uL"}, 45_000),
    (45_000, 45_000),
])
def test_platelet_units_convert_to_per_ul(raw: object, expected: float) -> None:
    assert symptoms(platelets_per_ul=raw).platelets_per_ul == expected


@pytest.mark.parametrize(("raw", "expected"), [
    ({"value": 100.4, "unit": "[degF]"}, 38.0),  # the IDSA equivalence, exactly
    ({"value": 101.0, "unit": "[degF]"}, 38.33),
    ({"value": 101.2, "unit": "F"}, 38.44),
    ({"value": 100.9, "unit": "°F"}, 38.28),  # not rounded up across the 38.3 °C threshold
    ({"value": 38.4, "unit": "Cel"}, 38.4),
    ({"value": 38.4, "unit": "°C"}, 38.4),
    ("101.2 F", 38.44),
    ("38.4 C", 38.4),
    (38.4, 38.4),
])
def test_temperatures_convert_to_celsius(raw: object, expected: float) -> None:
    assert symptoms(temperature_c=raw).temperature_c == expected


@pytest.mark.parametrize(("raw", "expected"), [
    ({"value": 69, "unit": "g/L"}, 6.9),
    ({"value": 70, "unit": "g/L"}, 7.0),
    ({"value": 6.9, "unit": "g/dL"}, 6.9),
    ("95 g/L", 9.5),
    (6.9, 6.9),
])
def test_hemoglobin_converts_to_g_per_dl(raw: object, expected: float) -> None:
    assert symptoms(hemoglobin_g_dl=raw).hemoglobin_g_dl == expected


def test_systolic_pressure_accepts_mmhg() -> None:
    assert symptoms(systolic_bp_mmhg={"value": 88, "unit": "mm[Hg]"}).systolic_bp_mmhg == 88
    assert symptoms(systolic_bp_mmhg="88 mmHg").systolic_bp_mmhg == 88


def test_unknown_stays_unknown_for_fields_with_units() -> None:
    s = symptoms(anc_per_ul="unknown", temperature_c=None)
    assert s.anc_per_ul is None
    assert s.temperature_c is None


@given(st.integers(0, 100_000))
def test_giga_per_litre_is_a_thousand_per_microlitre(cells: int) -> None:
    assert symptoms(anc_per_ul={"value": cells / 1000, "unit": "10*9/L"}).anc_per_ul == cells


@given(st.integers(860, 1112))
def test_fahrenheit_readings_convert_without_float_noise(tenths: int) -> None:
    f = tenths / 10
    c = symptoms(temperature_c={"value": f, "unit": "[degF]"}).temperature_c
    assert c == round((f - 32) * 5 / 9, 2)


# --- refusals ------------------------------------------------------------------------------

def test_impossible_anc_with_unit_is_refused_with_the_converted_value() -> None:
    msg = refusal(anc_per_ul={"value": 30_000, "unit": "10*9/L"})
    assert msg.startswith("symptoms.anc_per_ul: 30,000 10*9/L is 30,000,000/µL")
    assert "outside the possible range" in msg
    assert "'10*9/L'" in msg and "'/uL'" in msg


def test_impossible_plain_anc_is_refused() -> None:
    msg = refusal(anc_per_ul=30_000_000)
    assert msg.startswith("symptoms.anc_per_ul: 30,000,000 is outside the possible range")


def test_temperature_of_3_8_is_refused_without_suggesting_fahrenheit() -> None:
    msg = refusal(temperature_c=3.8)
    assert msg.startswith("symptoms.temperature_c: 3.8 is outside the possible range")
    assert "{value:" not in msg  # 3.8 °F is no more possible than 3.8 °C
    assert "'Cel'" in msg and "'[degF]'" in msg


def test_plain_fahrenheit_is_refused_with_the_way_to_write_it() -> None:
    msg = refusal(temperature_c=101.2)
    assert "a plain number is read in °C" in msg
    assert "{value: 101.2, unit: '[degF]'}" in msg


def test_fractional_plain_cell_count_is_ambiguous() -> None:
    msg = refusal(anc_per_ul=0.3)
    assert msg.startswith("symptoms.anc_per_ul: 0.3 is not a whole number of cells per µL")
    assert "{value: 0.3, unit: '10*9/L'}" in msg


def test_tiny_plain_platelet_count_is_ambiguous() -> None:
    msg = refusal(platelets_per_ul=45)
    assert msg.startswith("symptoms.platelets_per_ul: a platelet count of 45/µL is not possible")
    assert "{value: 45, unit: '10*9/L'}" in msg


def test_zero_platelets_and_float_noise_are_not_refused() -> None:
    assert symptoms(platelets_per_ul=0).platelets_per_ul == 0
    # What another system's ×1000 conversion can produce: not a real fraction.
    assert symptoms(anc_per_ul=350.00000000000006).anc_per_ul == pytest.approx(350)


def test_plain_hemoglobin_in_g_per_litre_is_refused() -> None:
    msg = refusal(hemoglobin_g_dl=70)
    assert "{value: 70, unit: 'g/L'}" in msg


def test_hemoglobin_in_mmol_per_litre_is_refused_with_the_reason() -> None:
    msg = refusal(hemoglobin_g_dl={"value": 4.3, "unit": "mmol/L"})
    assert msg.startswith("symptoms.hemoglobin_g_dl: hemoglobin in mmol/L is not converted")
    assert "monomer or the tetramer" in msg


def test_unit_of_another_field_is_refused() -> None:
    msg = refusal(anc_per_ul={"value": 3, "unit": "g/dL"})
    assert msg.startswith("symptoms.anc_per_ul: 'g/dL' is a unit of the hemoglobin, "
                          "not of the neutrophil count (ANC)")


def test_unknown_unit_is_refused_with_the_allowed_units() -> None:
    msg = refusal(platelets_per_ul={"value": 45, "unit": "furlongs"})
    assert msg == (f"symptoms.platelets_per_ul: unknown unit 'furlongs'; allowed units: "
                   f"{allowed_units('symptoms.platelets_per_ul')}")


def test_celsius_spelling_is_not_accepted_for_a_count() -> None:
    msg = refusal(anc_per_ul={"value": 38, "unit": "C"})
    assert "is a unit of the temperature" in msg


@pytest.mark.parametrize(("raw", "path"), [
    ({"value": 0.3}, "symptoms.anc_per_ul.unit"),
    ({"unit": "10*9/L"}, "symptoms.anc_per_ul.value"),
    ({"value": 0.3, "unit": "10*9/L", "system": "x"}, "symptoms.anc_per_ul.system"),
    ({"value": "lots", "unit": "10*9/L"}, "symptoms.anc_per_ul.value"),
    ({"value": True, "unit": "10*9/L"}, "symptoms.anc_per_ul.value"),
    ({"value": 0.3, "unit": ""}, "symptoms.anc_per_ul.unit"),
])
def test_malformed_unit_objects_name_the_exact_place(raw: object, path: str) -> None:
    with pytest.raises(InputError) as e:
        read_facts({"symptoms": {"anc_per_ul": raw}})
    assert e.value.problems[0].path == path


def test_unit_object_for_a_field_without_units_is_refused() -> None:
    with pytest.raises(InputError) as e:
        read_facts({"age_years": {"value": 40, "unit": "a"}})
    (p,) = e.value.problems
    assert p.path == "age_years"
    assert "units are accepted only for" in p.msg


def test_every_problem_is_reported_together() -> None:
    with pytest.raises(InputError) as e:
        read_facts({"symptoms": {"anc_per_ul": 0.3, "temperature_c": 101.2,
                                 "hemoglobin_g_dl": {"value": 4, "unit": "mmol/L"}}})
    assert sorted(p.path for p in e.value.problems) == [
        "symptoms.anc_per_ul", "symptoms.hemoglobin_g_dl", "symptoms.temperature_c"]


# --- the table itself ----------------------------------------------------------------------

def test_unit_table_names_numeric_facts_and_their_v1_units() -> None:
    v1 = {"symptoms.temperature_c": "Cel", "symptoms.anc_per_ul": "/uL",
          "symptoms.platelets_per_ul": "/uL", "symptoms.hemoglobin_g_dl": "g/dL",
          "symptoms.systolic_bp_mmhg": "mm[Hg]"}
    assert {name: q.v1.code for name, q in QUANTITIES.items()} == v1
    for name in QUANTITIES:
        assert FIELDS[name].kind == "number"


def test_no_spelling_means_two_units_of_one_field() -> None:
    for q in QUANTITIES.values():
        seen: dict[str, str] = {}
        for u in q.units:
            for s in (canonical_spelling(u.code), *u.spellings):
                assert seen.setdefault(s, u.code) == u.code, (q.field, s)


def test_v1_units_convert_to_themselves() -> None:
    for q in QUANTITIES.values():
        assert q.v1.to_v1(12.5) == 12.5
