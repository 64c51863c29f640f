"""The service's engine set: the on-demand LoRA engine is closed after it has been idle, and a
later request starts a new one; a switch loads the new weights in place where the engine can, and
starts a new engine where it cannot. Engines here are stand-ins that only say what they serve."""

import asyncio
from dataclasses import dataclass, field
from pathlib import Path

from finx.config import EngineConfig
from finx.server.engine_set import EngineSet

CURRENT = Path("/adapters/current")
OTHER = Path("/adapters/other")


@dataclass
class StandInEngine:
    config: EngineConfig
    closed: bool = False
    merged_adapter: Path | None = field(init=False)

    def __post_init__(self) -> None:
        self.merged_adapter = self.config.merged_adapter

    def serves(self, adapter: Path | None) -> bool:
        return adapter == self.merged_adapter if self.merged_adapter else True

    def can_reload(self, config: EngineConfig) -> bool:
        return False

    def close(self) -> None:
        self.closed = True


@dataclass
class ReloadingStandIn(StandInEngine):
    """Loads other weights in place; records what was running at that moment."""

    reloads: list[tuple[Path | None, Path, int]] = field(default_factory=list)
    running: int = 0

    def can_reload(self, config: EngineConfig) -> bool:
        return True

    def reload(self, config: EngineConfig, model_dir: Path) -> None:
        self.reloads.append((config.merged_adapter, model_dir, self.running))
        self.config, self.merged_adapter = config, config.merged_adapter


def test_the_lora_engine_is_closed_when_idle_and_started_again_on_demand():
    started: list[StandInEngine] = []

    def factory(config: EngineConfig) -> StandInEngine:
        started.append(StandInEngine(config))
        return started[-1]

    async def scenario() -> None:
        engines = EngineSet(EngineConfig(), factory, lora_idle_seconds=0.2)  # type: ignore[arg-type]
        await engines.start(CURRENT)
        async with engines.use(OTHER) as extractor:
            lora = extractor.engine
            await asyncio.sleep(0.4)  # busy longer than the idle time: not closed under a request
            assert not lora.closed
        async with engines.use(OTHER) as extractor:  # within the idle time: the same engine
            assert extractor.engine is lora
        for _ in range(100):  # closed 0.2 s after the last request; allow a slow machine 10 s
            if lora.closed:
                break
            await asyncio.sleep(0.1)
        assert lora.closed and engines.lora is None
        assert not started[0].closed  # the primary engine stays
        async with engines.use(None) as extractor:
            assert extractor.engine is started[2] and not extractor.engine.closed
        await engines.close()

    asyncio.run(scenario())
    assert [engine.config.merged_adapter for engine in started] == [CURRENT, None, None]
    assert all(engine.closed for engine in started)


def test_a_switch_whose_engine_cannot_be_built_keeps_the_running_one():
    from finx.errors import DiskFull
    from finx.server.interceptors import status_code_of

    def factory(config: EngineConfig) -> StandInEngine:
        if config.merged_adapter == OTHER:
            raise DiskFull("cannot write /cache/merged/abc: No space left on device (ENOSPC)")
        return StandInEngine(config)

    async def scenario() -> None:
        engines = EngineSet(EngineConfig(), factory)  # type: ignore[arg-type]
        await engines.start(CURRENT)
        running = engines.primary
        try:
            await engines.switch(OTHER)
        except DiskFull as error:
            assert status_code_of(error).name == "RESOURCE_EXHAUSTED"
        else:
            raise AssertionError("the switch should have failed")
        assert engines.primary is running and not running.engine.closed
        async with engines.use(CURRENT) as extractor:
            assert extractor.engine is running.engine
        await engines.close()

    asyncio.run(scenario())


def test_a_switch_beside_the_lora_engine_never_holds_three_engines_and_serves_throughout():
    NEW = Path("/adapters/new")
    started: list[StandInEngine] = []

    def factory(config: EngineConfig) -> StandInEngine:
        open_engines = [engine for engine in started if not engine.closed]
        assert len(open_engines) < 2, f"a third engine beside {[e.merged_adapter for e in open_engines]}"
        started.append(StandInEngine(config))
        return started[-1]

    async def scenario() -> None:
        engines = EngineSet(EngineConfig(), factory, lora_idle_seconds=60)  # type: ignore[arg-type]
        await engines.start(CURRENT)
        async with engines.use(OTHER) as extractor:  # a request for another adapter: the LoRA engine
            lora = extractor.engine
        switched: list[bool] = []
        async with engines.use(CURRENT) as extractor:  # a request still running on the old primary
            old = extractor.engine
            switch = asyncio.create_task(engines.switch(NEW, on_switched=lambda: switched.append(True)))
            await asyncio.sleep(0.2)
            assert switched and not old.closed  # relabelled at once; the old one drains its request
            async with engines.use(NEW) as bridged:  # meanwhile the LoRA engine serves the new adapter
                assert bridged.engine is lora
        assert await switch is True
        assert old.closed and not lora.closed
        async with engines.use(NEW) as extractor:
            assert extractor.engine.merged_adapter == NEW and extractor.engine is started[-1]
        async with engines.use(OTHER) as extractor:
            assert extractor.engine is lora
        await engines.close()

    asyncio.run(scenario())
    assert [engine.config.merged_adapter for engine in started] == [CURRENT, None, NEW]


def test_a_switch_loads_the_new_weights_in_place_once_the_running_requests_have_finished(monkeypatch):
    NEW = Path("/adapters/new")
    monkeypatch.setattr(
        "finx.server.engine_set.served_weights", lambda config: Path("/merged") / config.merged_adapter.name
    )
    started: list[ReloadingStandIn] = []

    def factory(config: EngineConfig) -> ReloadingStandIn:
        started.append(ReloadingStandIn(config))
        return started[-1]

    async def request(engines: EngineSet, adapter: Path, seconds: float) -> Path | None:
        async with engines.use(adapter) as extractor:
            engine = extractor.engine
            engine.running += 1
            await asyncio.sleep(seconds)
            engine.running -= 1
            return engine.merged_adapter

    async def scenario() -> None:
        engines = EngineSet(EngineConfig(), factory)  # type: ignore[arg-type]
        await engines.start(CURRENT)
        switched: list[Path | None] = []
        running = asyncio.create_task(request(engines, CURRENT, 0.5))
        await asyncio.sleep(0.1)
        switch = asyncio.create_task(
            engines.switch(NEW, on_switched=lambda: switched.append(started[0].merged_adapter))
        )
        await asyncio.sleep(0.1)
        held = asyncio.create_task(request(engines, NEW, 0.0))  # sent during the switch: waits for it
        await asyncio.sleep(0.1)
        assert not held.done() and not switched  # the running request has not finished yet
        assert await running == CURRENT  # it finished on the weights it started on
        assert await switch is True
        assert await held == NEW
        assert switched == [NEW]  # relabelled once the new weights were in
        assert await engines.switch(NEW) is False  # already served
        await engines.close()

    asyncio.run(scenario())
    assert len(started) == 1  # one engine throughout
    assert started[0].reloads == [(NEW, Path("/merged/new"), 0)]  # loaded with no request running
    assert started[0].closed
