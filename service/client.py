"""A small Python client of the finx.v1 gRPC API.

    with FinxClient("127.0.0.1:50051") as client:
        result = client.extract("TOTAL RM 9.00", schema="receipt")
        print(result.data, result.sources)

Results come back as the same `ExtractionResult` the in-process path returns. Failed calls raise
`grpc.RpcError` with the server's status code and message.
"""

import json
from collections.abc import Iterable, Iterator
from typing import Any

import grpc

from finx.v1 import extraction_pb2 as pb
from finx.v1 import extraction_pb2_grpc as pb_grpc
from service.api_convert import COPY_GROUNDING_TO_PB, reference_from_pb, result_from_pb
from service.result import ExtractionResult
from service.retrieval.base import Reference


def extract_request(
    document: str | bytes,
    schema: str | dict[str, Any],
    request_id: str = "",
    adapter: str = "",
    max_tokens: int = 0,
    media_type: str = "",
    link_entities: bool = False,
    reference_context: bool = False,
    copy_grounding: bool | None = None,
) -> pb.ExtractRequest:
    """An ExtractRequest for text or bytes, with a schema name or a JSON Schema dict."""
    options = pb.ExtractOptions(
        max_tokens=max_tokens, link_entities=link_entities, reference_context=reference_context,
        copy_grounding=COPY_GROUNDING_TO_PB[copy_grounding],
    )  # fmt: skip
    request = pb.ExtractRequest(request_id=request_id, adapter=adapter, media_type=media_type, options=options)
    if isinstance(document, bytes):
        request.data = document
    else:
        request.text = document
    if isinstance(schema, dict):
        request.schema_json = json.dumps(schema)
    else:
        request.schema_name = schema
    return request


class FinxClient:
    def __init__(self, target: str, token: str | None = None, timeout: float | None = 600.0) -> None:
        self.channel = grpc.insecure_channel(target)
        self.stub = pb_grpc.ExtractionStub(self.channel)
        self.metadata = (("authorization", f"Bearer {token}"),) if token else ()
        self.timeout = timeout

    def extract(self, document: str | bytes, schema: str | dict[str, Any], **options: Any) -> ExtractionResult:
        response = self.stub.Extract(
            extract_request(document, schema, **options), timeout=self.timeout, metadata=self.metadata
        )
        return result_from_pb(response)

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
