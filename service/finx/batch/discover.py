"""Finding the documents of a batch: a sorted walk of the input folder that never escapes it.

Every entry ends as exactly one candidate or one counted exclusion, whatever it is:
- regular files (matching the pattern) are candidates;
- symbolic links are not followed by default; each one becomes a candidate with a problem, so it
  still gets an error line. With `follow_links`, links are followed only while they stay inside
  the input folder, and a folder reached twice (a link loop) is reported once, not walked again;
- FIFOs, sockets and device files become candidates with a `not_a_file` problem (never opened);
- hidden entries (names starting with `.`) are skipped and listed in `Discovery.hidden`;
- names that are not valid UTF-8 are shown with `\\xNN` escapes for the undecodable bytes.
"""

import fnmatch
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from finx.ingest import IngestError


@dataclass(frozen=True)
class Candidate:
    """One file of the batch (or one thing that looked like a file), by its path in the folder."""

    path: Path
    relative: str
    """Path relative to the input folder, with forward slashes: the document's key in the output."""
    problem: IngestError | None = None


SPECIAL_FILES = [
    (stat.S_ISFIFO, "FIFO (named pipe)"),
    (stat.S_ISSOCK, "socket"),
    (stat.S_ISCHR, "character device"),
    (stat.S_ISBLK, "block device"),
]


def display_name(name: str) -> str:
    """A file name as valid text: bytes that are not UTF-8 become `\\xNN`."""
    return os.fsencode(name).decode("utf-8", errors="backslashreplace")


def special_kind(mode: int) -> str:
    return next((kind for test, kind in SPECIAL_FILES if test(mode)), "special file")


def is_excluded(path: Path, exclude: frozenset[Path]) -> bool:
    try:
        return path.resolve() in exclude
    except (OSError, RuntimeError):  # a link loop or a vanished entry is not one of our own files
        return False


def discover(
    root: Path,
    pattern: str = "*",
    follow_links: bool = False,
    exclude: frozenset[Path] = frozenset(),
    hidden: list[str] | None = None,
) -> Iterator[Candidate]:
    """Every file under `root` whose relative path or name matches `pattern`, in sorted order.
    Hidden entries are appended to `hidden` (when given) instead."""
    root = root.resolve()
    seen_folders: set[tuple[int, int]] = set()

    def matches(relative: str) -> bool:
        return fnmatch.fnmatch(relative, pattern) or fnmatch.fnmatch(relative.rsplit("/", 1)[-1], pattern)

    def walk(folder: Path, relative_folder: str) -> Iterator[Candidate]:
        info = folder.stat()
        if (info.st_dev, info.st_ino) in seen_folders:
            loop = IngestError("symlink_loop", f"{relative_folder}: link loop (folder already visited)")
            yield Candidate(folder, relative_folder, loop)
            return
        seen_folders.add((info.st_dev, info.st_ino))
        try:
            entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
        except OSError as error:
            yield Candidate(folder, relative_folder or ".", IngestError("unreadable", f"cannot list: {error.strerror}"))
            return
        for entry in entries:
            path = Path(entry.path)
            name = display_name(entry.name)
            relative = f"{relative_folder}/{name}" if relative_folder else name
            if entry.name.startswith("."):
                if hidden is not None:
                    hidden.append(relative)
                continue
            if is_excluded(path, exclude):
                continue
            if entry.is_symlink():
                problem = link_problem(path, relative, root, follow_links)
                if problem is not None:
                    if matches(relative):
                        yield Candidate(path, relative, problem)
                    continue
            try:
                mode = entry.stat(follow_symlinks=follow_links).st_mode
            except OSError as error:
                if matches(relative):
                    yield Candidate(path, relative, IngestError("unreadable", f"{relative}: {error.strerror}"))
                continue
            if stat.S_ISDIR(mode):
                yield from walk(path, relative)
            elif not matches(relative):
                continue
            elif stat.S_ISREG(mode):
                yield Candidate(path, relative)
            else:
                kind = special_kind(mode)
                yield Candidate(
                    path, relative, IngestError("not_a_file", f"{relative} is a {kind}, not a regular file")
                )

    yield from walk(root, "")


def link_problem(path: Path, relative: str, root: Path, follow_links: bool) -> IngestError | None:
    """Why a symbolic link is not read, or None when it may be followed."""
    if not follow_links:
        return IngestError("symlink", f"{relative} is a symbolic link (not followed; use --follow-links)")
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return IngestError("symlink_loop", f"{relative} is a broken link or a link loop")
    if not target.is_relative_to(root):
        return IngestError("outside_input", f"{relative} links outside the input folder ({target})")
    return None
