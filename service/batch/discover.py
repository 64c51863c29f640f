"""Finding the documents of a batch: a sorted walk of the input folder that never escapes it.

Symbolic links are not followed by default; each one becomes a candidate with a problem, so it
still gets an error line. With `follow_links`, links are followed only while they stay inside
the input folder, and a folder reached twice (a link loop) is reported once, not walked again.
"""

import fnmatch
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from service.ingest import IngestError


@dataclass(frozen=True)
class Candidate:
    """One file of the batch (or one thing that looked like a file), by its path in the folder."""

    path: Path
    relative: str
    """Path relative to the input folder, with forward slashes: the document's key in the output."""
    problem: IngestError | None = None


def discover(
    root: Path, pattern: str = "*", follow_links: bool = False, exclude: frozenset[Path] = frozenset()
) -> Iterator[Candidate]:
    """Every file under `root` whose relative path or name matches `pattern`, in sorted order."""
    root = root.resolve()
    seen_folders: set[tuple[int, int]] = set()

    def matches(relative: str) -> bool:
        return fnmatch.fnmatch(relative, pattern) or fnmatch.fnmatch(relative.rsplit("/", 1)[-1], pattern)

    def walk(folder: Path, relative_folder: str) -> Iterator[Candidate]:
        stat = folder.stat()
        if (stat.st_dev, stat.st_ino) in seen_folders:
            problem = IngestError("symlink_loop", f"{relative_folder}: link loop (folder already visited)")
            yield Candidate(folder, relative_folder, problem)
            return
        seen_folders.add((stat.st_dev, stat.st_ino))
        try:
            entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
        except OSError as error:
            yield Candidate(folder, relative_folder or ".", IngestError("unreadable", f"cannot list: {error.strerror}"))
            return
        for entry in entries:
            path = Path(entry.path)
            relative = f"{relative_folder}/{entry.name}" if relative_folder else entry.name
            if path.resolve() in exclude or entry.name.startswith("."):
                continue
            if entry.is_symlink():
                problem = link_problem(path, relative, root, follow_links)
                if problem is not None:
                    if matches(relative):
                        yield Candidate(path, relative, problem)
                    continue
            if entry.is_dir(follow_symlinks=follow_links):
                yield from walk(path, relative)
            elif matches(relative):
                yield Candidate(path, relative)

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
