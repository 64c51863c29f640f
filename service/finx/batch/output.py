"""The batch results file: JSON lines appended atomically, read back for `--resume`.

A write the disk refuses (ENOSPC, EIO, EROFS, EDQUOT, a short write) is a `StorageError` that
names the file and the errno, and the file is cut back to its last whole line, so the batch can
stop and a later `--resume` does exactly the documents whose lines are missing.

Each record is written with one `write` call on a file opened for appending, so a killed process
leaves whole lines; should a crash still cut the last line (power loss), `open_results` drops
that partial line before appending. A document whose extraction failed in a way a retry may fix
(the server was overloaded or unreachable) keeps its line, marked `retryable`, so the file holds
every document; on resume those lines are removed so that their documents are done again; a document whose content
changed since its line was written is done again and its old line removed, so every document
keeps exactly one line.
"""

import contextlib
import csv
import errno
import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from finx.errors import FinxError, StorageError, storage_error


def output_error(path: Path, error: OSError) -> StorageError:
    hint = "free space or fix the disk, then run again with --resume: every line written is whole"
    return storage_error(path, error, hint)


class ResultsFile:
    """Append-only JSONL of batch records; a failed write leaves the file at its last whole line."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def append(self, record: dict[str, Any]) -> None:
        """Write one line whole, or raise `StorageError` with the file as it was before."""
        line = (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
        size = os.fstat(self.fd).st_size
        try:
            written = os.write(self.fd, line)
            if written != len(line):  # a regular file takes it whole; anything else is a disk problem
                raise OSError(errno.ENOSPC, f"short write ({written} of {len(line)} bytes)")
        except OSError as error:
            with contextlib.suppress(OSError):
                os.ftruncate(self.fd, size)  # no partial line stays behind
            raise output_error(self.path, error) from None

    def close(self) -> None:
        """Flush to disk and close; an error of the disk is an `StorageError`."""
        try:
            os.fsync(self.fd)
        except OSError as error:
            raise output_error(self.path, error) from None
        finally:
            os.close(self.fd)


def read_records(path: Path) -> list[dict[str, Any]]:
    """The complete records of a results file (a cut last line is ignored)."""
    if not path.exists():
        return []
    records = []
    for line in path.read_bytes().split(b"\n"):
        if line.strip():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return records


def open_results(path: Path, resume: bool) -> tuple[ResultsFile, dict[str, dict[str, Any]]]:
    """The results file ready for appending, and the records already done, by document path.

    Without `resume`, an existing non-empty file is an error rather than silently mixed into.
    With it, the file is first compacted: one line per document (the latest), none retryable.
    """
    if path.exists() and path.stat().st_size and not resume:
        raise FinxError(f"{path} already has results", hint="use --resume to carry on, or another --out")
    done: dict[str, dict[str, Any]] = {}
    if resume and path.exists():
        records = read_records(path)
        done = latest_per_path(records, drop_retryable=True)
        content = path.read_bytes()
        if len(done) != len(records) or (content and not content.endswith(b"\n")):
            rewrite(path, list(done.values()))
    return ResultsFile(path), done


def latest_per_path(records: list[dict[str, Any]], drop_retryable: bool) -> dict[str, dict[str, Any]]:
    """The last record of each document (`drop_retryable`: none whose failure a retry may fix,
    so that a resumed batch does those documents again)."""
    latest: dict[str, dict[str, Any]] = {}
    for record in records:
        latest.pop(record["path"], None)
        if not (drop_retryable and record.get("retryable")):
            latest[record["path"]] = record
    return latest


def compact(path: Path) -> None:
    """Keep one line per document in a finished results file (a changed file was redone); a
    retryable failure keeps its line, so every document of the batch is in the file."""
    records = read_records(path)
    latest = latest_per_path(records, drop_retryable=False)
    if len(latest) != len(records):
        rewrite(path, list(latest.values()))


def rewrite(path: Path, records: list[dict[str, Any]]) -> None:
    """Replace the file's content with `records`, atomically (on a write error the file is as it was)."""
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        with temporary.open("w", encoding="utf-8") as handle:
            for record in records:
                handle.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise output_error(path, error) from None


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""A spreadsheet reads a cell that starts with one of these as a formula (OWASP: CSV injection)."""
NUMBER = re.compile(r"[-+]?[0-9][0-9.,' ]*")


def spreadsheet_safe(cell: Any) -> Any:
    """`cell`, with a leading `'` where a spreadsheet would run it as a formula (a document can
    carry `=HYPERLINK(...)`, and so can a file name); numbers such as `-16,000` stay as they are."""
    if isinstance(cell, str) and cell.startswith(FORMULA_START) and not NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


def write_csv(records: list[dict[str, Any]], path: Path, boxes: bool = False, escape_formulas: bool = True) -> int:
    """One row per document: path, status, reason, error, then every scalar field of the results,
    each followed by its confidence (`FIELD_confidence`), and with `boxes` by its page and boxes
    (`FIELD_page`, `FIELD_boxes`: `x0 y0 x1 y1` in points per line of the value, `;` between lines;
    empty for text documents). With `escape_formulas` (the default) no cell can start a formula."""
    fields: dict[str, None] = {}
    for record in records:
        data = (record.get("result") or {}).get("data") or {}
        fields.update({key: None for key, value in data.items() if not isinstance(value, list | dict)})
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        _write_csv_rows(records, fields, temporary, boxes, spreadsheet_safe if escape_formulas else lambda cell: cell)
        os.replace(temporary, path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise output_error(path, error) from None
    return len(records)


def _write_csv_rows(
    records: list[dict[str, Any]], fields: dict[str, None], temporary: Path, boxes: bool, safe: Callable[[Any], Any]
) -> None:
    suffixes = ("", "_confidence", "_page", "_boxes") if boxes else ("", "_confidence")
    with temporary.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        header = ["path", "status", "reason", "error", *(f"{f}{suffix}" for f in fields for suffix in suffixes)]
        writer.writerow([safe(cell) for cell in header])
        for record in records:
            result = record.get("result") or {}
            data, confidence = result.get("data") or {}, result.get("confidence") or {}
            sources = {source["path"]: source for source in result.get("sources") or []}
            cells = []
            for field in fields:
                cells += [data.get(field), confidence.get(field)]
                if boxes:
                    source = sources.get(field) or {}
                    lines = source.get("boxes") or []
                    cells += [source.get("page"), ";".join(" ".join(f"{v:g}" for v in box) for box in lines) or None]
            row = [record["path"], record["status"], record.get("reason") or "", record.get("error") or "",
                   *("" if value is None else value for value in cells)]  # fmt: skip
            writer.writerow([safe(cell) for cell in row])
        handle.flush()
        os.fsync(handle.fileno())
