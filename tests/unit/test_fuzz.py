"""Property-based fuzzing (Hypothesis) with a fixed budget: random schemas, documents and folders
never get anything but a result or a clear `FinxError` (what gRPC maps to a status other than
INTERNAL), never hang, and every folder entry ends as exactly one line or a counted exclusion.

Derandomized, so CI runs the same examples every time; `HYPOTHESIS_PROFILE=explore` searches more.
"""

import asyncio
import contextlib
import json
import os
import time
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finx.api_convert import request_from_pb
from finx.batch import BatchConfig, run_batch
from finx.batch.output import read_records
from finx.errors import FinxError
from finx.ingest import MEDIA_TYPES, read_document, read_unnamed
from finx.schemas import custom_schema, get_schema
from finx.schemas.compile import MAX_COMPILED_BYTES, SUPPORTED_KEYWORDS
from finx.v1 import extraction_pb2 as pb
from tests.unit.batch.test_runner import EchoBackend

settings.register_profile(
    "ci", max_examples=150, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
)
settings.register_profile("explore", max_examples=5000, deadline=None, suppress_health_check=list(HealthCheck))
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

SECONDS_PER_CASE = 2.0

# schemas -----------------------------------------------------------------------------------
KEYS = [*sorted(SUPPORTED_KEYWORDS), "format", "oneOf", "patternProperties", "if"]
TYPES = st.sampled_from(["object", "array", "string", "number", "integer", "boolean", "null", "date", 7])
scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 5000), st.text(max_size=12), TYPES)


def schema_nodes(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    properties = st.dictionaries(st.text(max_size=6), children, max_size=6)
    node = st.fixed_dictionaries(
        {"type": TYPES},
        optional={
            "properties": properties,
            "items": children,
            "anyOf": st.lists(children, max_size=3),
            "enum": st.lists(scalars, max_size=4),
            "$ref": st.sampled_from(["#/$defs/a", "#/$defs/b", "#/nowhere", "http://x"]),
            "required": st.lists(st.text(max_size=6), max_size=3),
            "maxLength": st.integers(-1, 10_000),
            "maxItems": st.integers(-1, 1_000),
            "x-finx-source": st.sampled_from(["copy", "date", "free", "bogus"]),
            "additionalProperties": st.booleans(),
        },
    )
    return st.one_of(node, st.dictionaries(st.sampled_from(KEYS), children, max_size=4), scalars)


schemas = st.recursive(st.fixed_dictionaries({"type": TYPES}), schema_nodes, max_leaves=40).map(
    lambda node: node if not isinstance(node, dict) else {**node, "$defs": {"a": node, "b": {"$ref": "#/$defs/a"}}}
)


@given(schemas)
def test_any_schema_compiles_or_is_refused_quickly_and_bounded(schema: Any) -> None:
    started = time.perf_counter()
    try:
        spec = custom_schema(schema)
    except FinxError:
        pass
    else:
        assert len(json.dumps(spec.json_schema)) <= MAX_COMPILED_BYTES
    assert time.perf_counter() - started < SECONDS_PER_CASE


@given(st.text(max_size=300))
def test_any_schema_json_text_over_grpc_is_a_schema_or_a_clear_error(text: str) -> None:
    with contextlib.suppress(FinxError):
        request_from_pb(pb.ExtractRequest(text="TOTAL 9.00", schema_json=text))


# documents ---------------------------------------------------------------------------------
noisy_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=400)
documents = st.one_of(
    st.binary(max_size=2000),
    noisy_text.map(lambda text: text.encode("utf-8")),
    noisy_text.map(lambda text: text.encode("utf-16")),
    st.sampled_from([b"%PDF-1.7\n", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"\xef\xbb\xbf"]).flatmap(
        lambda head: st.binary(max_size=300).map(lambda tail: head + tail)
    ),
)


def text_or_clear_error(read: Any) -> None:
    started = time.perf_counter()
    try:
        text = read()
    except FinxError as error:
        assert str(error)
    else:
        assert isinstance(text, str) and text.strip()
    assert time.perf_counter() - started < SECONDS_PER_CASE


