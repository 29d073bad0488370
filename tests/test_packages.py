"""Every package of the tree is installed: pyproject.toml lists each folder with an
__init__.py (a package missing there works in the editable install of a developer's tree
and is absent from a wheel)."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_pyproject_lists_every_package() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    found = {
        "meshaid." + ".".join(init.parent.relative_to(ROOT).parts)
        for top in ("protocol", "sync", "hardware", "node", "cli")
        for init in (ROOT / top).rglob("__init__.py")
    }
    assert found == listed
