"""A small Python client of the finx.v1 gRPC API.

    with FinxClient("127.0.0.1:50051") as client:
        result = client.extract("TOTAL RM 9.00", schema="receipt")
        print(result.data, result.sources)

Results come back as the same `ExtractionResult` the in-process path returns. Failed calls raise
`grpc.RpcError` with the server's status code and message. A pydantic model class as the schema
is sent as its JSON Schema, and the answer comes back as an instance of it in `result.value`
(with `data`, `sources` and `confidence` as for any schema):

    invoice = client.extract(text, schema=Invoice).value
"""

import json
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any

import grpc
from pydantic import BaseModel, ValidationError

from finx.api_convert import MAX_MESSAGE_BYTES, options_to_pb, reference_from_pb, result_from_pb
from finx.extraction.options import ExtractOptions
from finx.extraction.result import ExtractionResult
from finx.retrieval.base import Reference
from finx.schemas.model_values import to_model
from finx.v1 import extraction_pb2 as pb
from finx.v1 import extraction_pb2_grpc as pb_grpc

SchemaReference = str | dict[str, Any] | type[BaseModel]
"""A built-in schema name, a JSON Schema, or a pydantic model class."""

CHANNEL_OPTIONS = [
    ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
    ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
]


def extract_request(
    document: str | bytes,
    schema: SchemaReference,
    request_id: str = "",
    adapter: str = "",
    media_type: str = "",
    options: ExtractOptions | None = None,
) -> pb.ExtractRequest:
    """An ExtractRequest for text or bytes, with a schema name, a JSON Schema dict or a pydantic model.

    `adapter`: "" (the service's current adapter), "base" or a registry version."""
    request = pb.ExtractRequest(
        request_id=request_id,
        adapter=adapter,
        media_type=media_type,
        options=options_to_pb(options or ExtractOptions()),
    )
    if isinstance(document, bytes):
        request.data = document
    else:
        request.text = document
    if isinstance(schema, type) and issubclass(schema, BaseModel):
        request.schema_json = json.dumps(schema.model_json_schema())
    elif isinstance(schema, dict):
        request.schema_json = json.dumps(schema)
    else:
        request.schema_name = schema
    return request


def with_model(result: ExtractionResult, schema: SchemaReference) -> ExtractionResult:
    """`result` with `value` set to an instance of `schema` when it is a pydantic model class (a
    result that does not validate into it becomes `invalid`, with pydantic's reason)."""
    if not (isinstance(schema, type) and issubclass(schema, BaseModel)) or result.data is None:
        return result
    try:
        result.value = to_model(schema, result.data)
    except ValidationError as error:
        result.status, result.error = "invalid", f"the answer does not validate into {schema.__name__}: {error}"
    return result


def auth_metadata(token: str | None) -> tuple[tuple[str, str], ...]:
    return (("authorization", f"Bearer {token}"),) if token else ()


class FinxClient:
    def __init__(self, target: str, token: str | None = None, timeout: float | None = 600.0) -> None:
        self.channel = grpc.insecure_channel(target, options=CHANNEL_OPTIONS)
        self.stub = pb_grpc.ExtractionStub(self.channel)
        self.metadata = auth_metadata(token)
        self.timeout = timeout

    def extract(
        self,
        document: str | bytes,
        schema: SchemaReference,
        adapter: str = "",
        media_type: str = "",
        options: ExtractOptions | None = None,
    ) -> ExtractionResult:
        """One document; with a pydantic model class as `schema`, `result.value` is an instance of it."""
        request = extract_request(document, schema, adapter=adapter, media_type=media_type, options=options)
        response = self.stub.Extract(request, timeout=self.timeout, metadata=self.metadata)
        return with_model(result_from_pb(response), schema)

    def extract_stream(self, requests: Iterable[pb.ExtractRequest]) -> Iterator[pb.ExtractResponse]:
        """Responses as they finish (match them by request_id)."""
        return self.stub.ExtractStream(iter(requests), timeout=self.timeout, metadata=self.metadata)

    def list_schemas(self) -> list[pb.SchemaInfo]:
        return list(
            self.stub.ListSchemas(pb.ListSchemasRequest(), timeout=self.timeout, metadata=self.metadata).schemas
        )

    def lookup_reference(self, query: str, kind: str = "", k: int = 5) -> list[Reference]:
        """Reference records for `query`, best first."""
        request = pb.LookupReferenceRequest(query=query, kind=kind, k=k)
        response = self.stub.LookupReference(request, timeout=self.timeout, metadata=self.metadata)
        return [reference_from_pb(reference) for reference in response.references]

    def close(self) -> None:
        self.channel.close()

    def __enter__(self) -> "FinxClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncFinxClient:
    """The asyncio client: one bidirectional ExtractStream for many documents (the batch's server
    backend). Failed calls raise `grpc.aio.AioRpcError`."""

    def __init__(self, target: str, token: str | None = None) -> None:
        self.channel = grpc.aio.insecure_channel(target, options=CHANNEL_OPTIONS)
        self.stub = pb_grpc.ExtractionStub(self.channel)
        self.metadata = auth_metadata(token)

    async def extract(
        self,
        document: str | bytes,
        schema: SchemaReference,
        adapter: str = "",
        media_type: str = "",
        options: ExtractOptions | None = None,
        timeout: float | None = 600.0,
    ) -> ExtractionResult:
        """One document; with a pydantic model class as `schema`, `result.value` is an instance of it."""
        request = extract_request(document, schema, adapter=adapter, media_type=media_type, options=options)
        response = await self.stub.Extract(request, timeout=timeout, metadata=self.metadata)
        return with_model(result_from_pb(response), schema)

    def extract_stream(self, requests: AsyncIterator[pb.ExtractRequest]) -> AsyncIterator[pb.ExtractResponse]:
        """Responses as they finish (match them by request_id)."""
        return self.stub.ExtractStream(requests, metadata=self.metadata)

    async def close(self) -> None:
        await self.channel.close()
