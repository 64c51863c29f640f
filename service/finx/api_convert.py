"""Conversion between the finx.v1 protobuf messages and the domain types (`to_pb` / `from_pb`).

The only module besides the servicer and the client (`service/finx/client.py`, which every caller of a
running service uses, the batch's server backend included) that knows the generated message classes.
"""

import json
from dataclasses import dataclass
from typing import Any

from finx.errors import FinxError, InvalidSchema, UnsupportedMediaType
from finx.extraction.options import ExtractOptions
from finx.extraction.result import ExtractionResult, Status, Timings
from finx.ingest import MAX_DOCUMENT_BYTES, IngestedDocument, read_document, read_unnamed
from finx.ingest.readers import READERS
from finx.retrieval.base import Reference
from finx.retrieval.linking import EntityLink
from finx.schemas import custom_schema, get_schema
from finx.schemas.base import SchemaSpec
from finx.v1 import extraction_pb2 as pb
from finx.values.grounding import MatchKind, ValueSource, WithheldReason

STATUS_TO_PB: dict[Status, pb.ResultStatus] = {
    "ok": pb.RESULT_STATUS_OK,
    "partial": pb.RESULT_STATUS_PARTIAL,
    "truncated": pb.RESULT_STATUS_TRUNCATED,
    "invalid": pb.RESULT_STATUS_INVALID,
}
STATUS_FROM_PB: dict[int, Status] = {value: key for key, value in STATUS_TO_PB.items()}
MATCH_TO_PB: dict[MatchKind, pb.MatchKind] = {
    "exact": pb.MATCH_KIND_EXACT,
    "case_insensitive": pb.MATCH_KIND_CASE_INSENSITIVE,
    "whitespace": pb.MATCH_KIND_WHITESPACE,
    "fuzzy": pb.MATCH_KIND_FUZZY,
    "not_found": pb.MATCH_KIND_NOT_FOUND,
}
MATCH_FROM_PB: dict[int, MatchKind] = {value: key for key, value in MATCH_TO_PB.items()}
REASON_TO_PB: dict[WithheldReason | None, pb.WithheldReason] = {
    None: pb.WITHHELD_REASON_UNSPECIFIED,
    "below_confidence": pb.WITHHELD_REASON_BELOW_CONFIDENCE,
    "misplaced_row": pb.WITHHELD_REASON_MISPLACED_ROW,
    "unreadable_row": pb.WITHHELD_REASON_UNREADABLE_ROW,
    "header_row": pb.WITHHELD_REASON_HEADER_ROW,
    "total_row": pb.WITHHELD_REASON_TOTAL_ROW,
    "other_role": pb.WITHHELD_REASON_OTHER_ROLE,
    "inconsistent": pb.WITHHELD_REASON_INCONSISTENT,
}
REASON_FROM_PB: dict[int, WithheldReason | None] = {value: key for key, value in REASON_TO_PB.items()}
COPY_GROUNDING_FROM_PB: dict[pb.CopyGrounding, bool | None] = {
    pb.COPY_GROUNDING_DEFAULT: None,
    pb.COPY_GROUNDING_ON: True,
    pb.COPY_GROUNDING_OFF: False,
}
COPY_GROUNDING_TO_PB: dict[bool | None, pb.CopyGrounding] = {
    value: key for key, value in COPY_GROUNDING_FROM_PB.items()
}


MESSAGE_ENVELOPE_BYTES = 1024 * 1024
"""Room in a gRPC message for the schema and options beside the largest document."""
MAX_MESSAGE_BYTES = MAX_DOCUMENT_BYTES + MESSAGE_ENVELOPE_BYTES


@dataclass(frozen=True)
class DecodedRequest:
    request_id: str
    ingested: IngestedDocument
    """The document as read (its text, pages and, for PDFs and scans, character boxes)."""
    schema: SchemaSpec
    adapter: str
    """The caller's adapter reference ("", "base" or a registry version), not yet resolved."""
    options: ExtractOptions