@given(documents, st.sampled_from(sorted(MEDIA_TYPES)))
def test_any_bytes_through_every_entry_point_give_text_or_a_clear_error(data: bytes, extension: str) -> None:
    media_type = MEDIA_TYPES[extension]
    if media_type.startswith("image/"):  # OCR runs a subprocess per image: covered by the ingest tests
        return
    text_or_clear_error(lambda: read_document(data, f"doc{extension}").text)
    text_or_clear_error(lambda: read_unnamed(data, "standard input").text)
    text_or_clear_error(lambda: request_from_pb(pb.ExtractRequest(data=data, schema_name="receipt")).ingested.text)
    typed = pb.ExtractRequest(data=data, media_type=media_type, schema_name="receipt")
    text_or_clear_error(lambda: request_from_pb(typed).ingested.text)
    as_text = data.decode("utf-8", errors="replace")
    text_or_clear_error(lambda: request_from_pb(pb.ExtractRequest(text=as_text, schema_name="receipt")).ingested.text)


# folders -----------------------------------------------------------------------------------
ENTRY_KINDS = st.sampled_from(["file", "empty", "binary", "fifo", "link", "loop", "hidden", "latin1", "folder"])


def build(root: Path, kinds: list[str]) -> tuple[set[str], int]:
    """Entries of the given kinds; returns the paths that must get a line, and the hidden count."""
    root.mkdir()
    expected: set[str] = set()
    hidden = 0
    for index, kind in enumerate(kinds):
        name = f"e{index:02d}.txt"
        path = root / name
        if kind == "file":
            path.write_text(f"SHOP {index}\nTOTAL {index}.00\n", encoding="utf-8")
        elif kind == "empty":
            path.write_bytes(b"")
        elif kind == "binary":
            path.write_bytes(bytes(range(256)))
        elif kind == "fifo":
            os.mkfifo(path)
        elif kind == "link":
            os.symlink(root / "e00.txt", path)
        elif kind == "loop":
            os.symlink(path, path)
        elif kind == "hidden":
            (root / f".{name}").write_text("hidden", encoding="utf-8")
            hidden += 1
            continue
        elif kind == "latin1":
            name = f"e{index:02d}-caf\\xe9.txt"
            (root / os.fsdecode(f"e{index:02d}-caf".encode() + b"\xe9.txt")).write_text("CAFE 3.50", encoding="utf-8")
        elif kind == "folder":
            path = root / f"d{index:02d}"
            path.mkdir()
            (path / "inner.txt").write_text("INNER 1.00", encoding="utf-8")
            name = f"d{index:02d}/inner.txt"
        expected.add(name)
    return expected, hidden


@settings(max_examples=25)
@given(st.lists(ENTRY_KINDS, min_size=1, max_size=12), st.booleans())
def test_any_folder_gets_exactly_one_line_per_entry(tmp_path_factory: Any, kinds: list[str], follow: bool) -> None:
    work = tmp_path_factory.mktemp("fuzz-folder")
    expected, hidden = build(work / "in", kinds)
    out = work / "out.jsonl"
    config = BatchConfig(work / "in", out, get_schema("receipt"), follow_links=follow)
    summary = asyncio.run(asyncio.wait_for(run_batch(config, EchoBackend(delay=0)), timeout=30))
    paths = [record["path"] for record in read_records(out)]
    assert sorted(paths) == sorted(expected)
    assert len(summary.hidden) == hidden


wire_options = st.builds(
    dict,
    max_tokens=st.integers(0, 2**32 - 1),
    copy_grounding=st.integers(-(2**31), 2**31 - 1),
    min_confidence=st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True)),
    disable_grounding=st.booleans(),
    link_entities=st.booleans(),
    reference_context=st.booleans(),
)


@given(wire_options, st.sampled_from(["", "base", "v0001", "../x", "\x00"]), st.text(max_size=40))
@settings(max_examples=200, deadline=None)
def test_any_wire_options_are_a_request_or_a_clear_error(options: dict[str, Any], adapter: str, media: str) -> None:
    """Every value a gRPC or HTTP caller can put in the options (proto3 enums are open, floats may
    be NaN) becomes a request or a `FinxError`, never another exception (a 500)."""
    fields = {key: value for key, value in options.items() if value is not None}
    request = pb.ExtractRequest(text="TOTAL 9.00", schema_name="receipt", adapter=adapter, media_type=media)
    request.options.CopyFrom(pb.ExtractOptions(**fields))
    try:
        decoded = request_from_pb(request, 1 << 20)
    except FinxError as error:
        assert str(error)
    else:
        confidence = decoded.options.min_confidence
        assert confidence is None or 0.0 <= confidence <= 1.0
