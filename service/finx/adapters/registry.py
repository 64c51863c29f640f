"""The adapter registry: versioned LoRA adapters, one of them current, switched atomically.

Layout under the registry root (`FINX_ADAPTERS`, default `$FINX_HOME/adapters`):

    versions/v0001/            adapter files + manifest.json
    versions/v0002/ ...
    current.json               {"version": "v0002", "history": ["v0001"]}

A version folder is complete before it appears (written to a temporary folder, fsynced, then
renamed), and `current.json` is replaced with an atomic rename after an fsync (and the folder is
fsynced after it), so a crash at any point leaves the previous current adapter serving. Every
change happens under one file lock (`.lock`, the `filelock` package), so concurrent owners never
pick the same version number or lose history; `promote(version, expected_current=...)` is a
compare-and-swap, for callers (retraining) that decided on an older current version.
The manifest holds parent, data hashes, scores, command and creation time.
The adapter shipped with finx (`service/finx/adapters/shipped/finx-lora-v11`) is registered on first use; when a
new finx release ships a different adapter, it is registered too and becomes current only if the
current version is itself a shipped one (an owner's own promotion is never overridden).
"""

import json
import os
import re
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from filelock import FileLock

from finx.config import env, finx_home
from finx.errors import AdapterNotFound, FinxError, storage_error
from finx.model_store import file_sha256

REGISTRY_HINT = "free space in the registry's folder (FINX_ADAPTERS); the current adapter is unchanged"
LOCK_TIMEOUT_S = 60.0
"""How long a registry change waits for another process's change to finish."""
SHIPPED_ADAPTER = Path(str(resources.files("finx.adapters").joinpath("shipped", "finx-lora-v11")))
"""The adapter this release ships, package data of `finx.adapters` (in a checkout and in a wheel)."""


VERSION_NAME = re.compile(r"v[0-9]{4,}")


def default_registry_root() -> Path:
    return Path(env("FINX_ADAPTERS") or finx_home() / "adapters").expanduser()


@dataclass
class Manifest:
    version: str
    parent: str | None
    created_at: str
    command: str
    data: dict[str, Any] = field(default_factory=dict)
    """Hashes and counts of the training data (`examples_sha256`, per-source counts)."""
    scores: dict[str, Any] = field(default_factory=dict)
    """Headline scores per dev dataset at registration."""
    notes: str = ""
    shipped_sha256: str | None = None
    """Hash of the shipped adapter's weights, for versions registered from the repository."""


class CurrentChanged(FinxError):
    """The current version is not the one the caller expected (someone else changed it)."""


_UNCHECKED = object()


