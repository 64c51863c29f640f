"""From the chunks' answers to a result's values, in named steps:

0. `check_answer`: one chunk's generated text validated (or why not), `chunk_status` the
   document's status from its chunks';
0b. `mend_chunks`: each chunk's answer mended before the merge, so that a mended value keeps its
   confidence (entity names trimmed, money amounts cut to their figure, table rows' cells read
   from beside them, a receipt's seller and address and an invoice's figures: `chunk_mends.py`);
1. `merge_answers`: the chunks' answers merged into one (`chunking.merge_results`), with the
   confidence of every merged value (`confidence.merged_confidences`);
1a. `withhold_other_roles`: a single value the document writes only in clauses that give its kind
   of value another role (`x-finx-other-roles`: a covenant's period as a contract's term) made null
   and listed as withheld (`roles.py`; the merge chose it only because no chunk answered better);
1b. `drop_list_artefacts`: in entity lists, a name read under a second type or as a fragment of a
   longer name removed, and in the entities schema an entry in lower case in its lists of proper
   names, or not of its list's kind (a percentage without a percent, an amount as a date, an
   organisation's name as a person)
   (`list_entries.py`);
1c. `withhold_misread_rows`: table rows whose last cell is printed away from their first, with a
   cell that has no reading of its kind (or is only part of a printed figure: `10` of `10%`), or
   whose first cell is a column's head (`table_rows.py`), removed and listed as withheld;
1d. `add_skipped_rows`: table rows the model left out or misread, lines printed in the layout of
   the rows it read, put in (`skipped_rows.py`);
1e. `with_stated_values`: a total read from a tax's line, and an invoice's tax left null (or written
   as a rate), taken from the one line that states it, a date left null from the one date printed,
   an agreement's term from the one period it states on lasting, parties its opening names;
1f. `withhold_total_rows`: table rows that are sums read as items (a total and the rows after it,
   groups' sums, a row that costs the whole total, a figure's line under the items: `sum_rows.py`),
   and `withhold_inconsistent`: an invoice's tax not below its total, a figure that is an item's
   amount, a seller that is a place or contact line, an address that holds a date or time
   (`header_values.py`), removed and listed as withheld;
2. `withhold_unsure`: values below the caller's `min_confidence` made null or dropped, and where
   they were in the document;
3. `validate`: written values made canonical (`values.sources.normalise_values`: ISO dates,
   durations, names, amounts) and checked by the schema's output model;
4. `ground_answer`: each written value's offsets in the document, with its confidence and its
   canonical form.

`final_answer` runs steps 0b to 3 in that order (the one composition of the steps).

Knows schemas, values and confidences; not engines or tokenizers (the caller gives each chunk's
leaf values and confidences).
"""

import json
from dataclasses import dataclass, field, replace
from typing import Any

from pydantic import BaseModel, ValidationError

from finx.config import is_list_only
from finx.extraction.chunk_mends import ChunkLeaves, mend_chunks
from finx.extraction.chunking import merge_results
from finx.extraction.confidence import leaf_values, merged_confidences, withhold
from finx.extraction.header_values import SELLER_NAMES, inconsistent_values, stated_values
from finx.extraction.list_entries import without_artefacts
from finx.extraction.result import Status
from finx.extraction.roles import only_in_other_roles
from finx.extraction.skipped_rows import with_skipped_rows
from finx.extraction.sum_rows import total_rows
from finx.extraction.table_rows import misread_rows
from finx.schemas.base import SchemaSpec
from finx.schemas.compile import is_nullable
from finx.schemas.entities import ENTRY_CHECKS, PROPER_NAME_LISTS
from finx.schemas.fields import OTHER_ROLES_KEYWORD
from finx.values.grounding import ValueSource, WithheldReason, ground
from finx.values.paths import item_path, non_null
from finx.values.sources import normalise_values


@dataclass(frozen=True)
class ChunkOutcome:
    status: Status
    value: BaseModel | None
    error: str | None


def check_answer(spec: SchemaSpec, text: str, finished: bool, max_tokens: int) -> ChunkOutcome:
    """One chunk's answer validated against the schema; `finished` False: it hit the token limit."""
    if not finished:
        error = f"generation hit the token limit ({max_tokens}) before the JSON was complete"
        return ChunkOutcome("truncated", None, error)
    try:
        return ChunkOutcome("ok", spec.validate_json(text), None)
    except (ValueError, ValidationError) as invalid:
        return ChunkOutcome("invalid", None, f"output does not validate against {spec.label}: {invalid}")


def chunk_status(outcomes: list[ChunkOutcome]) -> tuple[Status, str | None]:
    """A document's status from its chunks': one chunk's own; of several, `partial` when some
    failed but others answered, the first one's when none answered."""
    if len(outcomes) == 1:
        return outcomes[0].status, outcomes[0].error
    failed = [f"chunk {i}: {outcome.error}" for i, outcome in enumerate(outcomes) if outcome.status != "ok"]
    good = any(outcome.value is not None for outcome in outcomes)
    return ("ok" if not failed else "partial" if good else outcomes[0].status), "; ".join(failed) or None


