"""The extraction path: document text -> prompt -> engine -> JSON -> validation -> grounding.

`Extractor` owns no model; it drives an `Engine`. It knows nothing about gRPC, files or the CLI.
Preparation failures (bad document, too long, missing adapter) raise `FinxError`s; a generation
that stops at the token limit or fails validation comes back as a result whose status says so.
"""

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from service.documents import check_text
from service.engines.base import Engine, Generation, GenerationRequest, check_adapter
from service.errors import FinxError, InvalidDocument
from service.grounding import ground
from service.prompt import build_messages, prompt_token_ids
from service.result import ExtractionResult, Timings
from service.schemas.base import SchemaSpec

CHARS_PER_TOKEN_CEILING = 8
"""No tokenizer packs more characters per token than this: longer texts are rejected untokenized."""


@dataclass(frozen=True)
class ExtractionTask:
    """One document to extract, with its schema and options."""

    document: str
    schema: SchemaSpec
    adapter: Path | None = None
    max_tokens: int | None = None
    grounding: bool = True
    references: str | None = None


@dataclass(frozen=True)
class Prepared:
    task: ExtractionTask
    request: GenerationRequest
    started: float
    prepare_s: float


class Extractor:
    """Runs extraction tasks on one engine."""

    def __init__(self, engine: Engine, default_adapter: Path | None = None) -> None:
        self.engine = engine
        self.default_adapter = default_adapter

    def extract(self, task: ExtractionTask) -> ExtractionResult:
        """One task, synchronously."""
        outcome = self.extract_many([task])[0]
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def extract_many(self, tasks: Sequence[ExtractionTask]) -> list[ExtractionResult | FinxError]:
        """Many tasks at once (the engine batches them); a failure stays with its own task."""
        prepared: list[Prepared | FinxError] = []
        for task in tasks:
            try:
                prepared.append(self.prepare(task))
            except FinxError as error:
                prepared.append(error)
        futures = {
            index: self.engine.submit(item.request) for index, item in enumerate(prepared) if isinstance(item, Prepared)
        }
        outcomes: list[ExtractionResult | FinxError] = []
        for index, item in enumerate(prepared):
            if isinstance(item, FinxError):
                outcomes.append(item)
                continue
            try:
                outcomes.append(self.finish(item, futures[index].result()))
            except FinxError as error:
                outcomes.append(error)
        return outcomes

    async def aextract(self, task: ExtractionTask) -> ExtractionResult:
        """One task from an asyncio caller; cancelling it aborts the engine request."""
        prepared = await asyncio.to_thread(self.prepare, task)
        generation = await self.engine.agenerate(prepared.request)
        return self.finish(prepared, generation)

    def prepare(self, task: ExtractionTask) -> Prepared:
        """Check the document, build and tokenize the prompt, check it fits the window."""
        started = time.perf_counter()
        check_text(task.document)
        config = self.engine.config
        max_tokens = task.max_tokens or config.max_tokens
        if max_tokens < 1 or max_tokens >= config.max_model_len:
            raise FinxError(f"max_tokens must be between 1 and {config.max_model_len - 1}, got {max_tokens}")
        window = config.max_model_len - max_tokens
        too_long = InvalidDocument(
            f"document is too long for the model window ({config.max_model_len} tokens, "
            f"{max_tokens} of them kept for the answer)",
            hint="split the document into smaller parts",
        )
        if len(task.document) > window * CHARS_PER_TOKEN_CEILING:
            raise too_long
        messages = build_messages(task.schema, task.document, task.references)
        prompt_ids = prompt_token_ids(self.engine.tokenizer, messages)
        if len(prompt_ids) > window:
            raise InvalidDocument(f"{too_long.message}: the prompt has {len(prompt_ids)} tokens", too_long.hint)
        adapter = task.adapter or self.default_adapter
        request = GenerationRequest(
            prompt_ids=prompt_ids,
            json_schema=task.schema.json_schema,
            schema_key=task.schema.key,
            max_tokens=max_tokens,
            adapter=check_adapter(adapter) if adapter else None,
        )
        return Prepared(task, request, started, time.perf_counter() - started)

    def finish(self, prepared: Prepared, generation: Generation) -> ExtractionResult:
        """Validate and ground what the engine produced."""
        finish_started = time.perf_counter()
        spec = prepared.task.schema
        status, value, data, error = "ok", None, None, None
        if not generation.finished:
            status = "truncated"
            error = f"generation hit the token limit ({prepared.request.max_tokens}) before the JSON was complete"
        else:
            try:
                value = spec.validate_json(generation.text)
                data = spec.dump(value)
            except (ValueError, ValidationError) as invalid:
                status, error = "invalid", f"output does not validate against {spec.label}: {invalid}"
        sources = ground(prepared.task.document, data) if data is not None and prepared.task.grounding else []
        ended = time.perf_counter()
        return ExtractionResult(
            schema_name=spec.name,
            schema_version=spec.version,
            status=status,
            data=data,
            sources=sources,
            error=error,
            truncated=status == "truncated",
            raw=generation.text,
            engine=self.engine.name,
            model=self.engine.model_dir.name,
            adapter=str(prepared.request.adapter) if prepared.request.adapter else None,
            prompt_tokens=generation.prompt_tokens,
            completion_tokens=generation.completion_tokens,
            timings=Timings(
                prepare_s=round(prepared.prepare_s, 4),
                generate_s=round(generation.seconds, 4),
                finish_s=round(ended - finish_started, 4),
                total_s=round(ended - prepared.started, 4),
            ),
            value=value,
        )
