"""dsp/, coach/, io/, stream/ and session/ must run headless: they never import Qt, pyqtgraph or bleak."""

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "emgcoach"
FORBIDDEN = ("PySide6", "pyqtgraph", "bleak", "shiboken6")
HEADLESS = ("dsp", "coach", "io", "stream", "session")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("folder", HEADLESS)
def test_headless_packages_do_not_import_gui_or_ble(folder: str) -> None:
    files = sorted((PKG / folder).rglob("*.py"))
    assert files, f"emgcoach/{folder} has no modules"
    offenders = {str(f.relative_to(PKG)): sorted(_imports(f) & set(FORBIDDEN)) for f in files}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_dsp_imports_only_numpy_and_scipy() -> None:
    """docs/architecture.md: dsp/ depends on numpy and scipy only. One departure, kept to one module: the compiled
    per-sample loops in dsp/compiled.py use numba (the streaming target of 300x real time is out of reach
    with numpy's per-call overhead on 20-sample chunks)."""
    allowed = {"numpy", "scipy", "emgcoach", "__future__", "dataclasses", "typing", "math", "collections", "functools", "enum"}
    for f in sorted((PKG / "dsp").rglob("*.py")):
        extra = _imports(f) - allowed - ({"numba"} if f.name == "compiled.py" else set())
        assert not extra, f"{f.name} imports {sorted(extra)}"
