"""The labeled-example format (JSONL) and its loader.

One example per line: `{"id": str, "schema": name | JSON Schema, "text": str, "target": object}`,
optionally `"source"` (where it came from). `load_examples` validates every line against its schema
and reports each bad line with its number and the failing field, without stopping the others.
See `datasets/README.md`.
"""

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from finx.errors import FinxError
from finx.schemas import schema_of
from finx.schemas.base import SchemaSpec


class ExampleRecord(BaseModel):
    """One line of a labeled-example file."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    id: str = Field(min_length=1)
    schema_ref: str | dict[str, Any] = Field(alias="schema")
    text: str = Field(min_length=1)
    target: dict[str, Any]
    source: str | None = None
    sources: dict[str, list[int]] | None = None
    """Optional: offsets [start, end) in `text` of target values, by field (the review page writes
    them for values the reviewer selected in the document)."""


@dataclass(frozen=True)
class Example:
    """A validated example: the record plus its resolved schema and normalised target."""

    id: str
    schema: SchemaSpec
    text: str
    target: dict[str, Any]
    source: str | None = None

    def to_record(self) -> dict[str, Any]:
        schema = self.schema.reference
        record = {"id": self.id, "schema": schema, "text": self.text, "target": self.target}
        return record | ({"source": self.source} if self.source else {})

    @property
    def content_hash(self) -> str:
        """Identity of the example's content (schema, text, target), for de-duplication."""
        payload = json.dumps([self.schema.key, self.text, self.target], sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(payload.encode()).hexdigest()


@dataclass
class LoadReport:
    examples: list[Example] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def load_examples(path: Path) -> LoadReport:
    """Every valid example of a JSONL file, and one message per bad line."""
    report = LoadReport()
    try:
        handle = path.open(encoding="utf-8")
    except OSError as error:
        raise FinxError(f"cannot read {path}: {error.strerror}") from None
    with handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                report.examples.append(parse_example(line))
            except ExampleError as error:
                report.errors.append(f"{path}:{number}: {error}")
    return report


class ExampleError(ValueError):
    pass


def parse_example(line: str) -> Example:
    try:
        record = ExampleRecord.model_validate_json(line)
    except ValidationError as error:
        raise ExampleError(first_error(error)) from None
    try:
        spec = schema_of(record.schema_ref)
    except FinxError as error:
        raise ExampleError(f"schema: {error}") from None
    return make_example(record.id, spec, record.text, record.target, record.source)


def make_example(
    example_id: str, spec: SchemaSpec, text: str, target: dict[str, Any], source: str | None = None
) -> Example:
    """An `Example` whose target is validated against (and normalised by) its schema."""
    try:
        normalised = spec.dump(spec.model.model_validate(target))
    except ValidationError as error:
        raise ExampleError(f"{example_id}: target does not match {spec.label}: {first_error(error)}") from None
    return Example(example_id, spec, text, normalised, source)


def first_error(error: ValidationError) -> str:
    details = error.errors()[0]
    location = ".".join(str(part) for part in details["loc"]) or "line"
    more = f" (+{len(error.errors()) - 1} more)" if len(error.errors()) > 1 else ""
    return f"{location}: {details['msg']}{more}"


def write_examples(examples: Iterable[Example], path: Path) -> int:
    """Write examples as JSONL (atomically: temporary file, then rename); returns the count."""
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(f".{path.name}.tmp")
    count = 0
    with staging.open("w", encoding="utf-8") as handle:
        for example in examples:
            handle.write(json.dumps(example.to_record(), ensure_ascii=False) + "\n")
            count += 1
    staging.replace(path)
    return count
