"""The import arrows of ARCHITECTURE.md, checked on the source text.

cli -> node -> sync -> protocol, and node -> hardware -> protocol. protocol/ and sync/
stay pure: no clock, no I/O, no threads.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("protocol", "sync", "hardware", "node", "cli")

# Which meshaid layers each layer may import.
MAY_IMPORT = {
    "protocol": set(),
    "sync": {"protocol"},
    "hardware": {"protocol"},
    "node": {"sync", "protocol", "hardware"},
    "cli": {"node", "sync", "protocol", "hardware"},
}
# Outside modules the pure layers must never touch.
IMPURE = {
    "time", "datetime", "asyncio", "threading", "multiprocessing", "socket", "select",
    "subprocess", "os", "shutil", "pathlib", "tempfile", "sqlite3", "sqlalchemy", "serial",
    "meshtastic", "signal", "logging",
}


def imported_modules(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def sources(layer: str) -> list[Path]:
    return sorted(p for p in (ROOT / layer).rglob("*.py") if "migrations" not in p.parts)


@pytest.mark.parametrize("layer", LAYERS)
def test_layer_imports_follow_the_arrows(layer: str) -> None:
    bad = []
    for path in sources(layer):
        for line, module in imported_modules(path):
            parts = module.split(".")
            if parts[0] in LAYERS:
                where = f"{path.relative_to(ROOT)}:{line}"
                bad.append(f"{where}: import {module} (use meshaid.{module})")
            if parts[0] == "meshaid" and len(parts) > 1:
                target = parts[1]
                if target != layer and target not in MAY_IMPORT[layer]:
                    bad.append(f"{path.relative_to(ROOT)}:{line}: {layer}/ may not import {module}")
            if layer in ("protocol", "sync") and parts[0] in IMPURE:
                bad.append(f"{path.relative_to(ROOT)}:{line}: pure {layer}/ imports {module}")
    assert bad == []


# The phone parser reads residents' texts and writes their replies: pure, like sync/, so it
# can be tested on text alone. It may use the protocol and three pure node modules.
PHONE_MAY_IMPORT = ("meshaid.protocol", "meshaid.node.phone", "meshaid.node.codes",
                    "meshaid.node.errors", "meshaid.node.text_rules")
PURE_NODE_MODULES = ("codes.py", "errors.py", "text_rules.py")


def test_phone_parser_is_pure() -> None:
    bad = []
    paths = sources("node/phone") + [ROOT / "node" / name for name in PURE_NODE_MODULES]
    for path in paths:
        for line, module in imported_modules(path):
            parts = module.split(".")
            where = f"{path.relative_to(ROOT)}:{line}"
            # Dates are the parser's business (trade times), the clock is not: ``now`` is
            # passed in, so datetime is allowed and reading the clock is not.
            if parts[0] in IMPURE - {"datetime"}:
                bad.append(f"{where}: pure module imports {module}")
            if parts[0] == "meshaid" and not module.startswith(PHONE_MAY_IMPORT):
                bad.append(f"{where}: the phone parser may not import {module}")
        text = path.read_text(encoding="utf-8")
        for call in (".now(", ".today(", ".utcnow("):
            if call in text:
                bad.append(f"{path.relative_to(ROOT)}: reads the clock ({call})")
    assert bad == []


def test_the_check_sees_a_bad_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import time\nfrom meshaid.node import store\n")
    assert [m for _, m in imported_modules(sample)] == ["time", "meshaid.node"]
