"""The labeled-example format (JSONL) and its loader.

One example per line: `{"id": str, "schema": name | JSON Schema, "text": str, "target": object}`,
optionally `"source"` (where it came from) and `"unlabelled"` (the top-level fields the source does
not label: their null in `target` is unknown, not absent, so training puts no loss on them and
`finx eval` does not score them). `load_examples` validates every line against its schema
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
    unlabelled: list[str] | None = None
    """Optional: top-level fields the source does not label (CORD: a receipt's seller, dates, bank)."""


@dataclass(frozen=True)
class Example:
    """A validated example: the record plus its resolved schema and normalised target."""

    id: str
    schema: SchemaSpec
    text: str
    target: dict[str, Any]
    source: str | None = None
    unlabelled: frozenset[str] = frozenset()
    """Top-level fields the source does not label: no training loss, not scored."""

    def to_record(self) -> dict[str, Any]:
        schema = self.schema.reference
        record = {"id": self.id, "schema": schema, "text": self.text, "target": self.target}
        record |= {"source": self.source} if self.source else {}
        return record | ({"unlabelled": sorted(self.unlabelled)} if self.unlabelled else {})

    def labelled(self, data: dict[str, Any]) -> dict[str, Any]:
        """`data` (the target, or a prediction) without this example's unlabelled fields: what is
        known, and so what is scored."""
        return {name: value for name, value in data.items() if name not in self.unlabelled}

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
    return make_example(record.id, spec, record.text, record.target, record.source, frozenset(record.unlabelled or ()))


def make_example(
    example_id: str,
    spec: SchemaSpec,
    text: str,
    target: dict[str, Any],
    source: str | None = None,
    unlabelled: frozenset[str] = frozenset(),
) -> Example:
    """An `Example` whose target is validated against (and normalised by) its schema; `unlabelled`
    names fields of the schema whose value is null in `target` (the source does not label them)."""
    try:
        normalised = spec.dump(spec.model.model_validate(target))
    except ValidationError as error:
        raise ExampleError(f"{example_id}: target does not match {spec.label}: {first_error(error)}") from None
    unknown = sorted(unlabelled - normalised.keys())
    if unknown:
        raise ExampleError(f"{example_id}: unlabelled names fields {spec.label} does not have: {', '.join(unknown)}")
    labelled_values = sorted(name for name in unlabelled if normalised[name] not in (None, []))
    if labelled_values:
        raise ExampleError(f"{example_id}: unlabelled fields hold values: {', '.join(labelled_values)}")
    return Example(example_id, spec, text, normalised, source, frozenset(unlabelled))


def first_error(error: ValidationError) -> str:
    details = error.errors()[0]
    location = ".".join(str(part) for part in details["loc"]) or "line"
    more = f" (+{len(error.errors()) - 1} more)" if len(error.errors()) > 1 else ""
    message = details["msg"]
    if details["type"] == "string_pattern_mismatch":  # the value, not a pattern of many characters
        message = f"{details['input']!r} does not have the field's shape (its pattern)"
    return f"{location}: {message}{more}"


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
