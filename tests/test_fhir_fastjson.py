"""``allnav.interop.fastjson.loads`` gives exactly what ``json.loads`` gives: the same value
(types included) or the same exception with the same message; the one difference, by design,
is that an integer beyond the 64-bit range comes back as the nearest float."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from allnav.interop import fastjson


def _refuse(name: str) -> Any:
    raise ValueError(f"{name} is not allowed in JSON")


def _int64(text: str) -> int | float:
    """The documented difference: integers beyond 64 bits are read as floats."""
    value = int(text)
    return value if -(2**63) <= value <= 2**64 - 1 else float(value)


def reference(data: bytes | str, parse_constant: Any) -> Any:
    return json.loads(data, parse_constant=parse_constant, parse_int=_int64)


def outcome(fn: Any, data: bytes | str) -> tuple[str, str]:
    try:
        return "value", repr(fn(data, parse_constant=_refuse))
    except Exception as e:  # the exception itself is what is compared
        return type(e).__name__, str(e)


def same(data: bytes | str) -> None:
    assert outcome(fastjson.loads, data) == outcome(reference, data), data


EDGE_CASES = [
    b'{"a":123456789012345678901234567890}', b"[-123456789012345678901234567890.5e3]",
    b"[1e400]", b"[-1e400]", b"[1E-400]", b"[-0]", b"[-0.0]",
    b"[0.1000000000000000055511151231257827021181583404541015625]",
    b'["\\ud800"]', b'"\xed\xa0\x80"', b'\xef\xbb\xbf{"a":1}', '{"a":"é"}'.encode("utf-16"),
    '{"a":"é"}'.encode("utf-32"), b'{"a":"\xff"}', b"[NaN]", b"[Infinity]", b"[-Infinity]",
    b'{"a":1,"a":2}', b"01", b"1.", b".5", b"+1", b"-", b'["a\tb"]', b"\x0c[1]", b"[1]\x0c",
    "\u00a0[1]".encode(), b"1" * 5000, b"[1,]", b'{"a":1,}', b"[1] x", b"[1]\x00", b"", b"  ",
    b"\r\n[1]\r\n", b'"\\u0041\\/\\n"', b"[" * 199 + b"]" * 199, b"[" * 201 + b"]" * 201,
    b"[" * 5000 + b"]" * 5000, b'{"a": [true, false, null, 1.5, "x"]}', b'"\x00"', b'"\x7f"',
    "[1]", '{"é": "\u2028"}', "\ud800",
]


def test_edge_cases() -> None:
    for data in EDGE_CASES:
        same(data)  # type: ignore[arg-type]


def test_integers_at_the_64_bit_limits_stay_exact() -> None:
    for n in (2**63 - 1, -(2**63), 2**64 - 1, 10**19, -(10**18)):
        value = fastjson.loads(f"[{n}]")[0]
        assert type(value) is int and value == n
    assert fastjson.loads(f"[{2**64}]") == [float(2**64)]
    assert fastjson.loads("[123456789012345678901234567890]") == [1.2345678901234568e29]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.integers(-(10**40), 10**40)
    | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(json_values, st.booleans(), st.sampled_from([None, 1]))
def test_valid_json(value: Any, ascii_only: bool, indent: int | None) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only, indent=indent)
    same(text)
    same(text.encode("utf-8", "surrogatepass"))


@settings(max_examples=500, deadline=None)
@given(json_values, st.lists(st.tuples(st.integers(0, 10**6), st.binary(max_size=3)), max_size=3))
def test_damaged_json(value: Any, edits: list[tuple[int, bytes]]) -> None:
    data = bytearray(json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass"))
    for at, chunk in edits:
        at %= len(data) + 1
        data[at:at + len(chunk) % 2] = chunk
    same(bytes(data))
