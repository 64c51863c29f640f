"""A review session: the documents of a batch results file, least confident first, and the
reviewer's decisions saved as labeled examples.

Each document's text is read again from the batch's input folder with the same reader the batch
used (so every source offset still points at the same characters). A decision on a field is kept
at once in a drafts file; saving a document writes its whole corrected object, with the document
text and the schema, as one line of the labeled-examples JSONL (the format `finx retrain
--examples` reads). Both files are replaced atomically (temporary file, fsync, rename), so a closed
tab or a crash loses nothing, and reopening resumes where the reviewer stopped.
"""

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from finx.errors import FinxError, storage_error
from finx.ingest import IngestedDocument, read_document
from finx.schemas.base import SchemaSpec


@dataclass
class ReviewItem:
    """One document to review."""

    id: str
    """The document's path in the batch (the example id)."""
    document: IngestedDocument
    data: dict[str, Any]
    """The model's object (all fields null when extraction failed)."""
    sources: list[dict[str, Any]]
    confidence: dict[str, float]
    status: str
    file: Path | None = None
    """The document's file (its pages are rendered for the page view)."""
    withheld: list[dict[str, Any]] = field(default_factory=list)
    """The values finx read but left out of `data`, each with its `path`, `value` and `reason`
    (below the confidence threshold, a table row read wrongly)."""

    @property
    def least_confidence(self) -> float:
        """How sure the model was of its least sure value (0 for a failed extraction)."""
        if self.status != "ok":
            return 0.0
        return min(self.confidence.values(), default=1.0)


@dataclass
class ReviewSession:
    schema: SchemaSpec
    out: Path
    items: list[ReviewItem]
    skipped: list[str] = field(default_factory=list)
    """Documents of the results file that could not be read again, with why."""
    saved: dict[str, dict[str, Any]] = field(default_factory=dict)
    drafts: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def drafts_path(self) -> Path:
        return self.out.with_name(f".{self.out.name}.drafts.json")

    @property
    def done(self) -> int:
        return sum(item.id in self.saved for item in self.items)

    def item(self, index: int) -> ReviewItem:
        if not 0 <= index < len(self.items):
            raise FinxError(f"no document {index} in this review")
        return self.items[index]

    def next_index(self, after: int = -1) -> int | None:
        """The next document not yet saved (wrapping around), or None when all are."""
        count = len(self.items)
        for step in range(1, count + 1):
            index = (after + step) % count
            if self.items[index].id not in self.saved:
                return index
        return None

    def current_values(self, item: ReviewItem) -> dict[str, Any]:
        """What the form shows: the saved object, else the draft over the model's object."""
        if item.id in self.saved:
            return self.saved[item.id]["target"]
        return {**item.data, **self.drafts.get(item.id, {}).get("values", {})}

    def current_spans(self, item: ReviewItem) -> dict[str, list[int]]:
        """Offsets the reviewer chose by selecting text, per field (saved, else drafted)."""
        if item.id in self.saved:
            return self.saved[item.id].get("sources", {})
        return self.drafts.get(item.id, {}).get("spans", {})

    def draft(self, item: ReviewItem, name: str, value: Any, span: list[int] | None = None) -> None:
        """Keep one field decision at once (atomically), before the document is saved; `span` is
        the document text the reviewer selected for it (None: typed or cleared)."""
        if name not in self.schema.json_schema["properties"]:
            raise FinxError(f"{self.schema.label} has no field {name!r}")
        draft = self.drafts.setdefault(item.id, {"values": {}, "spans": {}})
        draft["values"][name] = value
        if span is not None:
            draft["spans"][name] = checked_span(span, item.document.text)
        else:
            draft["spans"].pop(name, None)
        write_atomically(self.drafts_path, json.dumps(self.drafts, ensure_ascii=False, indent=1))

    def save(self, item: ReviewItem, target: dict[str, Any], spans: dict[str, Any] | None = None) -> dict[str, Any]:
        """Validate the corrected object and write it as this document's labeled example, with the
        offsets of the values the reviewer selected in the text (`sources`)."""
        try:
            value = self.schema.model.model_validate(target)
        except ValidationError as invalid:
            raise FinxError(f"the corrected object does not fit {self.schema.label}: {invalid}") from None
        schema_ref = self.schema.reference
        record = {"id": item.id, "schema": schema_ref, "text": item.document.text,
                  "target": self.schema.dump(value), "source": "review"}  # fmt: skip
        chosen = {name: checked_span(span, item.document.text) for name, span in (spans or {}).items()}
        if chosen:
            record["sources"] = chosen
        self.saved[item.id] = record
        self.drafts.pop(item.id, None)
        lines = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in self.saved.values())
        write_atomically(self.out, lines)
        write_atomically(self.drafts_path, json.dumps(self.drafts, ensure_ascii=False, indent=1))
        return record


