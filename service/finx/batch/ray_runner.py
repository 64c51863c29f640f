"""`run_batch_on_ray`: the folder -> JSONL contract of `run_batch`, on Ray Data.

Discovery runs in this process (the driver); reading and ingestion (OCR included) run as Ray Data
tasks; extraction runs in actors that each hold one finx engine and send a whole batch of
documents to it at once (vLLM's continuous batching). Only this process writes the results file,
one whole line per document as results arrive, through the same line-building code as the local
runner (`records.py`), so `--resume`, the reasons of bad files and the CSV are the same. Ray Data
restarts an actor that dies and retries its batch, so a killed worker costs time, not lines.

`address`: None starts a Ray on this machine; "HOST:PORT", "auto" or "ray://HOST:PORT" joins a
cluster, whose nodes must have finx installed and see the documents at the same path (a shared
file system). Joining follows Ray's own rule for `ray start`: when `RAY_AUTH_MODE` is unset and a
token is at hand (`RAY_AUTH_TOKEN`, `RAY_AUTH_TOKEN_PATH`, or `~/.ray/auth_token`, which a local
`ray.init` or `ray get-auth-token --generate` writes), token authentication is on. An address
where nothing answers fails within `connect_timeout_s` with one clear error, never a hang.
`stop` (SIGTERM, Ctrl-C) ends the batch at any stage, joining included; an error on Ray's side
(a node without finx, a lost cluster) ends it with one line naming the cause; the lines written
until then are kept either way, so `--resume` carries on.
Ray's own `ray.data.llm` processor is not used: finx needs its prompts, per-chunk constraints
(copy-grounding grammars), merged adapters, grounding and normalisation, which its engine owns.
"""

import json
import logging
import queue
import socket
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from finx.adapters.resolve import ResolvedAdapter
from finx.batch.discover import Candidate
from finx.batch.output import compact, open_results
from finx.batch.records import extracted, failed, finished, read_stage
from finx.batch.runner import BatchConfig, BatchSummary, Progress, discover_batch
from finx.config import EngineConfig, RetrievalConfig, ray_driver_auth_mode
from finx.errors import FinxError
from finx.extraction.options import ExtractOptions
from finx.ingest import IngestedDocument, IngestError

if TYPE_CHECKING:
    from finx.extraction.extractor import Extractor


@dataclass(frozen=True)
class RaySettings:
    address: str | None = None
    """None: start a Ray on this machine; "auto" or "ray://HOST:PORT": join that cluster."""
    actors: int = 1
    """Extraction actors, each with one engine (on a GPU cluster: one per GPU)."""
    batch_size: int = 16
    """Documents an actor sends to its engine at once."""
    actor_gpus: float = 0.0
    connect_timeout_s: float = 30.0
    """How long joining a cluster may take before the batch gives up with an error."""
    engine: EngineConfig = field(default_factory=EngineConfig)
    retrieval: RetrievalConfig = field(default_factory=RetrievalConfig)


class ExtractionActor:
    """Holds one engine, started with the first batch that has a document to extract (a resumed
    batch with nothing left to do starts none); turns read documents into finished result lines."""

    def __init__(self, engine: EngineConfig, schema_ref: Any, output_model: Any, options: dict[str, Any],
                 adapter: ResolvedAdapter, retrieval: RetrievalConfig) -> None:  # fmt: skip
        from dataclasses import replace

        from finx.schemas import schema_of

        # the caller's pydantic model (imported by reference on the node) validates the answers there too
        self.schema = replace(schema_of(schema_ref), output_model=output_model)
        self.options = ExtractOptions(**options)
        self.adapter = adapter
        self.engine_config, self.retrieval = engine, retrieval
        self._extractor: Extractor | None = None

    @property
    def extractor(self) -> "Extractor":
        from finx.extraction.runtime import start_extractor

        if self._extractor is None:
            self._extractor = start_extractor(self.engine_config, self.retrieval, self.options)
        return self._extractor

    def __call__(self, batch: dict[str, Any]) -> dict[str, list[str]]:
        from finx.extraction.extractor import ExtractionTask

        lines: list[tuple[dict[str, Any], IngestedDocument | None]] = []
        for record_json, document_json in zip(batch["record"], batch["document"], strict=True):
            if record_json:
                document = IngestedDocument(**json.loads(document_json)) if document_json else None
                lines.append((json.loads(record_json), document))
        pending = [(record, document) for record, document in lines if document is not None]
        tasks = [ExtractionTask(document.text, self.schema, self.adapter, self.options) for _, document in pending]
        began = time.perf_counter()
        outcomes = self.extractor.extract_many(tasks) if tasks else []
        seconds = (time.perf_counter() - began) / max(1, len(tasks))
        for (record, document), outcome in zip(pending, outcomes, strict=True):
            if isinstance(outcome, Exception):
                failed(record, outcome)
            else:
                extracted(record, document, outcome, seconds)
        skipped = [""] * (len(batch["record"]) - len(lines))
        return {"record": [json.dumps(finished(record), ensure_ascii=False) for record, _ in lines] + skipped}


