"""Batch discovery: sorted walk, glob, exclusions, symbolic links that must not escape the folder."""

import os
from pathlib import Path

from finx.batch.discover import discover


def layout(root: Path) -> Path:
    (root / "b").mkdir(parents=True)
    (root / "a.txt").write_text("a")
    (root / "b" / "c.pdf").write_bytes(b"%PDF")
    (root / "b" / "d.txt").write_text("d")
    (root / ".hidden.txt").write_text("h")
    outside = root.parent / "outside.txt"
    outside.write_text("o")
    os.symlink(outside, root / "out-link.txt")
    os.symlink(root / "a.txt", root / "in-link.txt")
    os.symlink(root, root / "b" / "loop")
    return outside


def problems(root: Path, **kwargs: object) -> dict[str, str | None]:
    return {c.relative: c.problem.reason if c.problem else None for c in discover(root, **kwargs)}  # type: ignore[arg-type]


def test_links_are_not_followed_by_default(tmp_path: Path) -> None:
    root = tmp_path / "in"
    layout(root)
    assert problems(root) == {
        "a.txt": None,
        "b/c.pdf": None,
        "b/d.txt": None,
        "b/loop": "symlink",
        "in-link.txt": "symlink",
        "out-link.txt": "symlink",
    }


def test_following_links_stays_inside_and_stops_loops(tmp_path: Path) -> None:
    root = tmp_path / "in"
    layout(root)
    found = problems(root, follow_links=True)
    assert found["in-link.txt"] is None
    assert found["out-link.txt"] == "outside_input"
    assert found["b/loop"] == "symlink_loop"
    assert "b/loop/a.txt" not in found


def test_glob_matches_names_or_relative_paths_and_output_is_excluded(tmp_path: Path) -> None:
    root = tmp_path / "in"
    layout(root)
    assert [c.relative for c in discover(root, pattern="*.pdf")] == ["b/c.pdf"]
    assert [c.relative for c in discover(root, pattern="b/*.txt")] == ["b/d.txt"]
    excluded = frozenset({(root / "a.txt").resolve()})
    assert "a.txt" not in [c.relative for c in discover(root, exclude=excluded)]
