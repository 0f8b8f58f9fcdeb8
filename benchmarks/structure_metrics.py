"""Structure figures of the package (issue 9): files at the package root, the longest function
and class, and imports made inside functions (of our own modules, and those without a comment
saying why). Run: ``python benchmarks/structure_metrics.py [src/groovebox]`` (any checkout)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path


def main(root: Path) -> None:
    print("files at the package root:", sorted(p.name for p in root.glob("*.py")))
    longest_f, longest_c = (0, ""), (0, "")
    local = own = bare = 0
    for path in sorted(root.rglob("*.py")):
        text = path.read_text()
        lines = text.splitlines()
        tree = ast.parse(text)
        parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
        for node in ast.walk(tree):
            size = (getattr(node, "end_lineno", 0) or 0) - getattr(node, "lineno", 0) + 1
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and size > longest_f[0]:
                longest_f = (size, f"{path}:{node.lineno} {node.name}")
            if isinstance(node, ast.ClassDef) and size > longest_c[0]:
                longest_c = (size, f"{path}:{node.lineno} {node.name}")
            if isinstance(node, ast.Import | ast.ImportFrom):
                up = parents.get(node)
                while up is not None and not isinstance(up, ast.FunctionDef | ast.AsyncFunctionDef):
                    up = parents.get(up)
                if up is None:
                    continue  # at module level
                local += 1
                if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("groovebox")):
                    own += 1
                    if not any("#" in line for line in lines[node.lineno - 2 : node.end_lineno]):
                        bare += 1
    print("longest function:", *longest_f)
    print("longest class:", *longest_c)
    print(f"imports inside functions: {local}, of our own modules: {own}, of those without a comment: {bare}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "src/groovebox"))
