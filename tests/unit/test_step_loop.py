"""The thread that drives a vLLM engine (`finx.engines.step_loop`) and the KV cache it is sized with.
The engine here is a stand-in with `LLMEngine`'s calls: each request finishes after a set number
of steps, so ordering, cancellation, failures and the shutdown can be read exactly."""

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
class StandInClient:
    shut_down: int = 0

    def shutdown(self) -> None:
        self.shut_down += 1


@dataclass
class StandInEngine:
    """Request `prompt` needs `prompt` steps (an int); its final output's text is `params`."""

    fail_step: bool = False
    remaining: dict[str, int] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    aborted: list[str] = field(default_factory=list)
    steps: int = 0
    engine_core: StandInClient = field(default_factory=StandInClient)
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
        self.steps += 1
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


def run(coroutine):
    return asyncio.run(asyncio.wait_for(coroutine, timeout=10))


async def wait_until_stepping(engine: StandInEngine) -> None:
    await asyncio.get_running_loop().run_in_executor(None, engine.stepping.wait)


def test_each_caller_gets_its_own_final_output_and_the_loop_sleeps_when_idle():
    engine = StandInEngine()
    loop = StepLoop(engine)

    async def both():
        return await asyncio.gather(loop.generate(3, "long"), loop.generate(1, "short"))

    assert [output.text for output in run(both())] == ["long", "short"]
    steps = engine.steps
    assert 3 <= steps <= 4
    threading.Event().wait(0.05)
    assert engine.steps == steps  # nothing unfinished: no more steps
    loop.close()


def test_a_cancelled_caller_aborts_its_request_and_the_others_go_on():
    engine = StandInEngine()
    loop = StepLoop(engine)

    async def cancel_one():
        endless = asyncio.ensure_future(loop.generate(10**9, "never"))
        await wait_until_stepping(engine)
        endless.cancel()
        with pytest.raises(asyncio.CancelledError):
            await endless
        return await loop.generate(2, "after")

    assert run(cancel_one()).text == "after"
    assert engine.aborted == ["finx-0"]
    loop.close()


def test_a_request_the_engine_refuses_fails_alone():
    loop = StepLoop(StandInEngine())

    async def refused_then_fine():
        with pytest.raises(ValueError, match="prompt too long"):
            await loop.generate(-1, "refused")
        return await loop.generate(1, "fine")

    assert run(refused_then_fine()).text == "fine"
    loop.close()


def test_an_engine_failure_fails_every_waiting_caller_and_every_later_one():
    loop = StepLoop(StandInEngine(fail_step=True))

    async def waiting():
        return await asyncio.gather(loop.generate(5, "a"), loop.generate(5, "b"), return_exceptions=True)

    errors = run(waiting())
    assert all(isinstance(error, EngineStopped) and "failed: worker died" in str(error) for error in errors)
    with pytest.raises(EngineStopped, match="failed: worker died"):
        run(loop.generate(1, "later"))
    loop.close()


def test_closing_fails_the_unfinished_and_shuts_the_engine_down_once():
    engine = StandInEngine()
    loop = StepLoop(engine)

    async def close_while_waiting():
        pending = asyncio.ensure_future(loop.generate(10**9, "never"))
        await wait_until_stepping(engine)
        await asyncio.get_running_loop().run_in_executor(None, loop.close)
        with pytest.raises(EngineStopped, match="was closed"):
            await pending
        with pytest.raises(EngineStopped, match="was closed"):
            await loop.generate(1, "after close")

    run(close_while_waiting())
    loop.close()
    assert engine.engine_core.shut_down == 1


def test_work_on_the_idle_engine_runs_on_the_loop_thread_and_its_failure_stays_with_the_caller():
    engine = StandInEngine()
    loop = StepLoop(engine)

    def load(on: StandInEngine) -> str:
        assert on is engine and threading.current_thread().name == "finx-vllm-steps"
        return "loaded"

    def broken(on: StandInEngine) -> None:
        raise OSError("weights unreadable")

    assert loop.run_idle(load) == "loaded"
    with pytest.raises(OSError, match="weights unreadable"):
        loop.run_idle(broken)
    assert run(loop.generate(1, "after")).text == "after"  # the loop goes on
    loop.close()
    with pytest.raises(EngineStopped, match="was closed"):
        loop.run_idle(load)


def test_work_on_the_engine_is_refused_while_a_request_is_running():
    engine = StandInEngine()
    loop = StepLoop(engine)
    touched: list[bool] = []

    async def during_a_request():
        pending = asyncio.ensure_future(loop.generate(10**9, "never"))
        await wait_until_stepping(engine)
        with pytest.raises(RuntimeError, match="requests are running"):
            await asyncio.get_running_loop().run_in_executor(None, loop.run_idle, lambda on: touched.append(True))
        pending.cancel()

    run(during_a_request())
    assert not touched
    loop.close()


SMOLLM2_135M = {"num_hidden_layers": 30, "num_attention_heads": 9, "num_key_value_heads": 3, "hidden_size": 576}


def test_the_kv_cache_holds_its_tokens_in_the_weights_dtype(tmp_path: Path):
    (tmp_path / "config.json").write_text(json.dumps(SMOLLM2_135M))
    config = EngineConfig()
    per_token_float32 = 2 * 30 * 3 * 64 * 4  # key and value, layers, KV heads, head dimension (576 / 9)
    assert kv_cache_bytes(tmp_path, "float32", config) == per_token_float32 * 24_576
    assert kv_cache_bytes(tmp_path, "bfloat16", config) == per_token_float32 * 24_576 // 2
    short = EngineConfig(kv_cache_tokens=100, max_model_len=4096)
    # one longest sequence fits, with the block vLLM keeps for itself
    assert kv_cache_bytes(tmp_path, "float32", short) == per_token_float32 * (4096 + 128)