def options_from_pb(options: pb.ExtractOptions) -> ExtractOptions:
    return ExtractOptions(
        max_tokens=options.max_tokens or None,
        grounding=not options.disable_grounding,
        reference_context=options.reference_context,
        link_entities=options.link_entities,
        copy_grounding=copy_grounding_from_pb(options.copy_grounding),
        min_confidence=min_confidence_from_pb(options),
    )


def copy_grounding_from_pb(value: int) -> bool | None:
    """The option of a wire value; a number this API version does not know is the caller's error."""
    if value not in COPY_GROUNDING_FROM_PB:
        known = ", ".join(f"{pb.CopyGrounding.Name(key)} ({key})" for key in COPY_GROUNDING_FROM_PB)
        raise FinxError(f"copy_grounding {value} is not a known value", hint=f"known: {known}")
    return COPY_GROUNDING_FROM_PB[value]  # type: ignore[index]


def min_confidence_from_pb(options: pb.ExtractOptions) -> float | None:
    if not options.HasField("min_confidence"):
        return None
    if not 0.0 <= options.min_confidence <= 1.0:
        raise FinxError(f"min_confidence must be between 0 and 1, got {options.min_confidence}")
    return options.min_confidence


def options_to_pb(options: ExtractOptions) -> pb.ExtractOptions:
    return pb.ExtractOptions(
        max_tokens=options.max_tokens or 0,
        disable_grounding=not options.grounding,
        reference_context=options.reference_context,
        link_entities=options.link_entities,
        copy_grounding=COPY_GROUNDING_TO_PB[options.copy_grounding],
        min_confidence=options.min_confidence,
    )


def request_from_pb(request: pb.ExtractRequest, max_bytes: int = MAX_DOCUMENT_BYTES) -> DecodedRequest:
    """Document text and schema of a request, or a `FinxError` saying what is wrong with it.

    Text and bytes are read by the ingestion module like every other entry point's (text: the
    same decoder as a `.txt` file; bytes: by media type, PDF, HTML, e-mail, images ..., which may
    run OCR): call this off the event loop.
    """
    which = request.WhichOneof("document")
    if which == "text":
        document = read_document(request.text.encode("utf-8"), "document", "text/plain", max_bytes)
    elif which == "data":
        media_type = request.media_type.lower().split(";")[0].strip()
        if not media_type:
            document = read_unnamed(request.data, "document", max_bytes)
        elif media_type in READERS:
            document = read_document(request.data, "document", media_type, max_bytes)
        else:
            supported = ", ".join(sorted(READERS))
            raise UnsupportedMediaType(
                f"unsupported media type {request.media_type!r}", hint=f"use one of: {supported}"
            )
    else:
        document = read_document(b"", "document", "text/plain", max_bytes)
    return DecodedRequest(
        request_id=request.request_id,
        ingested=document,
        schema=schema_from_pb(request),
        adapter=request.adapter,
        options=options_from_pb(request.options),
    )


def schema_from_pb(request: pb.ExtractRequest) -> SchemaSpec:
    which = request.WhichOneof("schema")
    if which == "schema_name":
        return get_schema(request.schema_name)
    if which == "schema_json":
        try:
            return custom_schema(json.loads(request.schema_json))
        except json.JSONDecodeError as error:
            raise InvalidSchema(f"schema_json is not valid JSON: {error}") from None
        except RecursionError:
            raise InvalidSchema("schema_json nests too deeply") from None
    raise InvalidSchema("no schema given", hint="set schema_name or schema_json")


def is_error_response(response: pb.ExtractResponse) -> bool:
    """Whether a stream item carries an error status instead of a result."""
    return response.status == pb.RESULT_STATUS_ERROR


def result_to_pb(result: ExtractionResult, request_id: str) -> pb.ExtractResponse:
    return pb.ExtractResponse(
        request_id=request_id,
        status=STATUS_TO_PB[result.status],
        json=json.dumps(result.data, ensure_ascii=False, separators=(",", ":")) if result.data is not None else "",
        sources=[source_to_pb(source) for source in result.sources],
        truncated=result.truncated,
        error=result.error or "",
        schema_name=result.schema_name,
        schema_version=result.schema_version,
        adapter=result.adapter,
        model=result.model,
        engine=result.engine,
        dtype=result.dtype,
        prompt_tokens=result.prompt_tokens,
        completion_tokens=result.completion_tokens,
        chunks=result.chunks,
        timings=pb.Timings(**result.timings.model_dump()),
        links=[link_to_pb(link) for link in result.links],
        confidence=result.confidence,
        withheld=[source_to_pb(source) for source in result.withheld],
        page_sizes=[pb.PageSize(width=width, height=height) for width, height in result.page_sizes or []],
    )


