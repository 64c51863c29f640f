"""Architecture rules: one import root (`finx`, every package of the two folders listed for the
wheel), the import contract of pyproject.toml (import-linter: every package a layer, layers point
down, training under the CLI alone), no import cycles (lazy imports inside functions included), one
reader of environment variables, modules under 400 lines."""

import ast
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_import_contracts_are_kept() -> None:
    lint_imports = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint_imports, "import-linter is not installed (make install)"
    # the checkout's two folders of `finx`, as plain paths: import-linter reads packages from the
    # file system and does not see through the editable install's import hook
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'service'}{os.pathsep}{ROOT / 'finetune'}"}
    run = subprocess.run([lint_imports, "--no-cache"], cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert "1 kept, 0 broken" in run.stdout


FOLDERS = {"service": ROOT / "service" / "finx", "finetune": ROOT / "finetune" / "finx"}
PYTHON_SOURCES = [path for folder in FOLDERS.values() for path in folder.rglob("*.py")]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def entries(folder: Path) -> list[str]:
    """The names in `folder`, caches and hidden files left out."""
    return sorted(
        path.name for path in folder.iterdir() if path.name != "__pycache__" and not path.name.startswith(".")
    )


def test_the_two_folders_hold_one_package_finx_and_every_package_is_listed() -> None:
    assert entries(ROOT / "service") == ["finx"]
    assert entries(ROOT / "finetune") == ["finx"]
    assert entries(ROOT / "finetune" / "finx") == ["training"]
    assert not (ROOT / "service" / "finx" / "__init__.py").exists(), "finx is one namespace over both folders"
    on_disk = {
        ".".join(path.parent.relative_to(root.parent).parts) for root in FOLDERS.values() for path in root.rglob("*.py")
    }
    assert sorted(PYPROJECT["tool"]["setuptools"]["packages"]) == sorted(on_disk)


def test_the_import_contract_names_every_top_level_package_and_module() -> None:
    (contract,) = PYPROJECT["tool"]["importlinter"]["contracts"]
    named = {name.strip() for layer in contract["layers"] for name in re.split(r"[|:]", layer)}
    top_level = {Path(name).stem for name in entries(ROOT / "service" / "finx")}
    assert named == top_level | {"training"}


def test_environment_variables_are_read_in_one_module_and_listed_in_the_settings_reference() -> None:
    from finx.config import ENVIRONMENT

    readers = re.compile(r"os\.environ\.get\(|os\.environ\[|os\.getenv\(")
    reading = [str(path.relative_to(ROOT)) for path in PYTHON_SOURCES if readers.search(path.read_text())]
    assert reading == ["service/finx/config.py"]
    reference = (ROOT / "docs" / "reference" / "settings.md").read_text()
    rows = re.findall(r"^\| `(FINX_[A-Z_]+)` \| (.+?) \|", reference, re.M)
    assert {name for name, _ in rows} == {variable.name for variable in ENVIRONMENT}


def test_the_generated_docs_are_current_and_the_readme_is_short() -> None:
    process = subprocess.run([sys.executable, "docs/generate_reference.py", "--check"], cwd=ROOT, capture_output=True,
                             text=True, timeout=120)  # fmt: skip
    assert process.returncode == 0, process.stdout + process.stderr
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.encode()) < 15 * 1024
    assert readme.index("make serve") < readme.index("make test") < 1500  # the two set-up commands first


def test_no_module_is_over_400_lines() -> None:
    long = {
        str(path.relative_to(ROOT)): n for path in PYTHON_SOURCES if (n := len(path.read_text().splitlines())) > 400
    }
    assert long == {}


def finx_import_graph() -> dict[str, set[str]]:
    """Every finx module (the generated `v1` bindings aside) and the finx modules it imports,
    at the top or inside a function."""
    modules = {}
    for folder in (ROOT / "service", ROOT / "finetune"):
        for path in folder.rglob("*.py"):
            parts = path.relative_to(folder).with_suffix("").parts
            if "v1" not in parts:
                modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                targets = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
            elif isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                continue
            graph[name] |= {target for target in targets if target in modules and target != name}
    return graph


def test_no_import_cycles_lazy_or_not() -> None:
    graph = finx_import_graph()
    assert {"finx.server.http", "finx.schemas", "finx.cli"} <= set(graph)

    def cycle_from(start: str) -> list[str] | None:
        stack = [(start, [start])]
        seen = set()
        while stack:
            node, trail = stack.pop()
            for target in graph[node]:
                if target == start:
                    return [*trail, start]
                if target not in seen:
                    seen.add(target)
                    stack.append((target, [*trail, target]))
        return None

    cycles = [cycle for name in sorted(graph) if (cycle := cycle_from(name))]
    assert cycles == [], f"import cycles: {cycles[:3]}"
