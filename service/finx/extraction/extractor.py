"""The extraction path: document text -> chunks -> prompts (+ copy-grounding grammar) -> engine ->
JSON -> validation -> merge -> withholding -> normalisation -> grounding -> (entity linking) ->
result (the steps after validation are in `answer.py`).

`Extractor` owns no model; it drives an `Engine`. It knows nothing about gRPC, files or the CLI. With a
`Retriever`, a task may ask for reference records in its prompt and for entity links.
Preparation failures (bad document, too long, missing adapter) raise `FinxError`s; a generation
that stops at the token limit or fails validation comes back as a result whose status says so.
A document longer than one chunk is extracted chunk by chunk (all chunks go to the engine at
once) and the chunk results are merged (`chunking.py`).

Copy-grounding (on by default for schemas that copy values, on the guidance backend): each chunk's
request carries a grammar that lets copied strings be only text of that chunk. The model writes
values as the document does; `values.sources.normalise_values` then makes dates, durations and
names canonical, and every value is grounded by its written form.
"""

import asyncio
import json
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from pydantic import BaseModel, ValidationError

from finx.adapters.resolve import BASE_MODEL, ResolvedAdapter
from finx.config import ExtractionPolicy, RetrievalConfig
from finx.engines.base import Engine, Generation, GenerationRequest
from finx.engines.constraints import COPY_GROUNDING_BACKEND, copy_grammar, require_copy_backend
from finx.errors import FinxError, InvalidDocument, RetrievalUnavailable
from finx.extraction.answer import ground_answer, merge_answers, validate, withhold_unsure
from finx.extraction.chunking import Chunk, chunk_document
from finx.extraction.confidence import leaf_confidences, leaf_values, token_ends
from finx.extraction.options import ExtractOptions
from finx.extraction.prompt import build_messages, prompt_token_ids
from finx.extraction.result import ExtractionResult, Status, Timings
from finx.ingest import check_text
from finx.retrieval.base import Retriever
from finx.retrieval.linking import link_entities, reference_context
from finx.schemas.base import SchemaSpec
from finx.values.sources import copied_modes

CHARS_PER_TOKEN_CEILING = 8
"""No tokenizer packs more characters per token than this: longer texts are rejected untokenized."""


@dataclass(frozen=True)
class ExtractionTask:
    """One document to extract, with its schema and options."""

    document: str
    schema: SchemaSpec
    adapter: ResolvedAdapter = BASE_MODEL
    """The adapter to run (resolved at the edge, `finx.adapters.resolve`); results carry its label."""
    options: ExtractOptions = field(default_factory=ExtractOptions)


@dataclass(frozen=True)
class Prepared:
    """A task turned into one engine request per chunk."""

    task: ExtractionTask
    chunks: list[Chunk]
    requests: list[GenerationRequest]
    started: float
    prepare_s: float


@dataclass(frozen=True)
class ChunkOutcome:
    status: Status
    value: BaseModel | None
    error: str | None


