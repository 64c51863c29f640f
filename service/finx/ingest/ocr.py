"""OCR with the Tesseract command-line program (Debian package `tesseract-ocr`), when installed."""

import re
import shutil
import subprocess
from dataclasses import dataclass

from finx.config import env
from finx.ingest.base import Box, IngestError

OCR_TIMEOUT_S = 180
FIGURE_WORD = re.compile(r"[-+(]?(?:[$€£¥₹]|RM|Rp)?\d[\d.,]*[-)%]?[A-Z]?|[-+]?(?:[$€£¥₹]|RM|Rp)")
"""A word of a figure column: an amount as receipts print it (`92,000`, `RM6.40`, `-16,000`,
`8.49T`, `80,` of a figure read as two words), or a currency mark printed apart from it."""


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
    text) as pages of text with character boxes: its lines in its order (a line break between
    lines, an empty line between paragraphs), each line's words joined by a space, with the figure
    columns it read as blocks of their own joined to the lines they are printed beside
    (`with_figure_columns_joined`)."""
    pages: list[OcrPage] = []
    lines: list[list[OcrWord]] = []
    size: tuple[int, int] | None = None
    for row in tsv.splitlines()[1:]:
        fields = row.split("\t")
        if len(fields) < 12:
            continue
        level, page, block, paragraph, line = (int(value) for value in fields[:5])
        left, top, width, height = (int(value) for value in fields[6:10])
        if level == 1:  # a new page
            if size is not None or page > 1:
                pages.append(page_of_lines(lines, size or (0, 0)))
            lines, size = [], (width, height)
            continue
        text = fields[11].strip()
        if level != 5 or not text:
            continue
        word = OcrWord(text, (block, paragraph, line), (left, top, left + width, top + height))
        if lines and lines[-1][0].line == word.line:
            lines[-1].append(word)
        else:
            lines.append([word])
    pages.append(page_of_lines(lines, size or (0, 0)))
    return pages


@dataclass(frozen=True)
class OcrWord:
    """A word Tesseract read: its text, its (block, paragraph, line) and its pixel box."""

    text: str
    line: tuple[int, int, int]
    box: Box


def page_of_lines(lines: list[list[OcrWord]], size: tuple[int, int]) -> OcrPage:
    """The page's text and character boxes (a word's box shared out over its characters): a line
    break between lines, an empty line between paragraphs, a space between a line's words and two
    (a column gap) before the words of a figure column joined to it."""
    text, boxes = "", list[Box | None]()
    paragraph: tuple[int, int] | None = None
    for line in with_figure_columns_joined(lines):
        for position, word in enumerate(line):
            if position:
                gap = "  " if word.line[0] != line[position - 1].line[0] else " "
            elif paragraph is not None:
                gap = "\n\n" if word.line[:2] != paragraph else "\n"
            else:
                gap = ""
            left, top, right, bottom = word.box
            step = (right - left) / len(word.text)
            text += gap + word.text
            boxes += [None] * len(gap)
            boxes += [(left + index * step, top, left + (index + 1) * step, bottom) for index in range(len(word.text))]
        paragraph = line[0].line[:2]
    return OcrPage(text, boxes, size)


def with_figure_columns_joined(lines: list[list[OcrWord]]) -> list[list[OcrWord]]:
    """`lines` with every line of figures only (`FIGURE_WORD`: a receipt's amounts) that Tesseract
    read in a block of its own appended to the line of another block printed beside it, to its
    left, at its height (the line's box holds the figures' middle): Tesseract reads a receipt's
    price column as a block of its own, after all the items' names, so that no line printed a name
    with its price; the nearest such line takes them, and the figures' own line is gone."""
    figures = [index for index, line in enumerate(lines) if all(FIGURE_WORD.fullmatch(word.text) for word in line)]
    joined = [list(line) for line in lines]
    moved: set[int] = set()
    for index in figures:
        column = lines[index]
        left = min(word.box[0] for word in column)
        middle = (min(word.box[1] for word in column) + max(word.box[3] for word in column)) / 2
        beside = [
            other
            for other, line in enumerate(lines)
            if other not in figures
            and line[0].line[0] != column[0].line[0]
            and max(word.box[2] for word in line) <= left
            and min(word.box[1] for word in line) <= middle <= max(word.box[3] for word in line)
        ]
        if beside:
            nearest = max(beside, key=lambda other: max(word.box[2] for word in lines[other]))
            joined[nearest] = sorted([*joined[nearest], *column], key=lambda word: word.box[0])
            moved.add(index)
    return [line for index, line in enumerate(joined) if index not in moved]
