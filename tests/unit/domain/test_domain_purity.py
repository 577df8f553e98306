"""The domain imports only the standard library, attrs and itself (STYLE.md rule 1)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import channel_manager.domain

DOMAIN_DIR = Path(channel_manager.domain.__file__).parent
ALLOWED_THIRD_PARTY = frozenset({"attrs", "attr"})


def imported_modules(source: str) -> list[str]:
    """Absolute module names imported by ``source`` (relative imports resolved as domain)."""
    names: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                names.append("channel_manager.domain")
            elif node.module is not None:
                names.append(node.module)
    return names


def is_allowed(module: str) -> bool:
    """stdlib, attrs, or the domain package itself."""
    top = module.split(".", maxsplit=1)[0]
    return (
        top in sys.stdlib_module_names
        or top in ALLOWED_THIRD_PARTY
        or module == "channel_manager.domain"
        or module.startswith("channel_manager.domain.")
    )


def test_the_domain_has_modules_to_check() -> None:
    assert len(list(DOMAIN_DIR.glob("*.py"))) > 10


def test_domain_imports_only_stdlib_attrs_and_itself() -> None:
    offenders = {
        f"{path.name}: {module}"
        for path in sorted(DOMAIN_DIR.rglob("*.py"))
        for module in imported_modules(path.read_text(encoding="utf-8"))
        if not is_allowed(module)
    }
    assert not offenders, f"domain imports outside stdlib/attrs: {sorted(offenders)}"


def test_the_check_catches_forbidden_imports() -> None:
    source = (
        "import sqlalchemy\nfrom httpx import Client\nfrom channel_manager.ports import clock\n"
    )
    assert [m for m in imported_modules(source) if not is_allowed(m)] == [
        "sqlalchemy",
        "httpx",
        "channel_manager.ports",
    ]


def test_the_check_accepts_stdlib_attrs_and_domain() -> None:
    source = (
        "import datetime\nimport attrs\nfrom .money import Money\nfrom decimal import Decimal\n"
    )
    assert all(is_allowed(m) for m in imported_modules(source))


def test_domain_never_reads_the_wall_clock() -> None:
    """Time comes from callers (a Clock port), never datetime.now()/utcnow()/today()."""
    calls = set()
    for path in DOMAIN_DIR.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in {"now", "utcnow", "today"}:
                calls.add(f"{path.name}:{node.lineno}")
    assert not calls, f"wall-clock reads in the domain: {sorted(calls)}"
