from __future__ import annotations

import json
from decimal import Decimal

import pytest

from gateway.exact_json import dumps


def test_decimals_keep_their_digits() -> None:
    text = dumps({"a": Decimal("2.00"), "b": [Decimal("2E+1"), Decimal("-0.5")], "c": 1})
    assert text == '{"a":2.00,"b":[20,-0.5],"c":1}'
    assert json.loads(text) == {"a": 2.0, "b": [20, -0.5], "c": 1}


def test_strings_that_look_like_the_marker_are_not_touched() -> None:
    tricky = "\x00\x01dec:1.5"
    text = dumps({"s": tricky, "d": Decimal("1.50")})
    assert json.loads(text)["s"] == tricky
    assert '"d":1.50' in text


def test_indent_and_unicode() -> None:
    assert dumps({"x": "µ", "y": Decimal("1.0")}, indent=1) == '{\n "x": "µ",\n "y": 1.0\n}'


def test_non_finite_decimal_is_refused() -> None:
    with pytest.raises(ValueError, match="JSON number"):
        dumps([Decimal("NaN")])
