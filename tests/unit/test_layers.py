"""Dependencies point inward: events <- projections <- the rest of tracker, read off the source."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# What each layer's folder may import of ours (everything else under `tracker.` is outward).
ALLOWED = {
    "events": ("tracker.events",),
    "projections": ("tracker.events", "tracker.projections"),
}

SYMLINKED = {("tracker", "events"), ("tracker", "projections"), ("tracker", "config")}


def _ours(node: ast.AST, package: str) -> list[str]:
    """Modules of ours that one import statement names, relative imports resolved to `package`."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names if a.name.split(".")[0] in ("tracker", "events", "projections", "config")]
    if isinstance(node, ast.ImportFrom):
        if node.level:
            base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
            return [f"{base}.{node.module}" if node.module else base]
        if node.module and node.module.split(".")[0] in ("tracker", "events", "projections", "config"):
            return [node.module]
    return []


def _violations(layer: str) -> list[str]:
    found = []
    for path in sorted((ROOT / layer).rglob("*.py")):
        package = "tracker." + ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            for module in _ours(node, package):
                if not any(module == a or module.startswith(a + ".") for a in ALLOWED[layer]):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {module}")
    return found


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_layer_imports_only_inward(layer: str) -> None:
    """No module of an inner layer imports an outer one (or the old top-level names)."""
    assert list((ROOT / layer).rglob("*.py")), layer
    assert _violations(layer) == []


@pytest.mark.parametrize("folder", ["tracker", "tests", "bench"])
def test_nothing_imports_the_old_top_level_names(folder: str) -> None:
    """Installed, only `tracker` exists: an `import events` that works in the checkout fails there."""
    found = []
    for path in sorted((ROOT / folder).rglob("*.py")):
        if path.relative_to(ROOT).parts[:2] in SYMLINKED:
            continue  # the layers themselves, checked above
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            for module in _ours(node, "tracker"):
                if module.split(".")[0] in ("events", "projections", "config"):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {module}")
    assert found == []


def test_the_check_sees_an_outward_import(tmp_path: Path) -> None:
    """The walk above flags the imports it exists to refuse."""
    tree = ast.parse("from tracker.app import Tracker\nimport projections.queries\nfrom . import dates\n")
    named = [m for node in ast.walk(tree) for m in _ours(node, "tracker.events")]
    assert named == ["tracker.app", "projections.queries", "tracker.events"]