@dataclass(frozen=True)
class Answer:
    written: dict[str, Any]
    """The merged values as the model wrote them (what grounding locates)."""
    confidence: dict[str, float]
    """Confidence of each value of `written`, by path."""
    withheld: list[ValueSource] = field(default_factory=list)
    canonical: dict[str, str | None] = field(default_factory=dict)
    """For each value normalisation changed: its canonical form (None: no canonical reading)."""
    value: BaseModel | None = None
    """The output model's instance, once `validate` accepted the canonical values."""
    error: str | None = None
    """Why `validate` refused them."""


def merge_answers(
    spec: SchemaSpec, document: str, parts: list[dict[str, Any]], chunks: ChunkLeaves, groups: list[int] | None = None
) -> Answer:
    """The chunks' answers as one (a single answer too: lists lose repeats a small model may loop on);
    `groups` as in `chunking.merge_results`."""
    written = merge_results(spec.json_schema, document, parts, [confidences for _, confidences in chunks], groups)
    return Answer(written, merged_confidences(chunks, written))


def withhold_other_roles(answer: Answer, spec: SchemaSpec, document: str, chunks: ChunkLeaves) -> Answer:
    """`answer` without the single values that `document` writes only in the clauses of other roles
    (`roles.only_in_other_roles`, the schema's `x-finx-other-roles`), where the schema lets them be
    null; they are listed as withheld (`other_role`), with their places and confidences."""
    removed = [
        name
        for name, child in spec.json_schema["properties"].items()
        if is_nullable(child)
        and (other_roles := non_null(child).get(OTHER_ROLES_KEYWORD))
        and only_in_other_roles(answer.written.get(name), other_roles, document)
    ]
    return withhold_fields(answer, removed, "other_role", document, chunks)


def with_stated_values(answer: Answer, spec: SchemaSpec, document: str, chunks: ChunkLeaves) -> Answer:
    """`answer` with the values the model left out that the document states once (an invoice's tax,
    an invoice's or receipt's date, an agreement's term and parties: `header_values.stated_values`).
    They carry no confidence of the model's."""
    stated = stated_values(answer.written, spec.built_in, spec.json_schema, document)
    if not stated:
        return answer
    written = {**answer.written, **stated}
    return replace(answer, written=written, confidence=merged_confidences(chunks, written))


def withhold_inconsistent(answer: Answer, spec: SchemaSpec, document: str, chunks: ChunkLeaves) -> Answer:
    """`answer` without an invoice's or a receipt's values that contradict its total, are an item's
    amount, a date read as its number, a place read as its seller or a date line as its address
    (`header_values.inconsistent_values`), listed as withheld (`inconsistent`). Other schemas'
    answers are returned as they are."""
    if spec.built_in not in SELLER_NAMES:
        return answer
    removed = inconsistent_values(answer.written, spec.built_in, spec.json_schema, document)
    return withhold_fields(answer, removed, "inconsistent", document, chunks)


def withhold_fields(
    answer: Answer, names: list[str], reason: WithheldReason, document: str, chunks: ChunkLeaves
) -> Answer:
    """`answer` with its top-level values `names` made null, listed as withheld for `reason`."""
    if not names:
        return answer
    kept = {**answer.written, **dict.fromkeys(names)}
    withheld = ground(document, {name: answer.written[name] for name in names})
    for source in withheld:
        source.confidence, source.reason = answer.confidence.get(source.path), reason
    return replace(
        answer, written=kept, confidence=merged_confidences(chunks, kept), withheld=[*answer.withheld, *withheld]
    )


def drop_list_artefacts(answer: Answer, spec: SchemaSpec, document: str, chunks: ChunkLeaves) -> Answer:
    """`answer` without the entity-list entries that are artefacts of reading in windows (a name
    under two types, a fragment of a longer name) or, in the entities schema, common words read as
    names and entries not of their list's kind (`entities.ENTRY_CHECKS`); other schemas' answers
    are returned as they are."""
    if not is_list_only(spec.json_schema):
        return answer
    entities = spec.built_in == "entities"
    proper_names = PROPER_NAME_LISTS if entities else frozenset()
    kept = without_artefacts(
        answer.written, answer.confidence, document, proper_names, ENTRY_CHECKS if entities else {}
    )
    if kept == answer.written:
        return answer
    return replace(answer, written=kept, confidence=merged_confidences(chunks, kept))


def add_skipped_rows(answer: Answer, spec: SchemaSpec, document: str, chunks: ChunkLeaves) -> Answer:
    """`answer` with the table rows the model skipped read from their lines
    (`skipped_rows.with_skipped_rows`); a cell of theirs has a confidence only where the model wrote
    the same value in the same column (`confidence.merged_confidences`)."""
    written, added = with_skipped_rows(answer.written, spec.json_schema, document)
    if not added:
        return answer
    return replace(answer, written=written, confidence=merged_confidences(chunks, written))


