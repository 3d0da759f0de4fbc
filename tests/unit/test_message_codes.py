"""Every line the read model words for a person has a code, and every code is worded in every catalogue."""

from __future__ import annotations

import ast
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tracker.events import parse_partial_date
from tracker.projections.reports.i18n import LOCALES, languages, texts
from tracker.projections.rotation.records import Deviation

PROJECTIONS = Path(__file__).resolve().parents[2] / "projections"


def _constants(node: ast.expr) -> Iterator[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value
    elif isinstance(node, ast.Attribute) and node.attr == "code":
        return  # a code passed on (an engine problem's), counted where it is made
    elif isinstance(node, ast.IfExp):
        yield from _constants(node.body)
        yield from _constants(node.orelse)
    else:  # a code computed at run time must be checked by a test of its own (as deviations are below)
        raise AssertionError(f"a message code that is not a constant: {ast.unparse(node)}")


def _calls() -> Iterator[tuple[str, ast.Call]]:
    for path in sorted(PROJECTIONS.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = ast.unparse(node.func).rpartition(".")[2]
                yield f"{path.relative_to(PROJECTIONS)}:{node.lineno} {name}", node


def codes_in_source() -> set[str]:
    """The codes of every Message(...) and engine Problem(...) written in projections/."""
    found: set[str] = set()
    for where, call in _calls():
        name = where.rpartition(" ")[2]
        if name == "Message" and call.args and not isinstance(call.args[0], ast.JoinedStr):
            found.update(_constants(call.args[0]))
        elif name == "Problem":
            assert len(call.args) >= 4, f"{where}: an engine problem without a message code"
            found.update(_constants(call.args[3]))
    return found


def deviation_codes() -> set[str]:
    when = parse_partial_date("2024-07-25")
    kinds = ("swap", "skipped", "kept", "out_of_turn")
    return {Deviation("body:b#2", when, "KGZ", "KAZ", "PAK", "rule", kind, "body:b#3", when).message().code
            for kind in kinds} | {Deviation("body:b#2", when, None, "KAZ", "PAK", "rule", "swap").message().code}


def test_the_source_names_the_codes_we_expect() -> None:
    codes = codes_in_source()
    assert {"gap", "rule_unknown", "meetings_unrecorded", "no_alphabet", "held_outside_day"} <= codes
    assert deviation_codes() == {"deviation_swap", "deviation_skipped", "deviation_kept", "deviation_out_of_turn"}


@pytest.mark.parametrize("lang", languages())
def test_every_code_is_worded_in_every_catalogue(lang: str) -> None:
    catalogue = json.loads((LOCALES / f"{lang}.json").read_text(encoding="utf-8"))
    missing = sorted(c for c in codes_in_source() | deviation_codes() if f"msg.{c}" not in catalogue)
    assert missing == []
    assert texts(lang).has("msg.nobody")
