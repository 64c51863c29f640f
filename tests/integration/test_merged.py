"""Merged weights: the served adapter folded into the base model, and switching adapters under load.

The LoRA path and the merged path must give the same greedy output; a vLLM engine loading other
merged weights in place must answer as an engine started on them; a promoted adapter must take
over from a running service without a failed or lost request.
"""

import json
import os
import threading
import time

import grpc
import pytest

from finx.adapters.merged import MERGED_MARKER, collect_garbage, merged_model
from finx.adapters.registry import AdapterRegistry
from finx.adapters.resolve import BASE_MODEL, ResolvedAdapter
from finx.client import FinxClient
from finx.config import configured_model_dir
from finx.engines import create_engine, served_weights
from finx.errors import FinxError
from finx.extraction.extractor import ExtractionTask, Extractor
from finx.extraction.options import ExtractOptions
from finx.v1 import extraction_pb2 as pb
from finx.v1 import extraction_pb2_grpc as pb_grpc
from tests.support.corpus import load_corpus, make_random_lora, suite_engine_config
from tests.support.server import RunningServer

pytestmark = pytest.mark.slow
MAX_TOKENS = 32
RECEIPT = "CORNER CAFE LTD\n14 Harbour Street\n03/11/2026\nTOTAL GBP 8.45\n"


@pytest.fixture(scope="module")
def merged_engine(random_lora):
    engine = create_engine(suite_engine_config(engine="transformers", merged_adapter=random_lora, enable_lora=False))
    yield engine
    engine.close()


def test_merged_weights_give_the_lora_output_on_the_corpus(merged_engine, transformers_engine, random_lora):
    corpus = load_corpus()
    tasks = [
        ExtractionTask(
            doc.text,
            doc.schema,
            adapter=ResolvedAdapter.folder(random_lora),
            options=ExtractOptions(max_tokens=MAX_TOKENS),
        )
        for doc in corpus
    ]
    merged = Extractor(merged_engine).extract_many(tasks)
    lora = Extractor(transformers_engine).extract_many(tasks)
    assert len(corpus) >= 20
    assert all(not isinstance(result, Exception) for result in merged + lora)
    differing = [doc.id for doc, a, b in zip(corpus, merged, lora, strict=True) if a.raw != b.raw]  # type: ignore[union-attr]
    assert not differing, f"merged and LoRA outputs differ on {differing}"
    assert merged[0].adapter == str(random_lora)  # type: ignore[union-attr]


def test_a_merged_engine_serves_only_its_adapter(merged_engine, random_lora):
    assert merged_engine.serves(random_lora)
    assert not merged_engine.serves(None)
    with pytest.raises(FinxError, match="cannot serve the base model"):
        Extractor(merged_engine).extract(ExtractionTask(RECEIPT, load_corpus()[0].schema))


def test_a_vllm_engine_loads_other_merged_weights_in_place_and_answers_as_one_started_on_them(random_lora):
    corpus = load_corpus()[:6]
    options = ExtractOptions(max_tokens=MAX_TOKENS)

    def answers(engine, adapter) -> list[str]:
        tasks = [ExtractionTask(doc.text, doc.schema, adapter=adapter, options=options) for doc in corpus]
        return [result.raw for result in Extractor(engine).extract_many(tasks)]  # type: ignore[union-attr]

    lora = ResolvedAdapter.folder(random_lora)
    on_lora = suite_engine_config(merged_adapter=random_lora, enable_lora=False)
    on_base = suite_engine_config(merged_adapter=None, enable_lora=False)
    engine = create_engine(on_lora)
    try:
        started_on_lora = answers(engine, lora)
        engine.reload(on_base, served_weights(on_base))
        assert engine.serves(None) and not engine.serves(random_lora)
        base = answers(engine, BASE_MODEL)
        engine.reload(on_lora, served_weights(on_lora))
        assert engine.merged_adapter == random_lora.resolve()
        assert answers(engine, lora) == started_on_lora  # as when it started on these weights
        assert base != started_on_lora  # the base weights were really in between
        assert not engine.can_reload(suite_engine_config())  # LoRA support needs a new engine
        with pytest.raises(FinxError, match="cannot load other weights in place"):
            engine.reload(suite_engine_config(), served_weights(on_base))
    finally:
        engine.close()