def open_session(results: Path, input_dir: Path, schema: SchemaSpec, out: Path) -> ReviewSession:
    """The documents of a batch results file, least confident first; earlier decisions restored."""
    items, skipped = [], []
    try:
        lines = results.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise FinxError(f"cannot read {results}: {error.strerror}") from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            path = record["path"]
        except (json.JSONDecodeError, KeyError, TypeError):
            skipped.append(f"{results.name}:{number}: not a batch result line")
            continue
        try:
            file = file_inside(input_dir, path)
            document = read_document(file.read_bytes(), path)
        except (OSError, FinxError) as error:
            skipped.append(f"{path}: {getattr(error, 'strerror', None) or error}")
            continue
        result = record.get("result") or {}
        empty = dict.fromkeys(schema.json_schema["properties"])
        items.append(
            ReviewItem(
                id=path,
                document=document,
                data={**empty, **(result.get("data") or {})},
                sources=result.get("sources") or [],
                confidence=result.get("confidence") or {},
                status=record.get("status", "error"),
                file=file,
                withheld=result.get("withheld") or [],
            )
        )
    if not items:
        raise FinxError(f"no document of {results} can be reviewed", hint="; ".join(skipped[:3]))
    items.sort(key=lambda item: (item.least_confidence, item.id))
    session = ReviewSession(schema, out, items, skipped)
    if out.is_file():
        for line in out.read_text(encoding="utf-8").splitlines():
            if line.strip():
                record = json.loads(line)
                session.saved[record["id"]] = record
    if session.drafts_path.is_file():
        session.drafts = json.loads(session.drafts_path.read_text(encoding="utf-8"))
    return session


def checked_span(span: Any, text: str) -> list[int]:
    if not (isinstance(span, list) and len(span) == 2 and all(isinstance(n, int) for n in span)):
        raise FinxError(f"a span is [start, end], got {span!r}")
    start, end = span
    if not 0 <= start < end <= len(text):
        raise FinxError(f"span {span} is outside the document ({len(text)} characters)")
    return [start, end]


def file_inside(input_dir: Path, path: Any) -> Path:
    """The file a results line names, refused unless it lies inside `input_dir` (a results file
    may come from anywhere: `../x`, an absolute path or a link out of the folder reads nothing)."""
    if not isinstance(path, str) or not path or "\x00" in path:
        raise FinxError("not a path of the batch")
    root = input_dir.resolve()
    file = (root / path).resolve()
    if Path(path).is_absolute() or not file.is_relative_to(root):
        raise FinxError("outside the input folder: not read")
    return file


def write_atomically(path: Path, content: str) -> None:
    """Replace `path` with `content` whole, or raise `StorageError` with the file as it was."""
    staging = path.with_name(f".{path.name}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with staging.open("w", encoding="utf-8") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(staging, path)
    except OSError as error:
        staging.unlink(missing_ok=True)
        raise storage_error(path, error, "free space, then save again: what was saved before is intact") from None