class AdapterRegistry:
    def __init__(self, root: Path | None = None, seed: Path | None = SHIPPED_ADAPTER) -> None:
        self.root = root or default_registry_root()
        self.versions = self.root / "versions"
        self._seed = seed

    def _lock(self) -> FileLock:
        self.root.mkdir(parents=True, exist_ok=True)
        return FileLock(self.root / ".lock", timeout=LOCK_TIMEOUT_S)

    # reading ------------------------------------------------------------------------------
    def manifests(self) -> list[Manifest]:
        """Every version's manifest, oldest first."""
        self._ensure_seeded()
        return self._read_manifests()

    def current_version(self) -> str | None:
        self._ensure_seeded()
        state = self._state()
        return state.get("version")

    def current(self) -> tuple[str | None, Path | None]:
        """The current version and its folder, read together from one state file read."""
        version = self.current_version()
        return version, self.path(version) if version else None

    def current_path(self) -> Path | None:
        """Folder of the current adapter, or None when the registry is empty."""
        version = self.current_version()
        return self.path(version) if version else None

    def path(self, version: str) -> Path:
        """The folder of a registered version. Only names of the registry's own list are accepted:
        a name is never joined onto a path unchecked (no `../`, no absolute paths)."""
        known = {folder.name for folder in self.versions.glob("v[0-9]*")} if self.versions.is_dir() else set()
        if not VERSION_NAME.fullmatch(version) or version not in known:
            raise AdapterNotFound(
                f"no adapter version {version!r}", hint="use '', 'base' or a version that `finx adapters list` shows"
            )
        folder = self.versions / version
        if not (folder / "manifest.json").is_file():
            raise AdapterNotFound(f"adapter version {version!r} is incomplete")
        return folder

    def manifest(self, version: str) -> Manifest:
        return Manifest(**json.loads((self.path(version) / "manifest.json").read_text()))

    # writing ------------------------------------------------------------------------------
    def register(self, adapter_dir: Path, parent: str | None, command: str, data: dict, scores: dict) -> Manifest:
        """Copy a trained adapter in as a new version (not yet current)."""
        self._ensure_seeded()
        with self._lock():
            return self._register(adapter_dir, parent, command, data, scores)

    def _register(
        self,
        adapter_dir: Path,
        parent: str | None,
        command: str,
        data: dict,
        scores: dict,
        shipped_sha256: str | None = None,
    ) -> Manifest:
        if not (adapter_dir / "adapter_config.json").is_file():
            raise AdapterNotFound(f"no LoRA adapter at {adapter_dir}")
        self.versions.mkdir(parents=True, exist_ok=True)
        version = self._next_version()
        manifest = Manifest(
            version=version,
            parent=parent,
            created_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            command=command,
            data=data,
            scores=scores,
            shipped_sha256=shipped_sha256,
        )
        try:
            staging = Path(tempfile.mkdtemp(prefix=f".{version}-", dir=self.versions))
        except OSError as error:
            raise storage_error(self.versions, error, REGISTRY_HINT) from None
        try:
            for item in adapter_dir.iterdir():
                if item.is_file():
                    shutil.copy2(item, staging / item.name)
            (staging / "manifest.json").write_text(json.dumps(asdict(manifest), indent=2) + "\n")
            for item in staging.iterdir():
                fsync_path(item)
            fsync_path(staging)
            staging.rename(self.versions / version)
            fsync_path(self.versions)
        except OSError as error:  # nothing half-written is registered: the staging folder goes
            raise storage_error(self.versions / version, error, REGISTRY_HINT) from None
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return manifest

    def promote(self, version: str, expected_current: object = _UNCHECKED) -> None:
        """Make `version` current (atomically); the previous one goes on the rollback history.
        With `expected_current`, only if the current version is still that one (`CurrentChanged`
        otherwise): a decision made on an older state never overwrites a newer one."""
        self._ensure_seeded()
        self.path(version)
        with self._lock():
            current = self._state().get("version")
            if expected_current is not _UNCHECKED and current != expected_current:
                raise CurrentChanged(
                    f"not promoting {version}: the current version changed from {expected_current} to {current}",
                    hint="promote it yourself with `finx adapters promote` if it is still wanted",
                )
            self._set_current(version)

    def _set_current(self, version: str) -> None:
        state = self._state()
        if state.get("version") == version:
            return
        history = [*state.get("history", []), state["version"]] if state.get("version") else []
        self._write_state({"version": version, "history": history})

    def rollback(self) -> str:
        """Make the previous current version current again; returns it."""
        with self._lock():
            state = self._state()
            history = state.get("history", [])
            if not history:
                raise FinxError("nothing to roll back to", hint="only one version has ever been current")
            self._write_state({"version": history[-1], "history": history[:-1]})
            return history[-1]

    # internals ----------------------------------------------------------------------------
    def _state(self) -> dict[str, Any]:
        path = self.root / "current.json"
        return json.loads(path.read_text()) if path.is_file() else {}

    def _write_state(self, state: dict[str, Any]) -> None:
        staging = self.root / f".current.json.{os.getpid()}"
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            staging.write_text(json.dumps(state) + "\n")
            fsync_path(staging)
            staging.replace(self.root / "current.json")
            fsync_path(self.root)
        except OSError as error:  # current.json is untouched: the previous version stays current
            staging.unlink(missing_ok=True)
            raise storage_error(self.root / "current.json", error, REGISTRY_HINT) from None

    def _next_version(self) -> str:
        numbers = [int(p.name[1:]) for p in self.versions.glob("v[0-9]*") if p.name[1:].isdigit()]
        return f"v{max(numbers, default=0) + 1:04d}"

    def _ensure_seeded(self) -> None:
        if self._seed is None or not (self._seed / "adapter_model.safetensors").is_file():
            return
        weights_hash = shipped_weights_sha256(self._seed / "adapter_model.safetensors")
        if any(manifest.shipped_sha256 == weights_hash for manifest in self._read_manifests()):
            return
        with self._lock():
            self._seed_locked(weights_hash)

    def _seed_locked(self, weights_hash: str) -> None:
        manifests = self._read_manifests()
        if any(manifest.shipped_sha256 == weights_hash for manifest in manifests):
            return  # another process seeded it while this one waited for the lock
        assert self._seed is not None
        shipped_manifest = self._seed / "manifest.json"
        shipped = json.loads(shipped_manifest.read_text()) if shipped_manifest.is_file() else {}
        manifest = self._register(
            self._seed,
            parent=None,
            command=shipped.get("command", "finx train --config finetune/finx/training/configs/default.yaml"),
            data=shipped.get("data", {}),
            scores=shipped.get("scores", {}),
            shipped_sha256=weights_hash,
        )
        current = self._state().get("version")
        current_is_shipped = any(m.version == current and m.shipped_sha256 for m in manifests)
        if current is None or current_is_shipped:
            self._set_current(manifest.version)

    def _read_manifests(self) -> list[Manifest]:
        manifests = []
        for folder in sorted(self.versions.glob("v[0-9]*")):
            if (folder / "manifest.json").is_file():
                manifests.append(Manifest(**json.loads((folder / "manifest.json").read_text())))
        return manifests


def fsync_path(path: Path) -> None:
    """Flush a file's or a folder's entries to disk (what makes a rename crash-safe)."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


_shipped_hashes: dict[tuple[str, int, int], str] = {}


def shipped_weights_sha256(path: Path) -> str:
    """SHA-256 of the shipped weights, computed once per file version (path, size, mtime), not on
    every registry read."""
    info = path.stat()
    key = (str(path), info.st_size, info.st_mtime_ns)
    if key not in _shipped_hashes:
        _shipped_hashes[key] = file_sha256(path)
    return _shipped_hashes[key]
