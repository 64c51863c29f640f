"""A disk that refuses a write is reported as such, naming the file and the errno, and leaves what
was there intact: the adapter registry (a version, current.json) and the review's saved files."""

import errno
import shutil

import pytest

from finx.adapters.registry import AdapterRegistry
from finx.errors import DiskFull, StorageError
from finx.review.session import write_atomically


def full(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


def adapter(folder):
    folder.mkdir()
    (folder / "adapter_config.json").write_text("{}")
    (folder / "adapter_model.safetensors").write_bytes(b"weights")
    return folder


def test_a_full_disk_while_registering_registers_nothing(tmp_path, monkeypatch):
    registry = AdapterRegistry(tmp_path / "registry", seed=None)
    first = registry.register(adapter(tmp_path / "a"), None, "test", {}, {})
    registry.promote(first.version)
    monkeypatch.setattr(shutil, "copy2", full)
    with pytest.raises(DiskFull, match=r"cannot write .*v0002: No space left on device \(ENOSPC\)"):
        registry.register(adapter(tmp_path / "b"), first.version, "test", {}, {})
    monkeypatch.undo()
    assert [manifest.version for manifest in registry.manifests()] == [first.version]
    assert not list((tmp_path / "registry" / "versions").glob(".v*"))  # no staging folder left
    assert registry.current_version() == first.version


def test_a_full_disk_while_promoting_keeps_the_current_version(tmp_path, monkeypatch):
    registry = AdapterRegistry(tmp_path / "registry", seed=None)
    first = registry.register(adapter(tmp_path / "a"), None, "test", {}, {})
    second = registry.register(adapter(tmp_path / "b"), first.version, "test", {}, {})
    registry.promote(first.version)
    monkeypatch.setattr("finx.adapters.registry.fsync_path", full)
    with pytest.raises(DiskFull, match=r"current\.json"):
        registry.promote(second.version)
    monkeypatch.undo()
    assert registry.current_version() == first.version


def test_a_review_file_that_cannot_be_written_is_intact_and_the_error_says_so(tmp_path, monkeypatch):
    path = tmp_path / "reviewed.jsonl"
    write_atomically(path, "first\n")
    monkeypatch.setattr("os.fsync", lambda descriptor: full())
    with pytest.raises(StorageError, match=r"cannot write .*reviewed\.jsonl: No space left on device \(ENOSPC\)"):
        write_atomically(path, "second\n")
    monkeypatch.undo()
    assert path.read_text() == "first\n" and not list(tmp_path.glob(".*.tmp"))
