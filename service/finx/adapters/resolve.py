"""Adapter resolution: the one place where a caller's adapter reference becomes the one adapter
value (`ResolvedAdapter`: folder + label), validated here once and passed as is from the edge to the
engine; every result names its adapter by the label.

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
    """The adapter folder (absolute, checked), or None for the base model."""
    label: str
    """What results name it by: the registry version, the folder as given, or "base"."""

    @classmethod
    def folder(cls, path: Path) -> "ResolvedAdapter":
        """A PEFT folder named by path (only callers acting for the machine's owner)."""
        return cls(check_adapter(path), str(path))


BASE_MODEL = ResolvedAdapter(None, BASE_ADAPTER)


def resolve_adapter(
    reference: str,
    registry: AdapterRegistry,
    current: ResolvedAdapter | None = None,
    allow_paths: bool = False,
) -> ResolvedAdapter:
    """The adapter a reference names. `current` is what `""` means (default: the registry's
    current version, read now); `allow_paths` lets a folder path name an adapter."""
    if reference == BASE_ADAPTER:
        return BASE_MODEL
    if reference == CURRENT_ADAPTER:
        if current is not None:
            return current
        return registry_current(registry)
    if VERSION_NAME.fullmatch(reference) or not allow_paths:
        return ResolvedAdapter(registry.path(reference).resolve(), reference)
    return ResolvedAdapter.folder(Path(reference))


def registry_current(registry: AdapterRegistry) -> ResolvedAdapter:
    """The registry's current adapter, read now (the base model when the registry is empty)."""
    return registry_version(*registry.current())


def registry_version(version: str | None, path: Path | None) -> ResolvedAdapter:
    """A version the registry listed with its folder (the base model for none)."""
    return ResolvedAdapter(path.resolve(), version) if version and path else BASE_MODEL


def check_adapter(path: Path) -> Path:
    """An existing PEFT adapter folder, or `AdapterNotFound` with a clear message."""
    if not (path / "adapter_config.json").is_file():
        raise AdapterNotFound(f"no LoRA adapter at {path}", hint="expected a PEFT folder with adapter_config.json")
    return path.resolve()
