"""providers/http/ is the HTTP policy every provider shares: it knows nothing of what the providers fetch."""

import ast
from pathlib import Path

import notes_pipeline.providers.http

# What the policy may build on: itself, its settings and the pipeline's error types.
ALLOWED = ("notes_pipeline.providers.http", "notes_pipeline.providers.config", "notes_pipeline.domain.errors")


def test_the_http_package_imports_no_provider_and_no_stage():
    folder = Path(notes_pipeline.providers.http.__file__).parent
    modules = [path for path in sorted(folder.glob("*.py")) if path.name != "__init__.py"]
    assert {"client.py", "download.py", "retry.py"} <= {path.name for path in modules}
    taken = [
        f"{path.name} imports {node.module}"
        for path in modules
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.ImportFrom)
        and (node.module or "").startswith("notes_pipeline")
        and not node.module.startswith(ALLOWED)
    ]
    assert taken == []
