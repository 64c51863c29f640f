"""An installed finx (a wheel in a fresh venv, run outside the checkout) is one package, `finx`, and
finds its own assets: the shipped adapter, the dev set and the sample references come from package data, not from paths
relative to a source tree."""

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run(*command: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(part) for part in command], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, f"{command}: {done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A fresh venv holding only the finx wheel; its dependencies come from this venv's
    site-packages (added as a plain path, so this checkout's editable finx is not on it)."""
    work = tmp_path_factory.mktemp("wheel")
    run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--no-deps",
        "--no-build-isolation",
        "-q",
        "-w",
        work / "dist",
        ROOT,
        cwd=work,
    )
    (wheel,) = (work / "dist").glob("finx-*.whl")
    venv = work / "venv"
    run(sys.executable, "-m", "venv", venv, cwd=work)
    python = venv / "bin" / "python"
    site = run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))", cwd=work).strip()
    (Path(site) / "finx-dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    run(python, "-m", "pip", "install", "--no-deps", "--no-index", "-q", wheel, cwd=work)
    env = {"PATH": f"{venv / 'bin'}:{os.environ['PATH']}", "HOME": str(work), "FINX_HOME": str(work / "home")}
    return venv, env


def test_the_wheel_installs_one_package_finx(installed: tuple[Path, dict[str, str]]) -> None:
    venv, _ = installed
    (wheel,) = (venv.parent / "dist").glob("finx-*.whl")
    top_level = {name.split("/")[0] for name in zipfile.ZipFile(wheel).namelist()}
    assert top_level == {"finx", "finx-0.1.0.dist-info"}


def test_the_wheel_runs_from_its_own_install(installed: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    venv, env = installed
    where = run(
        venv / "bin" / "python",
        "-c",
        "import finx.cli, finx.training, finx.v1; print(finx.cli.__file__, finx.training.__file__, finx.v1.__file__)",
        cwd=tmp_path,
        env=env,
    )
    assert all(path.startswith(str(venv)) for path in where.split()), where


def test_installed_finx_lists_the_shipped_adapter_and_schemas(
    installed: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    venv, env = installed
    adapters = run(venv / "bin" / "finx", "adapters", "list", cwd=tmp_path, env=env)
    # the shipped adapter, registered on first use with its card's scores, is current (`*`)
    assert adapters.startswith("* v0001  parent=-") and "sroie/receipt=" in adapters, adapters
    schemas = run(venv / "bin" / "finx", "schemas", "list", cwd=tmp_path, env=env)
    for name in ("receipt", "invoice", "nda", "entities"):
        assert name in schemas, schemas


def test_installed_finx_has_its_dev_set_and_sample_references(
    installed: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    venv, env = installed
    probe = (
        "from finx.training.retrain import DEFAULT_DEV; from finx.retrieval import SAMPLE_REFERENCES; "
        "print(sorted(p.name for p in DEFAULT_DEV.glob('*.jsonl')), SAMPLE_REFERENCES.is_file(), DEFAULT_DEV)"
    )
    out = run(venv / "bin" / "python", "-c", probe, cwd=tmp_path, env=env)
    checkout_dev = sorted(path.name for path in (ROOT / "finetune" / "finx" / "training" / "dev").glob("*.jsonl"))
    assert len(checkout_dev) >= 10 and "shop-h.jsonl" in checkout_dev
    assert out.startswith(f"{checkout_dev} True"), out  # every dev set of the checkout, from package data
    assert str(venv) in out, out
