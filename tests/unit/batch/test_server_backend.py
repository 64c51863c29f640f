"""The batch's server backend against a scripted gRPC service on loopback: retryable answers are
retried with back-off, a broken stream is reopened, and what still fails is reported."""

import asyncio
from typing import Any

import grpc
import pytest
from pydantic import BaseModel, field_validator

from finx.api_convert import result_to_pb
from finx.batch.backends import ServerBackend
from finx.batch.records import RemoteError
from finx.extraction.options import ExtractOptions
from finx.extraction.result import ExtractionResult, Timings
from finx.schemas import get_schema, schema_from_model
from finx.server.grpc_service import error_response
from finx.v1 import extraction_pb2_grpc as pb_grpc

SPEC = get_schema("receipt")


def answer(request_id: str) -> Any:
    result = ExtractionResult(
        schema_name="receipt", schema_version="1", status="ok",
        data={"company": "A", "date": None, "address": None, "total": None}, sources=[], truncated=False, raw="",
        engine="scripted", model="scripted", adapter="current", prompt_tokens=1, completion_tokens=1,
        timings=Timings(prepare_s=0, generate_s=0, finish_s=0, total_s=0),
    )  # fmt: skip
    return result_to_pb(result, request_id)


class Overloaded(pb_grpc.ExtractionServicer):
    """Answers RESOURCE_EXHAUSTED to the first `refusals` documents, then results; `break_after`
    ends the first stream with UNAVAILABLE after that many requests."""

    def __init__(self, refusals: int, break_after: int | None = None, code: str = "RESOURCE_EXHAUSTED") -> None:
        self.refusals, self.break_after, self.code = refusals, break_after, code
        self.seen = 0
        self.streams = 0

    async def ExtractStream(self, requests: Any, context: Any) -> Any:
        self.streams += 1
        async for request in requests:
            self.seen += 1
            if self.break_after is not None and self.streams == 1 and self.seen > self.break_after:
                await context.abort(grpc.StatusCode.UNAVAILABLE, "restarting")
            if self.seen <= self.refusals:
                yield error_response(request.request_id, self.code, "4 requests in flight (limit 4)")
            else:
                yield answer(request.request_id)


async def run(servicer: Overloaded, documents: int, retry_seconds: float = 30.0) -> list[Any]:
    server = grpc.aio.server()
    pb_grpc.add_ExtractionServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    backend = ServerBackend(f"127.0.0.1:{port}", "", retry_seconds=retry_seconds)
    try:
        jobs = [backend.extract(f"doc {n}", SPEC, ExtractOptions()) for n in range(documents)]
        return await asyncio.gather(*jobs, return_exceptions=True)
    finally:
        await backend.close()
        await server.stop(None)


def test_an_overloaded_servers_refusals_are_retried_until_every_document_has_its_result():
    servicer = Overloaded(refusals=6)
    outcomes = asyncio.run(run(servicer, 10))
    assert [type(outcome) for outcome in outcomes] == [ExtractionResult] * 10
    assert servicer.seen == 16


def test_a_broken_stream_is_reopened():
    servicer = Overloaded(refusals=0, break_after=2)
    outcomes = asyncio.run(run(servicer, 6))
    assert all(isinstance(outcome, ExtractionResult) for outcome in outcomes), outcomes
    assert servicer.streams >= 2


def test_retries_stop_when_their_time_is_up_and_a_final_error_is_not_retried():
    outcomes = asyncio.run(run(Overloaded(refusals=1000), 2, retry_seconds=0.5))
    assert all(isinstance(o, RemoteError) and o.retryable and o.code == "RESOURCE_EXHAUSTED" for o in outcomes)
    servicer = Overloaded(refusals=1000, code="INVALID_ARGUMENT")
    [outcome] = asyncio.run(run(servicer, 1))
    assert isinstance(outcome, RemoteError) and not outcome.retryable and servicer.seen == 1


@pytest.mark.parametrize("unfinished", [0, 3])
def test_summary_names_the_documents_still_without_a_result(unfinished):
    from finx.batch.runner import BatchSummary

    summary = BatchSummary(total=5)
    for n in range(5):
        retryable = n < unfinished
        record = {"status": "error", "reason": "server_resource_exhausted", "retryable": retryable}
        summary.add(record if retryable else {"status": "ok"}, 0.0)
    assert summary.unfinished == unfinished
    assert any("--resume" in line for line in summary.lines()) == bool(unfinished)


class Receipt(BaseModel):
    company: str | None
    date: str | None
    address: str | None
    total: str | None

    @field_validator("company")
    @classmethod
    def no_single_letters(cls, value: str | None) -> str | None:
        if value is not None and len(value) < 2:
            raise ValueError("a company name of one letter")
        return value


def test_the_callers_pydantic_model_is_applied_to_a_servers_answer_as_in_process():
    spec = schema_from_model(Receipt)

    async def main() -> Any:
        server = grpc.aio.server()
        pb_grpc.add_ExtractionServicer_to_server(Overloaded(refusals=0), server)
        port = server.add_insecure_port("127.0.0.1:0")
        await server.start()
        backend = ServerBackend(f"127.0.0.1:{port}", "")
        try:
            return await backend.extract("doc", spec, ExtractOptions())
        finally:
            await backend.close()
            await server.stop(None)

    result = asyncio.run(main())
    assert result.status == "invalid" and "a company name of one letter" in result.error
    assert spec.output_model is Receipt
