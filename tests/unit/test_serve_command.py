"""`finx serve`'s engines: a batch of `SERVE_BATCH` requests with the KV cache sized to match by
default, `--max-batch` for a bigger pod, the on-demand LoRA engine in the serving process unless
asked otherwise, and the command run again under jemalloc first (the server itself is replaced by
a stand-in that records the config it was given)."""

from pathlib import Path

import pytest
from typer.testing import CliRunner

from finx.cli import app
from finx.cli import serve as serve_command
from finx.config import SERVE_BATCH, EngineConfig, ServerConfig


@pytest.fixture
def started(monkeypatch, tmp_path: Path) -> list[object]:
    calls: list[object] = []

    async def stand_in(config: ServerConfig, companion: object = None) -> None:
        calls.append(config)

    monkeypatch.setenv("FINX_HOME", str(tmp_path))
    monkeypatch.setattr(serve_command, "rerun_under_jemalloc", lambda: calls.append("rerun under jemalloc"))
    monkeypatch.setattr("finx.server.grpc_service.serve", stand_in)
    return calls


def test_the_service_batches_half_of_batch_runs_with_half_the_kv_cache(started) -> None:
    result = CliRunner().invoke(app, ["serve"])
    assert result.exit_code == 0, result.output
    rerun, config = started
    assert rerun == "rerun under jemalloc"
    assert isinstance(config, ServerConfig)
    batch = EngineConfig()
    assert SERVE_BATCH == 16 and config.engine.max_num_seqs == 16
    assert config.engine.kv_cache_tokens == batch.kv_cache_tokens // 2 == 12_288
    library_default = ServerConfig().engine
    assert (library_default.max_num_seqs, library_default.kv_cache_tokens) == (16, 12_288)


def test_max_batch_sizes_the_engine_and_its_kv_cache(started) -> None:
    result = CliRunner().invoke(app, ["serve", "--max-batch", "64", "--dtype", "float32"])
    assert result.exit_code == 0, result.output
    config = started[1]
    assert isinstance(config, ServerConfig)
    assert (config.engine.max_num_seqs, config.engine.kv_cache_tokens, config.engine.dtype) == (64, 49_152, "float32")


def test_a_batch_of_none_is_refused(started) -> None:
    result = CliRunner().invoke(app, ["serve", "--max-batch", "0"])
    assert result.exit_code == 2 and started == []


def test_the_lora_engine_runs_in_process_unless_asked_otherwise(started) -> None:
    result = CliRunner().invoke(app, ["serve"])
    assert result.exit_code == 0, result.output
    lora = started[1].lora_engine_config()
    assert (lora.engine, lora.enable_lora, lora.merged_adapter) == ("transformers", True, None)
    assert CliRunner().invoke(app, ["serve", "--lora-engine", "vllm"]).exit_code == 0
    assert started[3].lora_engine_config().engine == "vllm"


def test_the_xgrammar_backend_keeps_a_vllm_lora_engine() -> None:
    config = ServerConfig(engine=EngineConfig(structured_backend="xgrammar"))
    assert config.lora_engine == "transformers" and config.lora_engine_config().engine == "vllm"
