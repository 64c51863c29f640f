"""Architecture rules: the import contracts of pyproject.toml (import-linter: layers point down, the
runtime never imports finetune), one reader of environment variables, modules under 400 lines."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_import_contracts_are_kept() -> None:
    lint_imports = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint_imports, "import-linter is not installed (make install)"
    run = subprocess.run([lint_imports, "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert "2 kept, 0 broken" in run.stdout


PYTHON_SOURCES = [path for package in ("service", "finetune") for path in (ROOT / package).rglob("*.py")]


def test_environment_variables_are_read_in_one_module_and_listed_in_the_readme() -> None:
    from service.config import ENVIRONMENT

    readers = re.compile(r"os\.environ\.get\(|os\.environ\[|os\.getenv\(")
    reading = [str(path.relative_to(ROOT)) for path in PYTHON_SOURCES if readers.search(path.read_text())]
    assert reading == ["service/config.py"]
    readme_rows = re.findall(r"^\| `(FINX_[A-Z_]+)` \| (.+?) \|", (ROOT / "README.md").read_text(), re.M)
    assert {name for name, _ in readme_rows} == {variable.name for variable in ENVIRONMENT}


def test_no_module_is_over_400_lines() -> None:
    long = {
        str(path.relative_to(ROOT)): n for path in PYTHON_SOURCES if (n := len(path.read_text().splitlines())) > 400
    }
    assert long == {}
