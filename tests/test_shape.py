"""The package's modules form stages that import one way: no import cycles, not even through an
import inside a function (the developers' guide: "each stage in a module named for it; no
import cycles")."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).parents[1] / "quotes"


def imports_of(path: Path) -> set[str]:
    """The quotes modules ``path`` imports, wherever in the file the import stands."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1 and node.module:
                found.add(node.module.split(".")[0])
            elif node.level == 1:
                found.update(alias.name for alias in node.names)
            elif node.module and node.module.startswith("quotes."):
                found.add(node.module.split(".")[1])
            elif node.module == "quotes":
                found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(
                alias.name.split(".")[1] for alias in node.names if alias.name.startswith("quotes.")
            )
    return found


def test_no_import_cycles():
    modules = {p.stem: p for p in PACKAGE.glob("*.py")}
    graph = {name: imports_of(path) & modules.keys() for name, path in modules.items()}
    assert graph["learned"] >= {"marks"} and "extract" not in graph["learned"]

    def cycle_from(start: str) -> list[str] | None:
        stack = [(start, [start])]
        while stack:
            name, path = stack.pop()
            for nxt in graph[name]:
                if nxt == start:
                    return path + [start]
                if nxt not in path:
                    stack.append((nxt, path + [nxt]))
        return None

    cycles = [c for name in sorted(graph) if (c := cycle_from(name))]
    assert cycles == []
