"""What every command shares: option types, exit codes, one-line errors, engine log handling,
adapter resolution for single-adapter processes, file reading."""

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, NoReturn, TextIO

import typer

from finx.adapters.resolve import ResolvedAdapter
from finx.config import (
    Dtype,
    EngineConfig,
    EngineName,
    StructuredBackend,
    env,
    environment_with_jemalloc,
    finx_home,
)
from finx.errors import FinxError

ENGINE_DEFAULTS = EngineConfig()
"""Engine options default to the config type's own values."""
SchemaOption = Annotated[
    str, typer.Option(help="Built-in schema name, a JSON Schema file, or a pydantic model as package.module:Class.")
]
AdapterOption = Annotated[
    str | None,
    typer.Option(help="LoRA adapter: a registry version, or (in process) a PEFT folder; default: the current one."),
]
BaseOption = Annotated[bool, typer.Option("--base", help="Use the base model without any adapter.")]
# the extraction options (`finx.extraction.options.ExtractOptions`), the same flags on every command that extracts
MaxTokensOption = Annotated[int | None, typer.Option(help="Cap on generated tokens per chunk.")]
GroundingOption = Annotated[
    bool, typer.Option("--grounding/--no-grounding", help="Locate every value in the document (offsets, match).")
]
LinkOption = Annotated[bool, typer.Option("--link", help="Link companies and tickers to reference records.")]
ReferenceContextOption = Annotated[
    bool, typer.Option("--reference-context", help="Put records of the companies named into the prompt.")
]
MinConfidenceOption = Annotated[
    float | None,
    typer.Option(min=0.0, max=1.0, help="Values less sure than this (0..1) become null; they are listed as withheld."),
]
CopyGroundingOption = Annotated[
    bool | None,
    typer.Option(
        "--copy-grounding/--no-copy-grounding",
        help="Copied values may only be text of the document (default: on for schemas that copy values).",
    ),
]
ONE_DOCUMENT_ENGINE: EngineName = "transformers"
"""`finx extract`'s engine: for one document the whole process is what counts, and the
transformers engine starts in ~6 s where vLLM takes 20-40 s (`bench/one_document.py`: 12.2 s against
31.6 s wall for the example receipt, same answer)."""
ONE_REQUEST_SPECULATIVE_TOKENS = 4
"""Prompt-lookup draft tokens where requests come one at a time (`finx extract`, `finx serve`):
measured on 60 receipts, one request's latency halves (p50 1.61 -> 0.87 s) while a full batch
loses a quarter of its throughput (2.21 -> 1.63 documents/s), so `finx batch` and `finx eval`
run without it (`bench/serving.py`)."""
SpeculativeOption = Annotated[
    int,
    typer.Option(
        min=0, max=16, help="Prompt-lookup draft tokens per step (vLLM): lower latency one request at a time; 0 = off."
    ),
]
MaxBatchOption = Annotated[
    int,
    typer.Option(
        min=1,
        max=256,
        help="Requests the engine batches at once (its KV cache is sized to match); 1 decodes one at a time, "
        "so each answer is independent of the others (vLLM's CPU numerics depend on the batch).",
    ),
]
DtypeOption = Annotated[
    Dtype,
    typer.Option(
        help="Weights dtype: auto = $FINX_DTYPE if set, else bfloat16 where the CPU has bf16 units (or on a GPU), "
        "else float32.",
    ),
]
RefsStore = Annotated[
    Path | None, typer.Option("--refs", help="Reference store file (default: $FINX_HOME/references/references.sqlite).")
]
EXIT_ERROR = 1
EXIT_NO_RESULT = 3
EXIT_INTERRUPTED = 130


def fail(message: str, code: int = EXIT_ERROR) -> NoReturn:
    print_error(message)
    raise typer.Exit(code)


def print_error(message: str) -> None:
    """The one-line error every command prints on stderr."""
    typer.echo(f"finx: error: {message}", err=True)


EXTRAS = {"training": ("trl", "datasets"), "review": ("jinja2",)}
"""The optional parts of finx and the libraries each needs (pyproject's optional dependencies)."""


