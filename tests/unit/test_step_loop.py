"""The thread that runs vLLM's in-process engines (`finx.engines.step_loop`) and the KV cache they
are sized with. Engines here are stand-ins with `LLMEngine`'s calls: each request finishes after a
set number of steps, so ordering, cancellation, failures and shutdowns can be read exactly."""

import asyncio
import json
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from finx.config import EngineConfig
from finx.engines.step_loop import EngineStopped, StepLoop
from finx.engines.vllm_engine import kv_cache_bytes


@dataclass
class Output:
    request_id: str
    finished: bool
    text: str


@dataclass
class Calls:
    log: list[str] = field(default_factory=list)

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        return lambda *args: self.log.append(name)


@dataclass
class StandInCore:
    """InprocClient: `shutdown` (vLLM's whole teardown), its finalizer and its EngineCore's parts."""

    calls: Calls = field(default_factory=Calls)

    def __post_init__(self) -> None:
        self.engine_core = type("EngineCore", (), {})()
        self.engine_core.structured_output_manager = self.engine_core.model_executor = self.calls
        self.engine_core.scheduler = self.calls
        self._finalizer = self.calls

    def shutdown(self) -> None:
        self.calls.log.append("whole shutdown")


@dataclass
class StandInEngine:
    """Request `prompt` needs `prompt` steps (an int); its final output's text is `params`."""

    name: str = "engine"
    fail_step: bool = False
    remaining: dict[str, int] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    aborted: list[str] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)
    engine_core: StandInCore = field(default_factory=StandInCore)
    stepping: threading.Event = field(default_factory=threading.Event)

    def add_request(self, request_id: str, prompt: int, params: str, lora_request: object = None) -> str:
        if prompt < 0:
            raise ValueError("prompt too long")
        self.remaining[request_id], self.texts[request_id] = prompt, params
        return request_id + "-internal"

    def abort_request(self, request_ids: list[str]) -> None:
        self.aborted.extend(request_ids)
        for request_id in request_ids:
            self.remaining.pop(request_id)

    def has_unfinished_requests(self) -> bool:
        return bool(self.remaining)

    def step(self) -> list[Output]:
        self.steps.append(self.name)
        self.stepping.set()
        if self.fail_step:
            raise RuntimeError("worker died")
        outputs = []
        for request_id in list(self.remaining):
            self.remaining[request_id] -= 1
            finished = self.remaining[request_id] <= 0
            outputs.append(Output(request_id, finished, self.texts[request_id] if finished else "partial"))
            if finished:
                del self.remaining[request_id]
        return outputs


class BrokenExecutor:
    def shutdown(self) -> None:
        raise RuntimeError("executor gone")


def run(coroutine):
    return asyncio.run(asyncio.wait_for(coroutine, timeout=10))


async def started(loop: StepLoop, *engines: StandInEngine) -> list[int]:
    return [await loop.start(lambda engine=engine: engine) for engine in engines]


async def wait_until_stepping(engine: StandInEngine) -> None:
    await asyncio.get_running_loop().run_in_executor(None, engine.stepping.wait)


def test_each_caller_gets_its_own_final_output_and_the_loop_sleeps_when_idle():
    engine, loop = StandInEngine(), StepLoop()

    async def both():
        [key] = await started(loop, engine)
        return await asyncio.gather(loop.generate(key, 3, "long"), loop.generate(key, 1, "short"))

    assert [output.text for output in run(both())] == ["long", "short"]
    steps = len(engine.steps)
    assert 3 <= steps <= 4
    threading.Event().wait(0.05)
    assert len(engine.steps) == steps  # nothing unfinished: no more steps


def test_a_cancelled_caller_aborts_its_request_and_the_others_go_on():
    engine, loop = StandInEngine(), StepLoop()

    async def cancel_one():
        [key] = await started(loop, engine)
        endless = asyncio.ensure_future(loop.generate(key, 10**9, "never"))
        await wait_until_stepping(engine)
        endless.cancel()
        with pytest.raises(asyncio.CancelledError):
            await endless
        return await loop.generate(key, 2, "after")

    assert run(cancel_one()).text == "after"
    assert engine.aborted == ["finx-0"]


