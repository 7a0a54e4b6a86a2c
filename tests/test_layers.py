"""The README's layers, enforced: import-linter's contracts (pyproject.toml, [tool.importlinter])
over the whole package, imports inside function bodies included.

crawler/, checks/, … are installed as guideaudit.crawler, … by setup.py's package_dir, which
import-linter's graph builder cannot follow (it walks the folder of `guideaudit`). The test lays
the installed layout out as a tree of symlinks, as setup.py maps it, and lints that.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _mapped() -> dict[str, str]:
    """setup.py's MAPPED (package -> folder), read rather than repeated."""
    tree = ast.parse((REPO / "setup.py").read_text("utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "MAPPED" for t in node.targets):
            return ast.literal_eval(node.value)
    raise AssertionError("setup.py has no MAPPED")


def _layout(root: Path) -> Path:
    """root/guideaudit/… with every mapped folder where the installed package has it."""
    mapped = _mapped()
    top = root / "guideaudit"
    top.mkdir(parents=True)
    for entry in (REPO / mapped["guideaudit"]).iterdir():
        if entry.name != "__pycache__":
            (top / entry.name).symlink_to(entry)
    for package, folder in mapped.items():
        if package != "guideaudit":
            (top / package.split(".", 1)[1]).symlink_to(REPO / folder)
    return root


def _lint(root: Path) -> subprocess.CompletedProcess:
    tool = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    if tool is None:
        pytest.fail("lint-imports 未安装：pip install -e '.[dev]'（import-linter）")
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [tool, "--no-cache", str(REPO / "pyproject.toml")],
        cwd=root, env=env, capture_output=True, text=True, timeout=300,
    )


def test_layer_contracts_are_kept(tmp_path: Path) -> None:
    proc = _lint(_layout(tmp_path))
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]
    assert "0 broken" in proc.stdout


def test_an_upward_import_inside_a_function_breaks_the_contract(tmp_path: Path) -> None:
    """The contract sees function-level imports: the bottom layer importing reports from inside a
    function (the way an upward import would be hidden) is reported with its line."""
    root = _layout(tmp_path)
    text = (root / "guideaudit" / "text.py")
    source = text.read_text("utf-8")
    text.unlink()
    text.write_text(source + "\n\ndef _hidden():\n    from guideaudit.reports import build  # noqa\n\n    return build\n", "utf-8")
    proc = _lint(root)
    assert proc.returncode != 0, proc.stdout[-3000:]
    assert "guideaudit.text -> guideaudit.reports" in proc.stdout, proc.stdout[-3000:]


def _package_sources() -> dict[str, str]:
    found = {}
    for folder in _mapped().values():
        for path in (REPO / folder).rglob("*.py"):
            found[str(path.relative_to(REPO))] = path.read_text("utf-8")
    return found


def test_one_definition_of_the_loopback_hosts_and_the_attachment_flag() -> None:
    sources = _package_sources()
    flag = [p for p, text in sources.items() if '"guideaudit_attachment"' in text]
    assert flag == ["crawler/netfail.py"]  # ATTACHMENT_META_FLAG; everyone else imports it
    loopback = [p for p, text in sources.items() if ".is_loopback" in text or '"::1"' in text]
    assert loopback == ["guideaudit/loopback.py"]
