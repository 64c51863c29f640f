"""Training records from labeled examples, built with the serving code so train = serve.

Each example is split with the serving chunker; each chunk becomes one record whose prompt is
`prompt.build_messages` rendered by `prompt.prompt_token_ids` (exactly what the engines get) and
whose completion is the chunk's target as compact JSON followed by the end-of-turn token. Loss is
on the completion only. A chunk's target keeps only the values that occur in that chunk
(`value_in_text`), so the model learns to report what it sees, and null or [] otherwise; a value
whose schema gives it a cue (`x-finx-cue`) is kept only where the chunk writes it after its cue, as
serving chooses it (`extraction.roles.is_cued`): a chunk that names the labelled governing law
only as a party's state of incorporation (`a Delaware corporation`) is taught null; one whose
schema names other roles (`x-finx-other-roles`) is taught null where the chunk writes it only in
their clauses (a labelled term written there only as a covenant's period). Copied
values are then written as the chunk writes them (`value_sources.written_form`): the model is
taught to copy, and code normalises (dates, durations, names), exactly as served.

Chunk choice for long documents: a chunk with nothing to extract is kept at `empty_chunk_fraction`;
for schemas with single-value fields (an NDA's date, jurisdiction, term), a chunk that holds none
of them is kept at `scalar_free_chunk_fraction`. Such a value sits in one chunk out of six or
seven, so without this the model learns that it is always null.

Fields an example declares `unlabelled` (the source does not label them) stay in the answer, as the
grammar writes every key, but the tokens of their values carry no loss (`completion_mask` 0): the
model is neither taught null nor a value for them by that example.
"""

import json
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from finx.config import ExtractionPolicy
from finx.extraction.chunking import chunk_document
from finx.extraction.prompt import build_messages, prompt_token_ids, target_json
from finx.extraction.roles import is_cued, only_in_other_roles
from finx.schemas.fields import CUE_KEYWORD, OTHER_ROLES_KEYWORD
from finx.training.examples import Example
from finx.values.grounding import ground
from finx.values.normalise import find_written, normalise_duration
from finx.values.paths import non_null
from finx.values.sources import written_form


@dataclass(frozen=True)
class ChunkSettings:
    policy: ExtractionPolicy = field(default_factory=ExtractionPolicy)
    """The serving policy: each schema is cut into exactly the windows it is served with."""
    empty_chunk_fraction: float = 0.25
    """Share of chunks with nothing to extract that are kept (they teach null and [])."""
    scalar_free_chunk_fraction: float = 1.0
    """Share of chunks that hold none of the schema's single values (only list items) that are kept."""


def value_in_text(value: Any, text: str) -> bool:
    """Whether a target value occurs in `text`: grounded, or an ISO date / a duration written out."""
    if isinstance(value, dict):
        return all(value_in_text(item, text) for item in value.values() if isinstance(item, str) and item.strip())
    if not isinstance(value, str):
        return True
    if any(source.match != "not_found" for source in ground(text, {"v": value})):
        return True
    return date_in_text(value, text) or duration_in_text(value, text)


def date_in_text(value: str, text: str) -> bool:
    """Whether `text` writes the ISO date `value` in some form (`normalise.find_written`)."""
    return find_written("date", value, text) is not None


def duration_in_text(value: str, text: str) -> bool:
    """Whether `text` writes the duration `value` ("2 years") in some form ("two (2) years")."""
    return find_written("duration", normalise_duration(value) or value, text) is not None


def chunk_target(schema: dict[str, Any], target: dict[str, Any], text: str) -> dict[str, Any]:
    """The part of `target` that occurs in one chunk's `text`."""
    kept: dict[str, Any] = {}
    for name, child in schema["properties"].items():
        value = target.get(name)
        if child.get("type") == "array":
            kept[name] = [item for item in value or [] if value_in_text(item, text)]
        else:
            kept[name] = value if value is not None and in_its_role(child, value, text) else None
    return kept


