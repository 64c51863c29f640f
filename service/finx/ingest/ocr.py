"""OCR with the Tesseract command-line program (Debian package `tesseract-ocr`), when installed."""

import shutil
import subprocess
from dataclasses import dataclass

from finx.config import env
from finx.ingest.base import Box, IngestError

OCR_TIMEOUT_S = 180


def tesseract_path() -> str | None:
    return shutil.which("tesseract")


@dataclass(frozen=True)
class OcrPage:
    """One page Tesseract read: its text and the pixel box of each character (None for spaces and
    line breaks; a word's box is shared out over its characters by their count)."""

    text: str
    char_boxes: list[Box | None]
    size: tuple[int, int]
    """(width, height) in pixels."""


def ocr_image(image: bytes, name: str) -> list[OcrPage]:
    """The pages Tesseract reads in an image (PNG, JPEG, TIFF: every page of a multi-page TIFF):
    words joined by spaces, lines by line breaks, paragraphs by an empty line, as its text output."""
    program = tesseract_path()
    if program is None:
        raise IngestError(
            "ocr_unavailable",
            f"{name} needs OCR, but Tesseract is not installed",
            hint="apt-get install tesseract-ocr",
        )
    try:
        completed = subprocess.run(
            [program, "stdin", "stdout", "-l", env("FINX_OCR_LANG") or "eng", "tsv"],
            input=image,
            capture_output=True,
            timeout=OCR_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise IngestError("ocr_failed", f"{name}: OCR took longer than {OCR_TIMEOUT_S} s") from None
    if completed.returncode != 0:
        detail = completed.stderr.decode("utf-8", "replace").strip().splitlines()
        reason = detail[-1] if detail else f"exit code {completed.returncode}"
        raise IngestError("unreadable", f"{name}: Tesseract could not read the image ({reason})")
    return pages_of_tsv(completed.stdout.decode("utf-8", "replace"))


def pages_of_tsv(tsv: str) -> list[OcrPage]:
    """Tesseract's TSV (level, page, block, paragraph, line, word, left, top, width, height, conf,
    text) as pages of text with character boxes."""
    pages: list[OcrPage] = []
    text, boxes = "", list[Box | None]()
    line_key = paragraph_key = None
    size = (0, 0)
    for row in tsv.splitlines()[1:]:
        fields = row.split("\t")
        if len(fields) < 12:
            continue
        level, page, block, paragraph, line = (int(value) for value in fields[:5])
        left, top, width, height = (int(value) for value in fields[6:10])
        if level == 1:  # a new page
            if page > 1 or pages or text:
                pages.append(OcrPage(text, boxes, size))
            text, boxes, line_key, paragraph_key, size = "", list[Box | None](), None, None, (width, height)
            continue
        word = fields[11].strip()
        if level != 5 or not word:
            continue
        if line_key is not None and (block, paragraph, line) != line_key:
            breaks = "\n\n" if (block, paragraph) != paragraph_key else "\n"
            text, boxes = text + breaks, [*boxes, *[None] * len(breaks)]
        elif line_key is not None:
            text, boxes = text + " ", [*boxes, None]
        line_key, paragraph_key = (block, paragraph, line), (block, paragraph)
        step = width / len(word)
        text += word
        boxes += [(left + index * step, top, left + (index + 1) * step, top + height) for index in range(len(word))]
    pages.append(OcrPage(text, boxes, size))
    return pages
