"""The gRPC and HTTP protocol on a real server on loopback with a scripted engine (no model): the
answer comes back with its sources and confidences, and each failure has its status. The same
server with the real engines is tested in tests/integration."""

import json

import grpc
import httpx
import pytest

from finx.client import FinxClient
from finx.extraction.options import ExtractOptions
from tests.support.scripted_engine import ScriptedEngine
from tests.support.server import RunningServer

RECEIPT = "SHOP A\n1 Main Street\nTOTAL 9.00\n"
ANSWER = '{"company":"SHOP A","date":null,"address":"1 Main Street","total":"9.00"}'


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    engine = ScriptedEngine(lambda prompt: ANSWER if "SHOP A" in prompt else '{"company":"ELSEWHERE"')
    running = RunningServer(engine, tmp_path_factory.mktemp("protocol"))
    running.wait_ready()
    running.base_url = running.start_http()
    yield running
    running.stop()
    engine.close()


def test_a_scripted_answer_comes_back_with_sources_and_confidence(live):
    with FinxClient(live.target) as client:
        result = client.extract(RECEIPT, "receipt")
    assert result.status == "ok" and result.data == json.loads(ANSWER)
    assert result.adapter == "base"  # the registry is empty: the base model, named as in process
    sources = {source.path: (source.start, source.end, source.match) for source in result.sources}
    assert sources == {"company": (0, 6, "exact"), "address": (7, 20, "exact"), "total": (27, 31, "exact")}
    # one token per character: the key's colon (where a value was chosen over null) and the quoted value
    assert result.confidence["company"] == pytest.approx(0.9 ** len(':"SHOP A"'), rel=1e-3)


def test_a_withheld_value_comes_back_with_its_reason_over_grpc_and_http(live):
    options = ExtractOptions(min_confidence=0.3)  # the address: 0.9 ** 16 tokens = 0.19; the others over 0.38
    with FinxClient(live.target) as client:
        result = client.extract(RECEIPT, "receipt", options=options)
    assert result.data == {**json.loads(ANSWER), "address": None}
    assert [(source.path, source.value, source.reason) for source in result.withheld] == [
        ("address", "1 Main Street", "below_confidence")
    ]
    assert all(source.reason is None for source in result.sources)
    body = {"text": RECEIPT, "schemaName": "receipt", "options": {"minConfidence": 0.3}}
    over_http = httpx.post(f"{live.base_url}/v1/extract", json=body, timeout=30).json()
    assert [(source["path"], source["reason"]) for source in over_http["withheld"]] == [
        ("address", "WITHHELD_REASON_BELOW_CONFIDENCE")
    ]


def test_an_answer_cut_by_the_token_limit_is_truncated_not_an_error(live):
    with FinxClient(live.target) as client:
        result = client.extract(RECEIPT, "receipt", options=ExtractOptions(max_tokens=20))
    assert result.status == "truncated" and result.truncated and result.data is None


def test_an_unfinished_answer_is_invalid_with_the_reason(live):
    with FinxClient(live.target) as client:
        result = client.extract("OTHER SHOP\nTOTAL 1.00", "receipt")
    assert result.status in ("truncated", "invalid") and result.data is None and result.error


@pytest.mark.parametrize(
    ("schema", "code"),
    [
        ("nope", grpc.StatusCode.NOT_FOUND),
        ({"type": "object", "properties": {"x": {"type": "date"}}}, grpc.StatusCode.INVALID_ARGUMENT),
    ],
)
def test_bad_schemas_have_their_status(live, schema, code):
    with FinxClient(live.target) as client, pytest.raises(grpc.RpcError) as raised:
        client.extract(RECEIPT, schema)
    assert raised.value.code() == code


def test_http_and_grpc_give_the_same_answer(live):
    body = {"text": RECEIPT, "schemaName": "receipt"}
    over_http = httpx.post(f"{live.base_url}/v1/extract", json=body, timeout=30).json()
    with FinxClient(live.target) as client:
        over_grpc = client.extract(RECEIPT, "receipt")
    assert json.loads(over_http["json"]) == over_grpc.data
    assert [source["path"] for source in over_http["sources"]] == [source.path for source in over_grpc.sources]


def test_chat_completions_answer_with_the_extracted_json(live):
    body = {"model": "finx", "messages": [{"role": "user", "content": RECEIPT}],
            "response_format": {"type": "json_schema", "json_schema": {"name": "receipt"}}}  # fmt: skip
    completion = httpx.post(f"{live.base_url}/v1/chat/completions", json=body, timeout=30).json()
    assert json.loads(completion["choices"][0]["message"]["content"]) == json.loads(ANSWER)
    assert completion["usage"]["completion_tokens"] == len(ANSWER)
    assert completion["finx"]["status"] == "RESULT_STATUS_OK"


def test_an_enum_number_this_api_does_not_know_is_the_callers_error():
    from finx.api_convert import options_from_pb
    from finx.errors import FinxError
    from finx.v1 import extraction_pb2 as pb

    options = pb.ExtractOptions()
    options.copy_grounding = 99  # proto3 enums are open: the wire carries any number
    with pytest.raises(
        FinxError, match=r"copy_grounding 99 is not a known value \(known: COPY_GROUNDING_DEFAULT \(0\)"
    ):
        options_from_pb(options)
