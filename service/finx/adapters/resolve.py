"""Adapter resolution: the one place where a caller's adapter reference becomes a folder.

A reference is `""` (the current adapter), `"base"` (the base model, no adapter) or a registry
version (`v0003`, matched against the registry's own list, never joined onto a path). Only callers
that act for the machine's owner (the CLI) may also name a PEFT folder by path; a request from
the network never can.
"""

from dataclasses import dataclass
from pathlib import Path

from finx.adapters.registry import VERSION_NAME, AdapterRegistry
from finx.errors import AdapterNotFound

BASE_ADAPTER = "base"
CURRENT_ADAPTER = ""


@dataclass(frozen=True)
class ResolvedAdapter:
    path: Path | None
    """The adapter folder, or None for the base model."""
    label: str
    """What results name it by: the version, the folder, or "" for the base model."""


def resolve_adapter(
    reference: str,
    registry: AdapterRegistry,
    current: ResolvedAdapter | None = None,
    allow_paths: bool = False,
) -> ResolvedAdapter:
    """The adapter a reference names. `current` is what `""` means (default: the registry's
    current version, read now); `allow_paths` lets a folder path name an adapter."""
    if reference == BASE_ADAPTER:
        return ResolvedAdapter(None, "")
    if reference == CURRENT_ADAPTER:
        if current is not None:
            return current
        version, path = registry.current()
        return ResolvedAdapter(path, version or "")
    if VERSION_NAME.fullmatch(reference) or not allow_paths:
        return ResolvedAdapter(registry.path(reference), reference)
    return ResolvedAdapter(check_adapter(Path(reference)), reference)


def check_adapter(path: Path) -> Path:
    """An existing PEFT adapter folder, or `AdapterNotFound` with a clear message."""
    if not (path / "adapter_config.json").is_file():
        raise AdapterNotFound(f"no LoRA adapter at {path}", hint="expected a PEFT folder with adapter_config.json")
    return path.resolve()
