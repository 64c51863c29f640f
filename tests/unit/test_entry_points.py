"""Every entry point reads document bytes the same way: a CLI file, CLI standard input, gRPC `text`,
gRPC `data` (with and without a media type) and a batch folder give the same text, or fail for the
same reason, under the same size limit."""

import asyncio
import io
from pathlib import Path

import pytest

from finx.api_convert import request_from_pb
from finx.batch import BatchConfig, run_batch
from finx.batch.output import read_records
from finx.cli.extract import read_input
from finx.extraction.options import ExtractOptions
from finx.extraction.result import ExtractionResult, Timings
from finx.ingest import MAX_DOCUMENT_BYTES, IngestError
from finx.schemas import get_schema
from finx.schemas.base import SchemaSpec
from finx.v1 import extraction_pb2 as pb

TEXT = "Café crème 3,50 £\nTOTAL 7,00 €\n"
CASES = [
    pytest.param(TEXT.encode("utf-8"), TEXT, id="utf-8"),
    pytest.param(b"\xef\xbb\xbf" + TEXT.encode("utf-8"), TEXT, id="utf-8-bom"),
    pytest.param(TEXT.replace("\n", "\r\n").encode("utf-8"), TEXT, id="crlf"),
    pytest.param(TEXT.encode("cp1252"), TEXT, id="windows-1252"),
    pytest.param(TEXT.encode("utf-16"), TEXT, id="utf-16-bom"),
    pytest.param(b"TOTAL\x00\x00 9.00", "binary", id="nul-bytes"),
    pytest.param(b"\x01\x02\x03\x04\x05\x06 total", "binary", id="control-characters"),
    pytest.param(b"", "empty", id="empty"),
    pytest.param(b" \n\t \r\n", "empty", id="whitespace"),
    pytest.param(b"a" * (MAX_DOCUMENT_BYTES + 1), "too_large", id="over-the-limit"),
]


def outcome(read) -> str:
    """The text read, or the reason it was refused."""
    try:
        return read()
    except IngestError as error:
        return error.reason


def request(**document: object) -> pb.ExtractRequest:
    return pb.ExtractRequest(schema_name="receipt", **document)  # type: ignore[arg-type]


class RecordingBackend:
    adapter_label = "recording"

    def __init__(self) -> None:
        self.texts: list[str] = []

    async def extract(self, text: str, schema: SchemaSpec, options: ExtractOptions) -> ExtractionResult:
        self.texts.append(text)
        return ExtractionResult(
            schema_name=schema.name, schema_version=schema.version, status="ok", data={}, sources=[],
            truncated=False, raw="", engine="none", model="none", adapter="base", prompt_tokens=0,
            completion_tokens=0, timings=Timings(prepare_s=0, generate_s=0, finish_s=0, total_s=0),
        )  # fmt: skip

    async def close(self) -> None:
        pass


def batch_outcome(data: bytes, tmp_path: Path) -> str:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "doc.txt").write_bytes(data)
    backend = RecordingBackend()
    out = tmp_path / "out.jsonl"
    asyncio.run(run_batch(BatchConfig(folder, out, get_schema("receipt")), backend))
    (record,) = read_records(out)
    return backend.texts[0] if record["status"] == "ok" else record["reason"]


@pytest.mark.parametrize(("data", "expected"), CASES)
def test_every_entry_point_reads_the_same_bytes_the_same_way(
    data: bytes, expected: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    file = tmp_path / "doc.txt"
    file.write_bytes(data)
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data)))
    outcomes = {
        "cli file": outcome(lambda: read_input(str(file)).text),
        "cli stdin": outcome(lambda: read_input("-").text),
        "grpc data text/plain": outcome(
            lambda: request_from_pb(request(data=data, media_type="text/plain")).ingested.text
        ),
        "grpc data, no media type": outcome(lambda: request_from_pb(request(data=data)).ingested.text),
        "batch": batch_outcome(data, tmp_path),
    }
    try:
        as_str = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:  # the `text` field carries a string: the same bytes as UTF-8
        outcomes["grpc text"] = outcome(lambda: request_from_pb(request(text=as_str)).ingested.text)
    assert outcomes == dict.fromkeys(outcomes, expected)


def test_binary_media_types_must_match_their_signature_everywhere(tmp_path: Path) -> None:
    """A PNG with a wrong signature is unreadable, named by extension (CLI, batch) or media type (gRPC)."""
    fake_png = b"not really a PNG image"
    file = tmp_path / "scan.png"
    file.write_bytes(fake_png)
    assert outcome(lambda: read_input(str(file)).text) == "unreadable"
    assert (
        outcome(lambda: request_from_pb(request(data=fake_png, media_type="image/png")).ingested.text) == "unreadable"
    )
