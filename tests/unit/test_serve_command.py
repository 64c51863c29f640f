"""`finx serve`'s engines: a batch of `SERVE_BATCH` requests with the KV cache sized to match by
default, `--max-batch` for a bigger pod, the on-demand LoRA engine in the serving process unless
asked otherwise, the command run again under jemalloc first and the modules a text server never uses
left out (the server itself is replaced by a stand-in that records the config it was given)."""

import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from finx.cli import app
from finx.cli import serve as serve_command
from finx.config import SERVE_BATCH, EngineConfig, ServerConfig
from finx.engines import vllm_engine


@pytest.fixture
def started(monkeypatch, tmp_path: Path) -> list[object]:
    calls: list[object] = []

    async def stand_in(config: ServerConfig, companion: object = None) -> None:
        calls.append(config)

    monkeypatch.setenv("FINX_HOME", str(tmp_path))
    monkeypatch.setattr(serve_command, "rerun_under_jemalloc", lambda: calls.append("rerun under jemalloc"))
    monkeypatch.setattr(vllm_engine, "leave_out_unused_modules", lambda: calls.append("unused modules left out"))
    monkeypatch.setattr("finx.server.grpc_service.serve", stand_in)
    return calls


def test_the_service_batches_half_of_batch_runs_with_half_the_kv_cache(started) -> None:
    result = CliRunner().invoke(app, ["serve"])
    assert result.exit_code == 0, result.output
    rerun, left_out, config = started
    assert (rerun, left_out) == ("rerun under jemalloc", "unused modules left out")
    assert isinstance(config, ServerConfig)
    batch = EngineConfig()
    assert SERVE_BATCH == 16 and config.engine.max_num_seqs == 16
    assert config.engine.kv_cache_tokens == batch.kv_cache_tokens // 2 == 12_288
    library_default = ServerConfig().engine
    assert (library_default.max_num_seqs, library_default.kv_cache_tokens) == (16, 12_288)


def test_max_batch_sizes_the_engine_and_its_kv_cache(started) -> None:
    result = CliRunner().invoke(app, ["serve", "--max-batch", "64", "--dtype", "float32"])
    assert result.exit_code == 0, result.output
    config = started[2]
    assert isinstance(config, ServerConfig)
    assert (config.engine.max_num_seqs, config.engine.kv_cache_tokens, config.engine.dtype) == (64, 49_152, "float32")


def test_a_batch_of_one_still_holds_one_longest_sequence(started) -> None:
    result = CliRunner().invoke(app, ["serve", "--max-batch", "1"])
    assert result.exit_code == 0, result.output
    config = started[2]
    assert isinstance(config, ServerConfig)
    assert (config.engine.max_num_seqs, config.engine.kv_cache_tokens) == (1, config.engine.max_model_len) == (1, 4096)


def test_a_batch_of_none_is_refused(started) -> None:
    result = CliRunner().invoke(app, ["serve", "--max-batch", "0"])
    assert result.exit_code == 2 and started == []


def test_the_lora_engine_runs_in_process_unless_asked_otherwise(started) -> None:
    result = CliRunner().invoke(app, ["serve"])
    assert result.exit_code == 0, result.output
    lora = started[2].lora_engine_config()
    assert (lora.engine, lora.enable_lora, lora.merged_adapter) == ("transformers", True, None)
    assert CliRunner().invoke(app, ["serve", "--lora-engine", "vllm"]).exit_code == 0
    assert started[5].lora_engine_config().engine == "vllm"


def test_the_xgrammar_backend_keeps_a_vllm_lora_engine() -> None:
    config = ServerConfig(engine=EngineConfig(structured_backend="xgrammar"))
    assert config.lora_engine == "transformers" and config.lora_engine_config().engine == "vllm"


def test_a_text_server_leaves_out_what_it_never_imports_and_keeps_what_is_imported(monkeypatch) -> None:
    """`import triton` (or ray) then fails as on a machine without it, where vLLM and torch fall
    back; a module the process imported already stays (monkeypatch restores sys.modules)."""
    imported = object()
    monkeypatch.setitem(sys.modules, "cv2", imported)
    for name in ("triton", "ray"):
        monkeypatch.setitem(sys.modules, name, None)  # restored (or removed) after the test
        del sys.modules[name]
    vllm_engine.leave_out_unused_modules()
    assert set(vllm_engine.UNUSED_BY_A_TEXT_SERVER) == {"triton", "ray", "cv2"}
    assert sys.modules["cv2"] is imported
    for name in ("triton", "ray"):
        with pytest.raises(ModuleNotFoundError):
            __import__(name)