def candidate_row(candidate: Candidate, done: dict[str, dict[str, Any]]) -> dict[str, str]:
    problem = candidate.problem
    return {
        "path": str(candidate.path),
        "relative": candidate.relative,
        "problem": json.dumps([problem.reason, problem.message, problem.hint]) if problem else "",
        "earlier": json.dumps(done[candidate.relative]) if candidate.relative in done else "",
    }


def read_row(row: dict[str, Any], schema_label: str, adapter_label: str, max_bytes: int) -> dict[str, str]:
    """The read stage as a Ray Data task: the line so far and the document, as JSON text."""
    problem = IngestError(*json.loads(row["problem"])) if row["problem"] else None
    candidate = Candidate(Path(row["path"]), row["relative"], problem)
    earlier = json.loads(row["earlier"]) if row["earlier"] else None
    read = read_stage(candidate, schema_label, adapter_label, max_bytes, earlier)
    if read is None:
        return {"record": "", "document": ""}
    record, document = read
    return {
        "record": json.dumps(record, ensure_ascii=False),
        "document": json.dumps(asdict(document)) if document else "",
    }


def gcs_endpoint(address: str) -> tuple[str, int] | None:
    """The host and port to probe for `address` ("HOST:PORT" or "ray://HOST:PORT"); None for "auto"."""
    if address == "auto":
        return None
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        raise FinxError(f"--ray-address {address!r} is not HOST:PORT, ray://HOST:PORT or auto")
    return host.strip("[]"), int(port)


PROBE_TIMEOUT_S = 5.0
"""How long the TCP probe of a cluster's address may take (a dropped SYN must not eat the timeout)."""


class Stopped(Exception):
    """`stop` was set while joining a cluster: the batch ends before it started anything."""


def join_ray(address: str | None, timeout_s: float, stop: threading.Event | None = None) -> bool:
    """Start a Ray here (`address` None) or join a cluster, failing with one clear error; False
    when this process was connected already (the connection is its owner's to close). The token
    mode is settled before Ray is imported (Ray reads it once, when it loads its config). Setting
    `stop` while joining raises `Stopped` at once (the half-made connection dies with the process)."""
    token_mode = ray_driver_auth_mode() if address is not None else None
    import ray

    if ray.is_initialized():
        return False
    options = {"include_dashboard": False, "log_to_driver": False, "logging_level": logging.ERROR}
    if address is None:
        ray.init(**options)  # type: ignore[arg-type]
        return True
    endpoint = gcs_endpoint(address)
    if endpoint is not None:
        try:
            socket.create_connection(endpoint, timeout=min(timeout_s, PROBE_TIMEOUT_S)).close()
        except OSError as error:
            reason = error.strerror or type(error).__name__
            raise FinxError(
                f"no Ray cluster answers at {address} ({reason})",
                hint="start one with `ray start --head --port PORT`, or check --ray-address",
            ) from None
    outcome: dict[str, BaseException] = {}

    def connect() -> None:
        try:
            ray.init(address=address, **options)  # type: ignore[arg-type]
        except BaseException as error:  # handed to the caller below
            outcome["error"] = error

    connecting = threading.Thread(target=connect, name="ray-connect", daemon=True)
    connecting.start()
    deadline = time.monotonic() + timeout_s
    while connecting.is_alive() and time.monotonic() < deadline:
        if stop is not None and stop.is_set():
            raise Stopped
        connecting.join(0.1)
    if connecting.is_alive():
        raise FinxError(
            f"the Ray cluster at {address} did not accept finx within {timeout_s:g} s",
            hint="check the address and the cluster's token (--ray-connect-timeout waits longer)",
        )
    if "error" in outcome:
        first = str(outcome["error"]).strip().splitlines()[0] if str(outcome["error"]).strip() else ""
        token = "on" if token_mode == "token" else "off"
        raise FinxError(
            f"cannot join the Ray cluster at {address}: {type(outcome['error']).__name__}: {first}",
            hint=f"token authentication is {token} here; a cluster started with a token needs the same one "
            "in RAY_AUTH_TOKEN or ~/.ray/auth_token, and Ray's version on every node (finx has "
            f"{ray.__version__})",
        )
    return True


