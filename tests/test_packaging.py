"""``make run`` installs allybot quietly: building it prints no setuptools warnings.

pip shows whatever the build backend warns about (``project.license`` as a table, the
flat layout's editable finder...), so the build is run here exactly as pip runs it, with
the setuptools pip would use, on a copy of the project.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _copy_project(dest: Path) -> Path:
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, dest / name)
    for package in ("bot", "handlers", "storage"):
        shutil.copytree(
            ROOT / package, dest / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    return dest


def build_output(project: Path, hook: str) -> str:
    """Everything the PEP 517 ``hook`` prints, warnings shown as pip would show them."""
    out = project / "dist"
    out.mkdir()
    code = f"from setuptools import build_meta; build_meta.{hook}({str(out)!r})"
    done = subprocess.run(
        [sys.executable, "-W", "default", "-c", code],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert list(out.glob("allybot-*.whl")), "no wheel was built"
    return done.stdout + done.stderr


#: How Python prints a warning: ``path.py:LINE: Category: message``.
_WARNING = re.compile(r"\.py:\d+: \w+: ")


def warnings_in(output: str) -> list[str]:
    return [line for line in output.splitlines() if _WARNING.search(line)]


def test_editable_install_prints_no_setuptools_warnings(tmp_path: Path):
    output = build_output(_copy_project(tmp_path), "build_editable")
    assert warnings_in(output) == []


def test_the_old_license_table_is_what_warned(tmp_path: Path):
    """The check can fail: the table form of ``license`` we used to have warns."""
    project = _copy_project(tmp_path)
    toml = project / "pyproject.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace('license = "MIT"', 'license = { text = "MIT" }'),
        encoding="utf-8",
    )
    assert any("project.license" in w for w in warnings_in(build_output(project, "build_wheel")))


def test_build_requires_a_setuptools_that_reads_the_license_string():
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert data["project"]["license"] == "MIT"
    assert data["build-system"]["requires"] == ["setuptools>=77"]


def test_without_the_declared_layout_the_editable_install_warns(tmp_path: Path):
    """The check can fail: undeclared, the flat layout gets a finder that warns."""
    project = _copy_project(tmp_path)
    toml = project / "pyproject.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(text.replace('package-dir = { "" = "." }\n', ""), encoding="utf-8")
    warned = warnings_in(build_output(project, "build_editable"))
    assert any("Editable installation" in w for w in warned)
