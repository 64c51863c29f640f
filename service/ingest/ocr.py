"""OCR with the Tesseract command-line program (Debian package `tesseract-ocr`), when installed."""

import shutil
import subprocess

from service.config import env
from service.ingest.base import IngestError

OCR_TIMEOUT_S = 180


def tesseract_path() -> str | None:
    return shutil.which("tesseract")


def ocr_image(image: bytes, name: str) -> str:
    """The text Tesseract reads in an image (PNG, JPEG, TIFF: every page of a multi-page TIFF)."""
    program = tesseract_path()
    if program is None:
        raise IngestError(
            "ocr_unavailable",
            f"{name} needs OCR, but Tesseract is not installed",
            hint="apt-get install tesseract-ocr",
        )
    try:
        completed = subprocess.run(
            [program, "stdin", "stdout", "-l", env("FINX_OCR_LANG") or "eng"],
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
    return completed.stdout.decode("utf-8", "replace").replace("\r\n", "\n")