def in_its_role(schema: dict[str, Any], value: Any, text: str) -> bool:
    """Whether `text` writes the single value `value` in the role its schema gives it, as serving
    judges it (`extraction.roles`): after its cue, if it has one, and not only in other roles."""
    if not value_in_text(value, text):
        return False
    roles = non_null(schema)
    cue, other_roles = roles.get(CUE_KEYWORD), roles.get(OTHER_ROLES_KEYWORD)
    written = written_form(schema, value, text)
    return (cue is None or is_cued(written, cue, text)) and not (
        other_roles is not None and only_in_other_roles(written, other_roles, text)
    )


def is_empty(target: dict[str, Any]) -> bool:
    return all(value in (None, []) for value in target.values())


def scalar_names(schema: dict[str, Any]) -> list[str]:
    """The schema's single-value (non-list) top-level fields."""
    return [name for name, child in schema["properties"].items() if child.get("type") != "array"]


def keep_fraction(schema: dict[str, Any], target: dict[str, Any], settings: ChunkSettings) -> float:
    """The share of chunks like this one (of a multi-chunk document) that are trained on."""
    if is_empty(target):
        return settings.empty_chunk_fraction
    scalars = scalar_names(schema)
    if scalars and all(target.get(name) is None for name in scalars):
        return settings.scalar_free_chunk_fraction
    return 1.0


def build_records(
    examples: list[Example], tokenizer: Any, settings: ChunkSettings, seed: int = 0
) -> list[dict[str, list[int]]]:
    """Tokenized prompt + completion records (`input_ids`, `completion_mask`) for TRL."""
    rng = random.Random(seed)
    end_of_turn = tokenizer.eos_token
    records = []
    for example in examples:
        window = settings.policy.window(example.schema.json_schema)
        chunks = chunk_document(example.text, tokenizer, window.tokens, window.overlap_tokens)
        for chunk in chunks:
            if len(chunks) == 1:
                target = example.target
            else:
                target = chunk_target(example.schema.json_schema, example.target, chunk.text)
                if rng.random() >= keep_fraction(example.schema.json_schema, target, settings):
                    continue
            target = written_form(example.schema.json_schema, target, chunk.text)
            prompt_ids = prompt_token_ids(tokenizer, build_messages(example.schema, chunk.text))
            completion_ids, completion_mask = completion_tokens(tokenizer, target, example.unlabelled, end_of_turn)
            records.append(
                {
                    "input_ids": prompt_ids + completion_ids,
                    "completion_mask": [0] * len(prompt_ids) + completion_mask,
                }
            )
    return records


def completion_tokens(
    tokenizer: Any, target: dict[str, Any], unlabelled: Iterable[str], end_of_turn: str
) -> tuple[list[int], list[int]]:
    """Token ids of the answer (`target_json` + end of turn) and their loss mask: 0 on every token
    that overlaps the value of an `unlabelled` field, 1 elsewhere."""
    text = target_json(target) + end_of_turn
    skipped = value_spans(target, set(unlabelled))
    if not skipped:
        ids = tokenizer(text, add_special_tokens=False)["input_ids"]
        return ids, [1] * len(ids)
    encoded = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    mask = [
        0 if any(start < span_end and span_start < end for span_start, span_end in skipped) else 1
        for start, end in encoded["offset_mapping"]
    ]
    return encoded["input_ids"], mask


def value_spans(target: dict[str, Any], names: set[str]) -> list[tuple[int, int]]:
    """Character spans [start, end) in `target_json(target)` of the values of the fields `names`."""
    spans, position = [], 1  # after "{"
    for index, (name, value) in enumerate(target.items()):
        position += (index > 0) + len(json.dumps(name, ensure_ascii=False)) + 1  # [","] '"name"' ":"
        written = len(target_json({"v": value})) - len('{"v":}')
        if name in names:
            spans.append((position, position + written))
        position += written
    return spans