def require_extra(extra: str) -> None:
    """Fail with how to install it when a command's optional part is not installed."""
    import importlib.util

    missing = [module for module in EXTRAS[extra] if importlib.util.find_spec(module) is None]
    if missing:
        fail(f"this command needs finx's {extra!r} extra ({', '.join(missing)} missing): pip install 'finx[{extra}]'")


def rerun_under_jemalloc() -> None:
    """Run this command again with jemalloc preloaded when the machine has it (Debian's
    libjemalloc2, `make jemalloc`), no allocator is preloaded yet and FINX_ALLOCATOR is not
    `system`; without the library the command runs as it is. `finx train` and `finx retrain`:
    CPU training under glibc's malloc fragments on batches of varying length (measured on a 2-core
    Xeon with AMX, bf16: the v11 run grew from 9 to 13.2 GiB RSS in 35 minutes; resumed under
    jemalloc it held 2.7-3.8 GiB at the same speed, 163 against 159 trained tokens/s). `finx
    serve`: glibc keeps a 64 MiB arena per thread that touched the heap (the server's thread pools,
    vLLM's workers); under jemalloc the process tree held 2.09 against 2.53 GiB under 32 clients
    and 1.89 against 2.30 GiB more for a `base` request (`bench.serving`, one run)."""
    environment = environment_with_jemalloc()
    if environment is not None:
        sys.stdout.flush()
        sys.stderr.flush()
        os.execve(sys.executable, list(sys.orig_argv), environment)


def quiet_engine_logs() -> None:
    """Keep vLLM's and transformers' start-up chatter down unless FINX_VERBOSE is set."""
    if env("FINX_VERBOSE"):
        return
    os.environ.setdefault("VLLM_LOGGING_LEVEL", "ERROR")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("TQDM_DISABLE", "1")
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    import warnings

    warnings.filterwarnings("ignore")


@contextlib.contextmanager
def engine_output_to_log() -> Iterator[TextIO]:
    """Send everything the engine and its worker processes write to stderr into a log file.

    The log is `$FINX_HOME/logs/engine.log`; with FINX_VERBOSE set, stderr is left alone.
    Yields the terminal's stderr, for finx's own progress output meanwhile; finx's one-line
    errors are printed after stderr is restored.
    """
    if env("FINX_VERBOSE"):
        yield sys.stderr
        return
    log_path = finx_home() / "logs" / "engine.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    sys.stderr.flush()
    saved = os.dup(2)
    with log_path.open("ab") as log:
        os.dup2(log.fileno(), 2)
    terminal = os.fdopen(os.dup(saved), "w", buffering=1, encoding="utf-8", errors="replace")
    try:
        yield terminal
    finally:
        terminal.close()
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)


def single_adapter_engine(
    engine: EngineName,
    adapter: ResolvedAdapter,
    backend: StructuredBackend = ENGINE_DEFAULTS.structured_backend,
    dtype: Dtype = ENGINE_DEFAULTS.dtype,
    speculative_tokens: int = ENGINE_DEFAULTS.speculative_tokens,
) -> EngineConfig:
    """An engine for a process that runs one adapter (merged into the weights) or the base model."""
    config = EngineConfig(engine=engine, structured_backend=backend, dtype=dtype, speculative_tokens=speculative_tokens)
    return config.merged(adapter.path)


def adapter_reference(adapter: str | None, base: bool) -> str:
    """--adapter/--base as an adapter reference: "" (current), "base", a version or a folder."""
    from finx.adapters.resolve import BASE_ADAPTER, CURRENT_ADAPTER

    return BASE_ADAPTER if base else adapter or CURRENT_ADAPTER


def local_adapter(adapter: str | None, base: bool) -> ResolvedAdapter:
    """The adapter an in-process command runs (the owner may name a folder by path)."""
    from finx.adapters.registry import AdapterRegistry
    from finx.adapters.resolve import resolve_adapter

    return resolve_adapter(adapter_reference(adapter, base), AdapterRegistry(), allow_paths=True)


def read_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise FinxError(f"no such file: {path}") from None
    except IsADirectoryError:
        raise FinxError(f"{path} is a directory") from None
    except OSError as error:
        raise FinxError(f"cannot read {path}: {error.strerror}") from None
