"""The extraction path: document text -> chunks -> prompts (+ copy-grounding grammar) -> engine ->
JSON -> validation -> merge -> list artefacts -> withholding -> normalisation -> grounding -> (entity linking) ->
result (the steps after validation are in `answer.py`).

`Extractor` owns no model; it drives an `Engine`. It knows nothing about gRPC, files or the CLI. With a
`Retriever`, a task may ask for reference records in its prompt and for entity links.
Preparation failures (bad document, too long, missing adapter) raise `FinxError`s; a generation
that stops at the token limit or fails validation comes back as a result whose status says so.
A document longer than one chunk is extracted chunk by chunk (all chunks go to the engine at
once) and the chunk results are merged (`chunking.py`). An answer bounds each list to
`ExtractionPolicy.rows_per_answer` rows; a chunk whose answer fills a table that the schema lets
grow is read again in two halves (`splitting.py`), so a long table comes out whole.

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
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

from finx.adapters.resolve import BASE_MODEL, ResolvedAdapter
from finx.config import ExtractionPolicy, RetrievalConfig
from finx.engines.base import Engine, Generation, GenerationRequest
from finx.engines.constraints import COPY_GROUNDING_BACKEND, copy_grammar, require_copy_backend
from finx.errors import FinxError, InvalidDocument, RetrievalUnavailable
from finx.extraction.answer import ChunkOutcome, check_answer, chunk_status, final_answer, ground_answer
from finx.extraction.chunk_mends import ChunkLeaves
from finx.extraction.chunking import Chunk, chunk_document
from finx.extraction.confidence import leaf_confidences, leaf_values, token_ends
from finx.extraction.options import ExtractOptions
from finx.extraction.prompt import build_messages, prompt_token_ids
from finx.extraction.result import ExtractionResult, Timings
from finx.extraction.splitting import answer_schema, fills_a_list, split_chunk
from finx.ingest import check_text
from finx.retrieval.base import Retriever
from finx.retrieval.linking import link_entities, reference_context
from finx.schemas.base import SchemaSpec
from finx.schemas.compile import JsonSchema, schema_hash
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
    groups: list[int]
    """For each chunk, the chunk of the first reading it is part of (itself, or a half of it)."""
    references: str | None
    started: float
    prepare_s: float


Pending = list[Generation | None]
"""A prepared task's generations in chunk order; None where its request has not run yet."""


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
        self._answer_schemas: dict[str, tuple[JsonSchema, str]] = {}

    def extract(self, task: ExtractionTask) -> ExtractionResult:
        """One task, synchronously."""
        outcome = self.extract_many([task])[0]
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def extract_many(self, tasks: Sequence[ExtractionTask]) -> list[ExtractionResult | FinxError]:
        """Many tasks at once (the engine batches all their chunks, and then all the halves of the
        chunks read again); a failure stays with its task."""
        outcomes: list[ExtractionResult | FinxError | None] = [None] * len(tasks)
        pending: dict[int, tuple[Prepared, Pending]] = {}
        for index, task in enumerate(tasks):
            try:
                prepared = self.prepare(task)
                pending[index] = (prepared, [None] * len(prepared.requests))
            except FinxError as error:
                outcomes[index] = error
        for reading in range(self.policy.table_splits + 1):
            ran = self._run_pending(pending)
            pending = {}
            for index, done in ran.items():
                try:
                    if isinstance(done, FinxError):
                        raise done
                    prepared, generations = done
                    again = (
                        self.split_full_chunks(prepared, generations) if reading < self.policy.table_splits else None
                    )
                    if again is None:
                        outcomes[index] = self.finish(prepared, generations)
                    else:
                        pending[index] = again
                except FinxError as error:
                    outcomes[index] = error
        return [outcome for outcome in outcomes if outcome is not None]

    def _run_pending(
        self, pending: dict[int, tuple[Prepared, Pending]]
    ) -> dict[int, tuple[Prepared, list[Generation]] | FinxError]:
        """Every request not run yet, of every task, submitted at once; each task's generations."""
        futures = {
            index: [
                self.engine.submit(request) if generation is None else None
                for request, generation in zip(prepared.requests, generations, strict=True)
            ]
            for index, (prepared, generations) in pending.items()
        }
        ran: dict[int, tuple[Prepared, list[Generation]] | FinxError] = {}
        for index, (prepared, generations) in pending.items():
            try:
                results = [future.result() if future else None for future in futures[index]]
            except FinxError as error:
                ran[index] = error
                continue
            ran[index] = (prepared, filled(generations, results))
        return ran

    async def aextract(self, task: ExtractionTask) -> ExtractionResult:
        """One task from an asyncio caller; cancelling it aborts its engine requests."""
        prepared = await asyncio.to_thread(self.prepare, task)
        generations = list(await asyncio.gather(*(self.engine.agenerate(request) for request in prepared.requests)))
        for _ in range(self.policy.table_splits):
            again = await asyncio.to_thread(self.split_full_chunks, prepared, generations)
            if again is None:
                break
            prepared, pending = again
            results = await asyncio.gather(
                *(
                    self.engine.agenerate(request) if generation is None else _done(generation)
                    for request, generation in zip(prepared.requests, pending, strict=True)
                )
            )
            generations = list(results)
        # validation, confidence, normalisation and grounding are CPU work: off the caller's event loop
        return await asyncio.to_thread(self.finish, prepared, generations)

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
        references = self._reference_context(task.document) if options.reference_context else None
        requests = [self._request(task, chunk, references) for chunk in chunks]
        groups = list(range(len(chunks)))
        return Prepared(task, chunks, requests, groups, references, started, time.perf_counter() - started)

    def _request(self, task: ExtractionTask, chunk: Chunk, references: str | None) -> GenerationRequest:
        """The engine request of one chunk: its prompt, under the answer schema (tables bounded to
        `rows_per_answer`) and, when copy-grounded, a grammar that copies only from the chunk."""
        max_tokens = task.options.max_tokens or self.policy.max_tokens
        context = self.engine.max_model_len
        messages = build_messages(task.schema, chunk.text, references)
        with self._tokenizer_lock:
            prompt_ids = prompt_token_ids(self.engine.tokenizer, messages)
        if len(prompt_ids) + max_tokens > context:
            raise InvalidDocument(
                f"the prompt has {len(prompt_ids)} tokens: with {max_tokens} for the answer it does not "
                f"fit the model window of {context}",
                hint="lower max_tokens or use shorter reference context",
            )
        schema, key = self._answer_schema(task.schema)
        return GenerationRequest(
            prompt_ids=prompt_ids,
            json_schema=schema,
            schema_key=key,
            max_tokens=max_tokens,
            adapter=self.engine.lora_for(task.adapter.path),
            grammar=copy_grammar(schema, chunk.text) if self._copy_grounded(task) else None,
        )

    def _answer_schema(self, spec: SchemaSpec) -> tuple[JsonSchema, str]:
        """The schema one chunk's answer is generated under, and its constraint's cache key."""
        if spec.key not in self._answer_schemas:
            schema = answer_schema(spec.json_schema, self.policy.rows_per_answer)
            self._answer_schemas[spec.key] = (schema, spec.key if schema is spec.json_schema else schema_hash(schema))
        return self._answer_schemas[spec.key]

    def split_full_chunks(self, prepared: Prepared, generations: list[Generation]) -> tuple[Prepared, Pending] | None:
        """The task with every chunk whose complete answer filled a list (`splitting.fills_a_list`)
        replaced by its two halves, each with its request and no generation yet; None when no
        chunk needs it."""
        document_schema = prepared.task.schema.json_schema
        chunks, requests, groups, pending = [], [], [], []
        for chunk, request, group, generation in zip(
            prepared.chunks, prepared.requests, prepared.groups, generations, strict=True
        ):
            full = generation.finished and fills_a_list(generation.text, request.json_schema, document_schema)
            halves = split_chunk(chunk) if full else None
            for piece in halves or [chunk]:
                chunks.append(piece)
                groups.append(group)
                requests.append(self._request(prepared.task, piece, prepared.references) if halves else request)
                pending.append(None if halves else generation)
        if len(chunks) == len(prepared.chunks):
            return None
        return replace(prepared, chunks=chunks, requests=requests, groups=groups), pending

    def finish(self, prepared: Prepared, generations: list[Generation]) -> ExtractionResult:
        """Check each chunk's answer, then (`answer.py`) merge the good ones, withhold the unsure
        values, make them canonical and validate, ground them in the document; link entities."""
        finish_started = time.perf_counter()
        task, spec = prepared.task, prepared.task.schema
        outcomes = [
            check_answer(spec, generation.text, generation.finished, prepared.requests[0].max_tokens)
            for generation in generations
        ]
        good = [outcome.value for outcome in outcomes if outcome.value is not None]
        status, error = chunk_status(outcomes)
        answer = None
        if good:
            chunks: ChunkLeaves = self._chunk_confidences(generations, outcomes)
            groups = [
                group for group, outcome in zip(prepared.groups, outcomes, strict=True) if outcome.value is not None
            ]
            threshold = self.policy.min_confidence(spec.json_schema, task.options.min_confidence)
            parts = [spec.dump(part) for part in good]
            answer = final_answer(spec, task.document, parts, chunks, groups, self.policy.row_line_reach, threshold)
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


def filled(pending: Pending, results: list[Generation | None]) -> list[Generation]:
    """The generations of a task: those that had run, and the new results in the other places."""
    generations = []
    for old, new in zip(pending, results, strict=True):
        generation = old if old is not None else new
        if generation is None:
            raise ValueError("a request did not run")
        generations.append(generation)
    return generations


async def _done(generation: Generation) -> Generation:
    return generation


__all__ = ["ExtractionTask", "Extractor", "Prepared"]
