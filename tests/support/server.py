"""A real grpc.aio server on loopback in a background thread, sharing an engine the caller owns."""

import asyncio
import threading
from pathlib import Path

from finx.adapters.registry import AdapterRegistry
from finx.config import RetrievalConfig, ServerConfig
from finx.retrieval import seed_default_store
from finx.server.grpc_service import ExtractionService, build_server
from tests.support.corpus import suite_engine_config


def seeded_store(folder: Path) -> Path:
    """A reference store built from the shipped sample, private to the test."""
    path = folder / "references.sqlite"
    if not path.exists():
        seed_default_store(path)
    return path


class RunningServer:
    """A real grpc.aio server on 127.0.0.1 (free port) in a thread; `call` runs coroutines on its loop."""

    def __init__(
        self,
        shared_engine,
        tmp_path: Path,
        loaded: threading.Event | None = None,
        registry=None,
        engine_factory=None,
        **config,
    ) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        config.setdefault("retrieval", RetrievalConfig(store_path=seeded_store(tmp_path)))
        config.setdefault("engine", suite_engine_config())
        self.config = ServerConfig(port=0, metrics_port=0, **config)
        self.registry = registry or AdapterRegistry(tmp_path / "registry", seed=None)
        self.service = ExtractionService(self.config, self.registry)

        def factory(_config):
            if loaded is not None:
                loaded.wait(60)
            return shared_engine

        async def start():
            server, port = build_server(self.config, self.service)
            await self.service.set_serving(False)
            await server.start()
            return server, port

        self.server, self.port = self.call(start())
        self.loading = asyncio.run_coroutine_threadsafe(self.service.load_engine(engine_factory or factory), self.loop)
        self.target = f"127.0.0.1:{self.port}"

    def start_http(self) -> str:
        """The HTTP API on the same service (a free loopback port); returns its base URL."""
        from finx.server.http import http_server

        self._http = http_server(self.service)
        port = self.call(self._http.__aenter__())
        return f"http://127.0.0.1:{port}"

    def call(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(60)

    def wait_ready(self):
        self.loading.result(120)

    def stop(self):
        if getattr(self, "_http", None) is not None:
            self.call(self._http.__aexit__(None, None, None))
        self.call(self.server.stop(1))
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
