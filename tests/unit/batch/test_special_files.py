"""Whatever a folder holds, every entry ends as exactly one result line or a counted exclusion,
and the batch never hangs: FIFOs, sockets, link loops, names that are not UTF-8, hidden files."""

import asyncio
import os
import socket
from pathlib import Path

import pytest

from finx.batch import BatchConfig, run_batch
from finx.batch.output import read_records
from finx.batch.records import read_bytes
from finx.ingest import IngestError
from finx.schemas import get_schema
from tests.unit.batch.test_runner import EchoBackend


def special_folder(root: Path) -> Path:
    root.mkdir()
    (root / "receipt.txt").write_text("SHOP A\nTOTAL 9.00\n", encoding="utf-8")
    os.mkfifo(root / "pipe.txt")
    with socket.socket(socket.AF_UNIX) as listener:
        listener.bind(str(root / "control.sock"))
    os.symlink(root / "loop-b.txt", root / "loop-a.txt")
    os.symlink(root / "loop-a.txt", root / "loop-b.txt")
    (root / os.fsdecode(b"caf\xe9.txt")).write_bytes(b"CAFE\nTOTAL 3.50\n")  # a Latin-1 name
    (root / ".DS_Store").write_bytes(b"\x00\x01")
    (root / ".git").mkdir()
    return root


@pytest.mark.parametrize("follow_links", [False, True])
def test_every_entry_gets_one_line_and_nothing_hangs(tmp_path: Path, follow_links: bool) -> None:
    root = special_folder(tmp_path / "in")
    out = tmp_path / "out.jsonl"
    config = BatchConfig(root, out, get_schema("receipt"), follow_links=follow_links)
    summary = asyncio.run(asyncio.wait_for(run_batch(config, EchoBackend()), timeout=30))
    lines = {record["path"]: (record["status"], record["reason"]) for record in read_records(out)}
    loop_reason = "symlink_loop" if follow_links else "symlink"
    assert lines == {
        "receipt.txt": ("ok", None),
        "caf\\xe9.txt": ("ok", None),
        "pipe.txt": ("error", "not_a_file"),
        "control.sock": ("error", "not_a_file"),
        "loop-a.txt": ("error", loop_reason),
        "loop-b.txt": ("error", loop_reason),
    }
    assert summary.total == 6 and summary.processed == 6
    assert summary.hidden == [".DS_Store", ".git"]
    assert "skipped 2 hidden entries (names starting with '.'): .DS_Store, .git" in summary.lines()


def test_a_file_swapped_for_a_fifo_after_discovery_is_refused_without_blocking(tmp_path: Path) -> None:
    pipe = tmp_path / "late.txt"
    os.mkfifo(pipe)
    with pytest.raises(IngestError) as refused:
        read_bytes(pipe, 1024)
    assert refused.value.reason == "not_a_file"
    assert "FIFO" in refused.value.message