def reference_to_pb(reference: Reference) -> pb.Reference:
    return pb.Reference(
        id=reference.id,
        kind=reference.kind,
        name=reference.name,
        aliases=reference.aliases,
        attributes_json=json.dumps(reference.attributes, ensure_ascii=False),
        score=reference.score,
        method=reference.method,
    )


def reference_from_pb(message: pb.Reference) -> Reference:
    return Reference(
        id=message.id,
        kind=message.kind,
        name=message.name,
        aliases=list(message.aliases),
        attributes=json.loads(message.attributes_json or "{}"),
        score=round(message.score, 3),
        method=message.method,  # type: ignore[arg-type]
    )


def link_to_pb(link: EntityLink) -> pb.EntityLink:
    message = pb.EntityLink(
        path=link.path, value=link.value, kind=link.kind, linked=link.linked, reason=link.reason or ""
    )
    if link.reference is not None:
        message.reference.CopyFrom(reference_to_pb(link.reference))
    return message


def link_from_pb(message: pb.EntityLink) -> EntityLink:
    return EntityLink(
        path=message.path,
        value=message.value,
        kind=message.kind,
        linked=message.linked,
        reference=reference_from_pb(message.reference) if message.HasField("reference") else None,
        reason=message.reason or None,
    )


def source_to_pb(source: ValueSource) -> pb.ValueSource:
    return pb.ValueSource(
        path=source.path,
        value=source.value,
        start=-1 if source.start is None else source.start,
        end=-1 if source.end is None else source.end,
        match=MATCH_TO_PB[source.match],
        score=source.score,
        normalised=source.normalised,
        confidence=source.confidence,
        page=source.page or 0,
        line=source.line or 0,
        boxes=[pb.Box(x0=box[0], y0=box[1], x1=box[2], y1=box[3]) for box in source.boxes or []],
        reason=REASON_TO_PB[source.reason],
    )


def source_from_pb(source: pb.ValueSource) -> ValueSource:
    return ValueSource(
        path=source.path,
        value=source.value,
        start=None if source.start < 0 else source.start,
        end=None if source.end < 0 else source.end,
        match=MATCH_FROM_PB[source.match],
        score=round(source.score, 3),
        normalised=source.normalised if source.HasField("normalised") else None,
        confidence=round(source.confidence, 4) if source.HasField("confidence") else None,
        page=source.page or None,
        line=source.line or None,
        boxes=[(box.x0, box.y0, box.x1, box.y1) for box in source.boxes] or None,
        reason=REASON_FROM_PB[source.reason],
    )


def result_from_pb(response: pb.ExtractResponse) -> ExtractionResult:
    """The domain result of a response (what the in-process path would have returned)."""
    data: dict[str, Any] | None = json.loads(response.json) if response.json else None
    return ExtractionResult(
        schema_name=response.schema_name,
        schema_version=response.schema_version,
        status=STATUS_FROM_PB[response.status],
        data=data,
        sources=[source_from_pb(source) for source in response.sources],
        confidence={path: round(value, 4) for path, value in response.confidence.items()},
        withheld=[source_from_pb(source) for source in response.withheld],
        error=response.error or None,
        truncated=response.truncated,
        raw="",
        chunks=response.chunks,
        engine=response.engine,
        dtype=response.dtype,
        model=response.model,
        adapter=response.adapter,
        prompt_tokens=response.prompt_tokens,
        completion_tokens=response.completion_tokens,
        timings=Timings(**{field: getattr(response.timings, field) for field in Timings.model_fields}),
        links=[link_from_pb(link) for link in response.links],
        page_sizes=[(size.width, size.height) for size in response.page_sizes] or None,
    )
