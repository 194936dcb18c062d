"""The kinds of setting values: what text from a ``PHG_…`` variable converts to, what is
refused, and where a problem inside a list or table is located."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pytest

from gateway.config.kinds import (
    Context,
    LocatedError,
    boolean,
    file_path,
    integer,
    many,
    mapping,
    number,
    problems,
    text,
)
from gateway.config.tables import read, setting, table_of

HERE = Context()


@pytest.mark.parametrize(("value", "expected"), [(10, 10), ("10", 10), (" 10 ", 10), (10.0, 10)])
def test_integers_from_toml_or_text(value: object, expected: int) -> None:
    assert integer()(value, HERE) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("ten", "Input should be a valid integer, unable to parse string as an integer"),
        (2.5, "Input should be a valid integer, got a number with a fractional part"),
        ([1], "Input should be a valid integer"),
        (0, "Input should be greater than or equal to 1"),
        (6, "Input should be less than or equal to 5"),
    ],
)
def test_integers_refused(value: object, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{message}$"):
        integer(ge=1, le=5)(value, HERE)


def test_numbers_and_their_bounds() -> None:
    assert number(gt=0)("7.5", HERE) == 7.5
    for refused in (0, "nan", math.nan):
        with pytest.raises(ValueError, match=r"^Input should be greater than 0$"):
            number(gt=0)(refused, HERE)
    with pytest.raises(ValueError, match="unable to parse string as a number"):
        number()("7,5", HERE)


@pytest.mark.parametrize(("value", "expected"), [("yes", True), ("Off", False), (1, True)])
def test_booleans(value: object, expected: bool) -> None:
    assert boolean(value, HERE) is expected


@pytest.mark.parametrize("value", ["maybe", 2, "", None])
def test_booleans_refused(value: object) -> None:
    with pytest.raises(ValueError, match="valid boolean"):
        boolean(value, HERE)


def test_a_number_is_not_text() -> None:
    with pytest.raises(ValueError, match=r"^Input should be a valid string$"):
        text(5, HERE)


def test_relative_paths_follow_the_context(tmp_path: Path) -> None:
    assert file_path("a/b", Context(tmp_path)) == tmp_path / "a" / "b"
    assert file_path("/abs", Context(tmp_path)) == Path("/abs")
    assert file_path("a", HERE) == Path("a")


def test_every_bad_item_of_a_list_or_table_is_located() -> None:
    with pytest.raises(LocatedError) as info:
        many(integer(ge=0))([1, -1, "x"], HERE)
    assert [where for where, _ in info.value.problems] == [(1,), (2,)]
    with pytest.raises(LocatedError) as info:
        mapping(integer(), text)({"1": 2, "x": "y"}, HERE)
    assert [where for where, _ in info.value.problems] == [("x",), ("1",)]


@dataclass(frozen=True, slots=True, kw_only=True)
class _Inner:
    size: int = setting(integer(ge=0), 1)


@dataclass(frozen=True, slots=True, kw_only=True)
class _Outer:
    name: str = setting(text)
    inner: list[_Inner] = setting(many(table_of(_Inner)), factory=list)

    def __post_init__(self) -> None:
        if self.name == "bad":
            raise ValueError("not this name")


def test_a_table_reports_missing_unknown_and_nested_problems_at_once() -> None:
    with pytest.raises(LocatedError) as info:
        read(_Outer, {"inner": [{}, {"size": -1, "colour": 1}], "extra": 0}, HERE)
    assert problems(info.value) == (
        (("name",), "required"),
        (("inner", 1, "size"), "Input should be greater than or equal to 0"),
        (("inner", 1, "colour"), "unknown setting (check the spelling)"),
        (("extra",), "unknown setting (check the spelling)"),
    )


def test_a_rule_across_fields_is_checked_once_the_fields_are_valid() -> None:
    assert read(_Outer, {"name": "ok"}, HERE) == _Outer(name="ok")
    with pytest.raises(ValueError, match=r"^not this name$") as info:
        read(_Outer, {"name": "bad"}, HERE)
    assert problems(info.value) == (((), "not this name"),)
