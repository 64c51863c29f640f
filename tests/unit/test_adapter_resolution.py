"""The one adapter value: a reference resolves once, at the edge, to a checked folder and the label
every result carries (a registry version, a folder as the owner named it, or "base")."""

import json
from pathlib import Path

import pytest

from finx.adapters.registry import AdapterRegistry
from finx.adapters.resolve import BASE_MODEL, ResolvedAdapter, registry_current, resolve_adapter
from finx.errors import AdapterNotFound


def make_adapter(folder: Path) -> Path:
    folder.mkdir(parents=True)
    (folder / "adapter_config.json").write_text(json.dumps({"peft_type": "LORA"}))
    (folder / "adapter_model.safetensors").write_bytes(b"weights")
    return folder


@pytest.fixture
def registry(tmp_path: Path) -> AdapterRegistry:
    return AdapterRegistry(tmp_path / "registry", seed=make_adapter(tmp_path / "shipped"))


def test_base_current_and_version_resolve_to_their_labels(registry: AdapterRegistry) -> None:
    assert resolve_adapter("base", registry) == BASE_MODEL == ResolvedAdapter(None, "base")
    current = resolve_adapter("", registry)
    assert current.label == "v0001" and current.path == (registry.root / "versions" / "v0001").resolve()
    assert resolve_adapter("v0001", registry) == current == registry_current(registry)


def test_a_folder_is_named_as_given_and_only_where_paths_are_allowed(registry: AdapterRegistry, tmp_path: Path) -> None:
    folder = make_adapter(tmp_path / "mine")
    assert resolve_adapter(str(folder), registry, allow_paths=True) == ResolvedAdapter(folder.resolve(), str(folder))
    with pytest.raises(AdapterNotFound, match="no adapter version"):
        resolve_adapter(str(folder), registry)  # a request from the network names versions only
    with pytest.raises(AdapterNotFound, match="no LoRA adapter at"):
        resolve_adapter(str(tmp_path / "missing"), registry, allow_paths=True)


def test_an_empty_registry_serves_the_base_model(tmp_path: Path) -> None:
    assert registry_current(AdapterRegistry(tmp_path / "empty", seed=None)) == BASE_MODEL
