"""The cli package's modules import each other in one direction and take no private (`_x`) name from another."""

import ast
from graphlib import TopologicalSorter
from pathlib import Path

import notes_pipeline.cli

PACKAGE = "notes_pipeline.cli"


def _imports() -> dict[str, list[tuple[str, str]]]:
    """Each module of the package -> (module of the package, name) for every name it imports from the package."""
    folder = Path(notes_pipeline.cli.__file__).parent
    modules = {path.stem for path in folder.glob("*.py")}
    found: dict[str, list[tuple[str, str]]] = {}
    for path in sorted(folder.glob("*.py")):
        taken = found.setdefault(path.stem, [])
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[:2] == PACKAGE.split("."):
                inner = node.module.removeprefix(PACKAGE).lstrip(".") or "__init__"
                for alias in node.names:
                    # `from notes_pipeline.cli import commands` takes a module; `... import main` a name of __init__
                    if inner == "__init__" and alias.name in modules:
                        taken.append((alias.name, ""))
                    else:
                        taken.append((inner, alias.name))
    return found


def test_the_cli_modules_form_no_cycle():
    imports = _imports()
    assert {"__init__", "commands", "review", "publish", "runner"} <= set(imports)
    graph = {module: {target for target, _ in taken if target != module} for module, taken in imports.items()}
    order = list(TopologicalSorter(graph).static_order())  # raises CycleError on a cycle
    assert order.index("runner") < order.index("commands") < order.index("__init__")
    assert order.index("runner") < order.index("review")
    assert not graph["runner"] & {"commands", "review", "publish", "__init__"}  # the runner knows no command


def test_no_cli_module_takes_a_private_name_of_another():
    private = [
        (module, f"{target}.{name}")
        for module, taken in _imports().items()
        for target, name in taken
        if name.startswith("_")
    ]
    assert private == []