def withhold_misread_rows(
    answer: Answer, spec: SchemaSpec, document: str, reach: int | None, chunks: ChunkLeaves
) -> Answer:
    """`answer` without the table rows read wrongly (`table_rows.misread_rows`: cells the document
    does not print together, unless `reach` is None, a cell with no reading of its kind, a column's
    head read as a row); their cells are listed as withheld, with their places and confidences."""
    return withhold_rows(answer, misread_rows(answer.written, spec.json_schema, document, reach), document, chunks)


def withhold_total_rows(answer: Answer, spec: SchemaSpec, document: str, chunks: ChunkLeaves) -> Answer:
    """`answer` without a table's row that is the sum of the rows above it and the rows after it
    (`sum_rows.total_rows`), their cells listed as withheld; after `add_skipped_rows`, which reads
    the rows the sum needs."""
    return withhold_rows(answer, total_rows(answer.written, spec.json_schema, document), document, chunks)


def withhold_rows(answer: Answer, removed: dict[str, WithheldReason], document: str, chunks: ChunkLeaves) -> Answer:
    """`answer` without the table rows `removed` names ({path: why}), their cells listed as withheld."""
    if not removed:
        return answer
    kept = {
        name: [row for index, row in enumerate(value) if item_path(name, index) not in removed]
        if isinstance(value, list)
        else value
        for name, value in answer.written.items()
    }
    withheld = []
    for source in ground(document, answer.written):
        row = source.path.split(".")[0]
        if row in removed:
            source.confidence, source.reason = answer.confidence.get(source.path), removed[row]
            withheld.append(source)
    return replace(
        answer, written=kept, confidence=merged_confidences(chunks, kept), withheld=[*answer.withheld, *withheld]
    )


def withhold_unsure(answer: Answer, spec: SchemaSpec, document: str, threshold: float, chunks: ChunkLeaves) -> Answer:
    """`answer` without its values below `threshold` (where the schema lets them be absent)."""
    removed: list[str] = []
    kept = withhold(answer.written, spec.json_schema, answer.confidence, threshold, removed)
    located = {source.path: source for source in ground(document, answer.written)}
    values = leaf_values(answer.written)
    withheld = []
    for path in removed:
        source = located.get(path) or ValueSource(
            path=path, value=json.dumps(values.get(path)), start=None, end=None, match="not_found", score=0.0
        )
        source.confidence = answer.confidence.get(path)
        source.reason = "below_confidence"
        withheld.append(source)
    return replace(
        answer, written=kept, confidence=merged_confidences(chunks, kept), withheld=[*answer.withheld, *withheld]
    )


def final_answer(
    spec: SchemaSpec,
    document: str,
    parts: list[dict[str, Any]],
    chunks: ChunkLeaves,
    groups: list[int] | None,
    row_line_reach: int | None,
    threshold: float | None,
) -> Answer:
    """Steps 0b to 3 in order: the chunks' valid answers (`parts`, with their leaves `chunks` and
    `groups` as in `merge_answers`) to one validated answer; values below `threshold` withheld
    (none when it is None), rows read from lines further apart than `row_line_reach` withheld."""
    parts, chunks = mend_chunks(spec, document, parts, chunks)
    answer = merge_answers(spec, document, parts, chunks, groups)
    answer = withhold_other_roles(answer, spec, document, chunks)
    answer = drop_list_artefacts(answer, spec, document, chunks)
    answer = withhold_misread_rows(answer, spec, document, row_line_reach, chunks)
    answer = add_skipped_rows(answer, spec, document, chunks)
    answer = with_stated_values(answer, spec, document, chunks)
    answer = withhold_total_rows(answer, spec, document, chunks)
    answer = withhold_inconsistent(answer, spec, document, chunks)
    if threshold is not None:
        answer = withhold_unsure(answer, spec, document, threshold, chunks)
    return validate(answer, spec, document)


def validate(answer: Answer, spec: SchemaSpec, document: str) -> Answer:
    """`answer` with its canonical values checked by the output model (`value`), or the reason not."""
    normalised, canonical = normalise_values(spec.json_schema, answer.written, document)
    try:
        return replace(answer, canonical=canonical, value=spec.validate_output(normalised))
    except ValidationError as invalid:
        error = f"normalised output does not validate against {spec.label}: {invalid}"
        return replace(answer, canonical=canonical, error=error)


def ground_answer(answer: Answer, document: str) -> list[ValueSource]:
    """Where each written value is in `document`, with its confidence and canonical form."""
    sources = ground(document, answer.written)
    for source in sources:
        source.confidence = answer.confidence.get(source.path)
        if source.path in answer.canonical:
            source.normalised = answer.canonical[source.path]
    return sources