def test_a_request_the_engine_refuses_fails_alone():
    loop = StepLoop()

    async def refused_then_fine():
        [key] = await started(loop, StandInEngine())
        with pytest.raises(ValueError, match="prompt too long"):
            await loop.generate(key, -1, "refused")
        return await loop.generate(key, 1, "fine")

    assert run(refused_then_fine()).text == "fine"


def test_a_failed_engine_fails_its_callers_and_later_ones_while_the_other_engine_goes_on():
    broken, healthy, loop = StandInEngine("broken", fail_step=True), StandInEngine("healthy"), StepLoop()
    broken.engine_core.engine_core.model_executor = BrokenExecutor()  # nor does it shut down cleanly

    async def scenario():
        broken_key, healthy_key = await started(loop, broken, healthy)
        results = await asyncio.gather(
            loop.generate(broken_key, 5, "a"), loop.generate(broken_key, 5, "b"), loop.generate(healthy_key, 3, "ok"),
            return_exceptions=True,
        )  # fmt: skip
        with pytest.raises(EngineStopped, match="failed: worker died"):
            await loop.generate(broken_key, 1, "later")
        return results

    first, second, fine = run(scenario())
    assert all(isinstance(error, EngineStopped) and "worker died" in str(error) for error in (first, second))
    assert fine.text == "ok"
    assert broken.engine_core.calls.log == ["detach", "clear_backend"]  # not vLLM's whole teardown: healthy needs it


def test_two_engines_are_stepped_in_turn():
    first, second, loop = StandInEngine("first"), StandInEngine("second"), StepLoop()

    async def both():
        first_key, second_key = await started(loop, first, second)
        return await asyncio.gather(loop.generate(first_key, 4, "1"), loop.generate(second_key, 4, "2"))

    assert [output.text for output in run(both())] == ["1", "2"]
    assert len(first.steps) == len(second.steps) == 4


def test_closing_fails_the_unfinished_and_only_the_last_engine_tears_vllm_down():
    first, second, loop = StandInEngine("first"), StandInEngine("second"), StepLoop()

    async def scenario():
        first_key, second_key = await started(loop, first, second)
        pending = asyncio.ensure_future(loop.generate(first_key, 10**9, "never"))
        await wait_until_stepping(first)
        await loop.close(first_key)
        with pytest.raises(EngineStopped, match="was closed"):
            await pending
        await loop.close(first_key)  # twice is fine
        with pytest.raises(EngineStopped, match="was closed"):
            await loop.generate(first_key, 1, "after close")
        assert (await loop.generate(second_key, 2, "still serving")).text == "still serving"
        await loop.close(second_key)

    run(scenario())
    assert first.engine_core.calls.log == ["detach", "clear_backend", "shutdown", "shutdown"]
    assert second.engine_core.calls.log == ["whole shutdown"]


SMOLLM2_135M = {"num_hidden_layers": 30, "num_attention_heads": 9, "num_key_value_heads": 3, "hidden_size": 576}


def test_the_kv_cache_holds_its_tokens_in_the_weights_dtype(tmp_path: Path):
    (tmp_path / "config.json").write_text(json.dumps(SMOLLM2_135M))
    config = EngineConfig()
    per_token_float32 = 2 * 30 * 3 * 64 * 4  # key and value, layers, KV heads, head dimension (576 / 9)
    assert kv_cache_bytes(tmp_path, "float32", config) == per_token_float32 * 24_576
    assert kv_cache_bytes(tmp_path, "bfloat16", config) == per_token_float32 * 24_576 // 2
    short = EngineConfig(kv_cache_tokens=100, max_model_len=4096)
    assert kv_cache_bytes(tmp_path, "float32", short) == per_token_float32 * 4096  # one longest sequence fits