class Extractor:
    """Runs extraction tasks on one engine."""

    def __init__(
        self,
        engine: Engine,
        retriever: Retriever | None = None,
        retrieval: RetrievalConfig | None = None,
        policy: ExtractionPolicy | None = None,
    ) -> None:
        self.engine = engine
        self.policy = policy or ExtractionPolicy()
        self.retriever = retriever
        self.retrieval = retrieval or RetrievalConfig()
        self._tokenizer_lock = threading.Lock()
        """Fast tokenizers are not safe to call from several threads at once ("Already borrowed")."""

    def extract(self, task: ExtractionTask) -> ExtractionResult:
        """One task, synchronously."""
        outcome = self.extract_many([task])[0]
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def extract_many(self, tasks: Sequence[ExtractionTask]) -> list[ExtractionResult | FinxError]:
        """Many tasks at once (the engine batches all their chunks); a failure stays with its task."""
        prepared: list[Prepared | FinxError] = []
        for task in tasks:
            try:
                prepared.append(self.prepare(task))
            except FinxError as error:
                prepared.append(error)
        futures = {
            index: [self.engine.submit(request) for request in item.requests]
            for index, item in enumerate(prepared)
            if isinstance(item, Prepared)
        }
        outcomes: list[ExtractionResult | FinxError] = []
        for index, item in enumerate(prepared):
            if isinstance(item, FinxError):
                outcomes.append(item)
                continue
            try:
                outcomes.append(self.finish(item, [future.result() for future in futures[index]]))
            except FinxError as error:
                outcomes.append(error)
        return outcomes

    async def aextract(self, task: ExtractionTask) -> ExtractionResult:
        """One task from an asyncio caller; cancelling it aborts its engine requests."""
        prepared = await asyncio.to_thread(self.prepare, task)
        generations = await asyncio.gather(*(self.engine.agenerate(request) for request in prepared.requests))
        # validation, confidence, normalisation and grounding are CPU work: off the caller's event loop
        return await asyncio.to_thread(self.finish, prepared, list(generations))

    def prepare(self, task: ExtractionTask) -> Prepared:
        """Check the document, split it into chunks, build and tokenize one prompt per chunk."""
        started = time.perf_counter()
        check_text(task.document)
        options, policy = task.options, self.policy
        if options.link_entities or options.reference_context:
            self._require_retriever()
        max_tokens = options.max_tokens or policy.max_tokens
        context = self.engine.max_model_len
        if max_tokens < 1 or max_tokens >= context:
            raise FinxError(f"max_tokens must be between 1 and {context - 1}, got {max_tokens}")
        window = policy.window(task.schema.json_schema)
        too_long = InvalidDocument(
            f"document is too long: more than {window.max_chunks} chunks of {window.tokens} tokens",
            hint="split it into smaller documents",
        )
        if len(task.document) > window.max_chunks * window.tokens * CHARS_PER_TOKEN_CEILING:
            raise too_long
        chunks = chunk_document(task.document, self.engine.tokenizer, window.tokens, window.overlap_tokens)
        if len(chunks) > window.max_chunks:
            raise too_long
        lora = self.engine.lora_for(task.adapter.path)
        references = self._reference_context(task.document) if options.reference_context else None
        copy_grounded = self._copy_grounded(task)
        requests = []
        for chunk in chunks:
            messages = build_messages(task.schema, chunk.text, references)
            with self._tokenizer_lock:
                prompt_ids = prompt_token_ids(self.engine.tokenizer, messages)
            if len(prompt_ids) + max_tokens > context:
                raise InvalidDocument(
                    f"the prompt has {len(prompt_ids)} tokens: with {max_tokens} for the answer it does not "
                    f"fit the model window of {context}",
                    hint="lower max_tokens or use shorter reference context",
                )
            requests.append(
                GenerationRequest(
                    prompt_ids=prompt_ids,
                    json_schema=task.schema.json_schema,
                    schema_key=task.schema.key,
                    max_tokens=max_tokens,
                    adapter=lora,
                    grammar=copy_grammar(task.schema.json_schema, chunk.text) if copy_grounded else None,
                )
            )
        return Prepared(task, chunks, requests, started, time.perf_counter() - started)

    def finish(self, prepared: Prepared, generations: list[Generation]) -> ExtractionResult:
        """Check each chunk's answer, then (`answer.py`) merge the good ones, withhold the unsure
        values, make them canonical and validate, ground them in the document; link entities."""
        finish_started = time.perf_counter()
        task, spec = prepared.task, prepared.task.schema
        outcomes = [self._check(spec, generation, prepared.requests[0].max_tokens) for generation in generations]
        good = [outcome.value for outcome in outcomes if outcome.value is not None]
        status, error = chunk_status(outcomes)
        answer = None
        if good:
            chunks = self._chunk_confidences(generations, outcomes)
            answer = merge_answers(spec, task.document, [spec.dump(part) for part in good], chunks)
            threshold = self.policy.min_confidence(spec.json_schema, task.options.min_confidence)
            if threshold is not None:
                answer = withhold_unsure(answer, spec, task.document, threshold, chunks)
            answer = validate(answer, spec, task.document)
            if answer.error is not None:
                status, error = "invalid", answer.error
        value = answer.value if answer is not None else None
        data = spec.dump(value) if value is not None else None
        grounded = value is not None and task.options.grounding
        sources = ground_answer(answer, task.document) if answer is not None and grounded else []
        links = []
        if data is not None and prepared.task.options.link_entities:
            links = link_entities(data, self._require_retriever(), self.retrieval.link_threshold)
        ended = time.perf_counter()
        return ExtractionResult(
            schema_name=spec.name,
            schema_version=spec.version,
            status=status,
            data=data,
            sources=sources,
            links=links,
            error=error,
            truncated=any(outcome.status == "truncated" for outcome in outcomes),
            raw=generations[0].text if len(generations) == 1 else "\n".join(g.text for g in generations),
            chunks=len(generations),
            engine=self.engine.name,
            model=self.engine.model_name,
            dtype=self.engine.dtype,
            adapter=prepared.task.adapter.label,
            prompt_tokens=sum(generation.prompt_tokens for generation in generations),
            completion_tokens=sum(generation.completion_tokens for generation in generations),
            timings=Timings(
                prepare_s=round(prepared.prepare_s, 4),
                generate_s=round(max(generation.seconds for generation in generations), 4),
                finish_s=round(ended - finish_started, 4),
                total_s=round(ended - prepared.started, 4),
            ),
            value=value,
            confidence=answer.confidence if answer is not None and data is not None else {},
            withheld=answer.withheld if answer is not None else [],
        )

    def _chunk_confidences(
        self, generations: list[Generation], outcomes: list[ChunkOutcome]
    ) -> list[tuple[dict[str, Any], dict[str, float]]]:
        """(leaf values, leaf confidences) of every chunk answer that validated, in chunk order
        (both empty where the engine gave no log-probabilities)."""
        chunks: list[tuple[dict[str, Any], dict[str, float]]] = []
        with self._tokenizer_lock:
            for generation, outcome in zip(generations, outcomes, strict=True):
                if outcome.value is None:
                    continue
                decode = partial(self.engine.tokenizer.decode, skip_special_tokens=True)
                if not generation.token_logprobs or decode(list(generation.token_ids)) != generation.text:
                    chunks.append(({}, {}))  # no confidences, or offsets would not line up with the text
                    continue
                ends = token_ends(decode, generation.token_ids)
                values = leaf_values(json.loads(generation.text))
                chunks.append((values, leaf_confidences(generation.text, ends, generation.token_logprobs)))
        return chunks

    def _copy_grounded(self, task: ExtractionTask) -> bool:
        wanted = task.options.copy_grounding
        if wanted is False or not copied_modes(task.schema.json_schema):
            return False
        backend = self.engine.structured_backend
        if wanted is None:
            return backend == COPY_GROUNDING_BACKEND
        require_copy_backend(backend)
        return True

    def _require_retriever(self) -> Retriever:
        if self.retriever is None:
            raise RetrievalUnavailable(
                "retrieval is off here", hint="configure a reference store, or do not ask for it"
            )
        return self.retriever

    def _reference_context(self, document: str) -> str | None:
        def count_tokens(text: str) -> int:
            with self._tokenizer_lock:
                return len(self.engine.tokenizer.encode(text, add_special_tokens=False))

        config = self.retrieval
        return reference_context(
            document, self._require_retriever(), config.link_threshold, config.context_max_records,
            config.context_max_tokens, count_tokens,
        )  # fmt: skip

    @staticmethod
    def _check(spec: SchemaSpec, generation: Generation, max_tokens: int) -> ChunkOutcome:
        if not generation.finished:
            error = f"generation hit the token limit ({max_tokens}) before the JSON was complete"
            return ChunkOutcome("truncated", None, error)
        try:
            return ChunkOutcome("ok", spec.validate_json(generation.text), None)
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


__all__ = ["ExtractionTask", "Extractor", "Prepared"]