def rows_until_stopped(rows: Iterable[dict[str, Any]], stop: threading.Event) -> Iterator[dict[str, Any]]:
    """`rows` as they come, ending as soon as `stop` is set, also while Ray is still starting the
    actors' engines or waiting for a batch (the rows are pulled in a thread of their own)."""
    arrived: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=64)

    def pull() -> None:
        try:
            for row in rows:
                arrived.put(("row", row))
            arrived.put(("end", None))
        except BaseException as error:  # handed to the consumer below
            arrived.put(("error", error))

    threading.Thread(target=pull, name="ray-rows", daemon=True).start()
    while not stop.is_set():
        try:
            kind, item = arrived.get(timeout=0.2)
        except queue.Empty:
            continue
        if kind == "end":
            return
        if kind == "error":
            raise item
        yield item


def ray_failure(error: Exception) -> FinxError:
    """Ray's error as one line: the cause is the last line of its text (a task's error carries
    the remote traceback, ending with the exception raised on the node)."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    cause = lines[-1] if lines else ""
    return FinxError(
        f"the Ray batch stopped: {type(error).__name__}: {cause[:300]}",
        hint="every node needs finx installed (the same version) and the documents at the same path; "
        "the lines written so far are kept: run again with --resume to carry on",
    )


def run_batch_on_ray(
    config: BatchConfig,
    settings: RaySettings,
    adapter: ResolvedAdapter,
    stop: threading.Event | None = None,
    progress: Progress | None = None,
) -> BatchSummary:
    """Run the batch on Ray until every document has a line or `stop` is set."""
    stop = stop or threading.Event()
    results, done = open_results(config.out, config.resume)
    candidates, summary = discover_batch(config)
    started = time.perf_counter()
    try:
        started_ray = join_ray(settings.address, settings.connect_timeout_s, stop)
    except Stopped:
        results.close()
        summary.interrupted = True
        return summary
    import ray  # after join_ray, which settles Ray's token mode before Ray loads

    try:
        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = False
        rows = [candidate_row(candidate, done) for candidate in candidates]
        schema_ref = config.schema.reference
        read_kwargs = {
            "schema_label": config.schema.label,
            "adapter_label": adapter.label,
            "max_bytes": config.max_bytes,
        }
        actor_kwargs = {
            "engine": settings.engine, "schema_ref": schema_ref, "output_model": config.schema.output_model,
            "options": asdict(config.options),
            "adapter": adapter, "retrieval": settings.retrieval,
        }  # fmt: skip
        dataset = (
            ray.data.from_items(rows)
            .map(read_row, fn_kwargs=read_kwargs)  # type: ignore[arg-type]  # Ray types fn without its kwargs
            .map_batches(
                ExtractionActor,
                fn_constructor_kwargs=actor_kwargs,
                batch_size=settings.batch_size,
                concurrency=settings.actors,
                num_cpus=1,
                num_gpus=settings.actor_gpus or None,
            )
        )
        for row in rows_until_stopped(dataset.iter_rows(), stop) if rows else ():
            record = json.loads(row["record"]) if row["record"] else None
            if record is not None:
                results.append(record)
            summary.add(record, started)
            if progress:
                progress(summary)
    except FinxError:
        raise
    except Exception as error:  # Ray's own (a node without finx, a lost cluster): one line, lines kept
        raise ray_failure(error) from None
    finally:
        summary.interrupted = stop.is_set()
        results.close()
        compact(config.out)
        if started_ray:
            ray.shutdown()
    summary.seconds = time.perf_counter() - started
    return summary