def test_merged_folders_are_cached_by_content_and_old_ones_collected(random_lora, tmp_path):
    first = merged_model(configured_model_dir(), random_lora)
    built_at = (first / MERGED_MARKER).stat().st_mtime
    assert merged_model(configured_model_dir(), random_lora) == first
    assert (first / MERGED_MARKER).stat().st_mtime == built_at  # not rebuilt
    for age, name in enumerate(["newest", "middle", "oldest"]):
        folder = tmp_path / name
        folder.mkdir()
        (folder / MERGED_MARKER).write_text("{}")
        os.utime(folder, (time.time() - age * 60, time.time() - age * 60))
    removed = collect_garbage(tmp_path, keep=1)
    assert sorted(path.name for path in removed) == ["middle", "oldest"]
    assert (tmp_path / "newest").is_dir()


@pytest.mark.parametrize(
    ("engine_name", "lora_engine_up"),
    [("vllm", True), ("transformers", False), ("transformers", True)],
    ids=["vllm-in-place-beside-the-lora-engine", "new-engine", "new-engine-bridged-by-the-lora-engine"],
)
def test_reload_switches_to_the_promoted_adapter_without_failing_a_request(
    random_lora, tmp_path, engine_name, lora_engine_up
):
    second_lora = make_random_lora(tmp_path / "second", seed=1)
    registry = AdapterRegistry(tmp_path / "registry", seed=None)
    registry.register(random_lora, None, "test", {}, {})
    registry.promote("v0001")
    registry.register(second_lora, "v0001", "test", {}, {})
    schema = load_corpus()[0].schema
    server = RunningServer(
        None, tmp_path, registry=registry, engine_factory=create_engine,
        engine=suite_engine_config(engine=engine_name),
    )  # fmt: skip
    server.wait_ready()
    assert server.service.engines is not None and server.service.engines.primary is not None
    first_primary = server.service.engines.primary.engine
    stop = threading.Event()
    outcomes: list[tuple[float, str, str]] = []  # (when the request was sent, adapter label, status)
    failures: list[str] = []

    def client_loop() -> None:
        with FinxClient(server.target) as client:
            while not stop.is_set():
                sent = time.monotonic()
                try:
                    result = client.extract(RECEIPT, schema.name, options=ExtractOptions(max_tokens=16))
                    outcomes.append((sent, result.adapter or "", result.status))
                except grpc.RpcError as error:
                    failures.append(f"{error.code().name}: {error.details()}")

    clients = [threading.Thread(target=client_loop) for _ in range(4)]
    try:
        if lora_engine_up:  # a request for the base model starts the LoRA engine (which bridges a new-engine switch)
            with FinxClient(server.target) as client:
                base = client.extract(RECEIPT, schema.name, adapter="base", options=ExtractOptions(max_tokens=4))
            assert base.adapter == "base"
        for thread in clients:
            thread.start()
        while len(outcomes) < 4:
            time.sleep(0.2)
        registry.promote("v0002")
        with grpc.insecure_channel(server.target) as channel:
            reply = pb_grpc.ExtractionStub(channel).ReloadAdapters(pb.ReloadAdaptersRequest(), timeout=300)
        switched_at = time.monotonic()
        assert reply.current == "v0002"
        deadline = time.monotonic() + 120
        while sum(label == "v0002" for _, label, _ in outcomes) < 4 and time.monotonic() < deadline:
            time.sleep(0.2)
        engines = server.service.engines
        assert engines is not None and engines.primary is not None
        served = engines.primary.engine.merged_adapter
        in_place = engines.primary.engine is first_primary
        lora_engine = engines.lora
    finally:
        stop.set()
        for thread in clients:
            if thread.ident is not None:  # started
                thread.join(60)
        server.call(server.service.engines.close())
        server.stop()
    assert not failures, failures
    labels = [label for _, label, _ in outcomes]
    assert "v0001" in labels and "v0002" in labels, json.dumps(outcomes)[:500]
    assert all(label == "v0002" for sent, label, _ in outcomes if sent > switched_at)
    assert {status for _, _, status in outcomes} <= {"ok", "truncated", "invalid"}
    assert served == registry.path("v0002").resolve()  # the promoted adapter, merged
    assert in_place == (engine_name == "vllm")  # vLLM loads the weights into the running engine
    if lora_engine_up:  # it stays up (until idle), beside the new primary only, in this process
        assert lora_engine is not None and lora_engine.engine.name == "transformers"
    else:
        assert lora_engine is None  # no request needed per-request LoRA


def test_a_full_disk_while_merging_names_the_folder_and_leaves_nothing(random_lora, tmp_path, monkeypatch):
    import errno
    import tempfile

    from finx.adapters import merged as merging
    from finx.errors import DiskFull

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(tempfile, "mkdtemp", full)
    with pytest.raises(DiskFull, match=r"cannot write .*: No space left on device \(ENOSPC\)"):
        merging.merged_model(configured_model_dir(), random_lora, "bfloat16", root=tmp_path / "merged")
    assert not any((tmp_path / "merged").glob("*/" + MERGED_MARKER))
