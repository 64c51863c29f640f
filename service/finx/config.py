"""Typed configuration: finx's environment variables, where it keeps its files, how an engine is
set up and how documents are extracted.

`ENVIRONMENT` is the one table of finx's environment variables (name, default, meaning); `env()`
is the only reader of them (the README lists the same table, a test checks both).
"""

import ctypes.util
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from finx.errors import FinxError

EngineName = Literal["vllm", "transformers"]
StructuredBackend = Literal["outlines", "xgrammar", "guidance"]
Dtype = Literal["auto", "float32", "bfloat16", "float16"]
DEFAULT_MODEL_NAME = "smollm2-135m-instruct"
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
"""The one document size limit of every entry point (CLI file and stdin, gRPC, batch)."""
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


@dataclass(frozen=True)
class EnvironmentVariable:
    name: str
    default: str
    meaning: str


ENVIRONMENT = (
    EnvironmentVariable("FINX_HOME", "~/.cache/finx", "cache folder: model, merged adapters, logs, references"),
    EnvironmentVariable("FINX_MODEL", "the embedded model", "a Hugging Face-format model folder to use instead"),
    EnvironmentVariable("FINX_ADAPTERS", "$FINX_HOME/adapters", "the adapter registry"),
    EnvironmentVariable("FINX_AUTH_TOKEN", "none", "bearer token `finx serve` requires and `--server` clients send"),
    EnvironmentVariable("FINX_SERVER", "unset", "`finx extract --server`: a running finx service (HOST:PORT) to call"),
    EnvironmentVariable("FINX_DTYPE", "auto", "`--dtype`: auto (bf16 where the CPU has bf16 units), float32, bfloat16"),
    EnvironmentVariable("FINX_OCR_LANG", "eng", "Tesseract language(s) for scans, e.g. `eng+deu`"),
    EnvironmentVariable("FINX_ALLOCATOR", "jemalloc", "`system`: `finx serve`/`train`/`retrain` keep glibc's malloc"),
    EnvironmentVariable("FINX_VERBOSE", "unset", "set: engine start-up logs go to stderr, not the engine log"),
)
_KNOWN = {variable.name for variable in ENVIRONMENT}


def env(name: str) -> str | None:
    """The value of one of finx's environment variables (`ENVIRONMENT`); empty counts as unset."""
    if name not in _KNOWN:
        raise KeyError(f"{name} is not in finx's table of environment variables")
    return os.environ.get(name) or None


def ray_driver_auth_mode() -> str:
    """Ray's `RAY_AUTH_MODE` for a process joining a cluster, set for it and its children: as the
    operator set it, else `token` when a token is where Ray looks for one (`RAY_AUTH_TOKEN`,
    `RAY_AUTH_TOKEN_PATH`, `~/.ray/auth_token`): the rule `ray start` follows, which a joining
    driver does not (it would be refused by a token-authenticated cluster)."""
    mode = os.environ.get("RAY_AUTH_MODE")
    if mode is None:
        at_hand = os.environ.get("RAY_AUTH_TOKEN") or os.environ.get("RAY_AUTH_TOKEN_PATH")
        mode = "token" if at_hand or (Path.home() / ".ray" / "auth_token").is_file() else "disabled"
        os.environ["RAY_AUTH_MODE"] = mode
    return mode


def preload_openmp(library: Path) -> None:
    """Put the OpenMP runtime `library` in LD_PRELOAD for the processes started from now on (vLLM's
    engine processes are spawned), unless an OpenMP runtime is preloaded already: a user's choice
    is kept."""
    preloaded = os.environ.get("LD_PRELOAD", "")
    if not any(name in preloaded for name in ("libiomp", "libgomp", "libomp")):
        os.environ["LD_PRELOAD"] = f"{library}:{preloaded}" if preloaded else str(library)


def jemalloc_library() -> str | None:
    """The machine's jemalloc (Debian's libjemalloc2, `make jemalloc`), or None."""
    return ctypes.util.find_library("jemalloc")


def environment_with_jemalloc() -> dict[str, str] | None:
    """This process's environment with jemalloc first in LD_PRELOAD, for running a command again
    under it: None when the machine has no jemalloc, an allocator is preloaded already, or
    FINX_ALLOCATOR is `system`."""
    preloaded = os.environ.get("LD_PRELOAD", "")
    library = jemalloc_library()
    if (
        library is None
        or env("FINX_ALLOCATOR") == "system"
        or any(name in preloaded for name in ("jemalloc", "tcmalloc"))
    ):
        return None
    return {**os.environ, "LD_PRELOAD": f"{library}:{preloaded}" if preloaded else library}


def finx_home() -> Path:
    """The cache folder (`FINX_HOME`, default `~/.cache/finx`)."""
    return Path(env("FINX_HOME") or Path.home() / ".cache" / "finx").expanduser()


def default_model_dir() -> Path:
    """Where `finx model fetch` puts the converted embedded model."""
    return finx_home() / "models" / DEFAULT_MODEL_NAME


def configured_model_dir() -> Path:
    """The model folder in use: `FINX_MODEL` if set, else the embedded default."""
    override = env("FINX_MODEL")
    return Path(override).expanduser() if override else default_model_dir()


@dataclass(frozen=True)
class EngineConfig:
    """How to start an engine. Defaults are the settings measured to work on a CPU laptop."""

    engine: EngineName = "vllm"
    """Which engine runs generation: `vllm` (default, batched) or `transformers` (no vLLM needed)."""
    model_dir: Path | None = None
    """Hugging Face-format model folder; None means `configured_model_dir()`."""
    structured_backend: StructuredBackend = "guidance"
    """Constrained-decoding backend: `guidance` (default, no compile step), `outlines`, `xgrammar`."""
    max_model_len: int = 4096
    """Context window (prompt + answer) in tokens: a chunk's prompt plus its answer must fit."""
    dtype: Dtype = "auto"
    """Weights dtype: `auto` is bfloat16 where the CPU has bf16 units (or on a bf16 GPU), float32
    elsewhere (`finx.hardware.resolve_dtype`; bf16 on an AVX2-only CPU is ~5x slower)."""
    kv_cache_tokens: int = 24_576
    """vLLM KV-cache capacity in tokens: `max_num_seqs` (32) sequences of 768 tokens, a receipt's
    prompt and answer. vLLM gets it as bytes, counted from the model's layers, KV heads and the
    weights dtype (`vllm_engine.kv_cache_bytes`: SmolLM2-135M 1.05 GiB in float32, 0.53 GiB in
    bfloat16), so a bf16 engine holds as many tokens in half the memory; at least `max_model_len`
    (one longest sequence). Explicit: vLLM's memory-fraction default fails on CPU."""
    max_loras: int = 4
    """How many different LoRA adapters vLLM keeps loaded at once."""
    max_lora_rank: int = 64
    """Largest LoRA rank vLLM accepts."""
    enable_lora: bool = True
    """Start vLLM with LoRA support so requests can name an adapter (never with `merged_adapter`)."""
    merged_adapter: Path | None = None
    """Serve this LoRA adapter folder (a `ResolvedAdapter`'s path: checked where it was resolved)
    merged into the weights (`finx.adapters.merged`, built once and cached by `create_engine`):
    requests for it run at base-model speed; the engine then serves no other adapter."""
    max_num_seqs: int = 32
    """How many requests vLLM batches together (`with_batch` changes it with the KV cache)."""
    speculative_tokens: int = 0
    """Prompt-lookup (n-gram) speculation in vLLM: draft up to this many tokens per step by finding
    the last few generated tokens in the prompt (most of what finx writes is copied from it), and
    verify them in one forward pass; 0 = off. The transformers engine ignores it."""
    kv_block_tokens: int | None = None
    """vLLM KV-cache block size in tokens (None: vLLM's default, 128 on CPU). Prefix caching reuses
    whole blocks only, so smaller blocks let more of the shared prompt head be reused."""

    def resolved_model_dir(self) -> Path:
        return self.model_dir if self.model_dir is not None else configured_model_dir()

    def merged(self, adapter: Path | None) -> "EngineConfig":
        """This engine serving one adapter merged into the weights (None: the base model), and
        nothing else: the one rule of a merged engine (no LoRA beside it)."""
        return replace(self, merged_adapter=adapter, enable_lora=False)

    def with_batch(self, sequences: int) -> "EngineConfig":
        """This engine batching `sequences` requests, its KV cache scaled to hold as many tokens
        per sequence as before, and at least one longest sequence (`max_model_len`)."""
        tokens = max(self.kv_cache_tokens * sequences // self.max_num_seqs, self.max_model_len)
        return replace(self, max_num_seqs=sequences, kv_cache_tokens=tokens)

    def with_lora(self) -> "EngineConfig":
        """This engine on the base weights, serving any adapter as per-request LoRA."""
        return replace(self, merged_adapter=None, enable_lora=True)


@dataclass(frozen=True)
class ExtractionPolicy:
    """How the extractor cuts documents and bounds answers (not how an engine starts)."""

    chunk_tokens: int = 768
    """Documents longer than this many tokens are split into chunks of this size (training too)."""
    chunk_overlap_tokens: int = 64
    """Tokens shared by consecutive chunks, so no value is cut in half at a boundary."""
    max_chunks: int = 64
    """Longer documents are rejected rather than run as more chunks than this."""
    max_tokens: int = 1024
    """Default cap on generated tokens per chunk; hitting it marks the result `truncated`. A table
    of twenty rows with four cells each is ~800 tokens of compact JSON (measured on generator
    version 2's invoices), so 512 cut long receipts short."""
    rows_per_answer: int = 20
    """A table (a top-level list of objects) in one chunk's answer holds at most this many rows
    (the grammar's bound: 20 rows are ~650-760 tokens of compact JSON at 32-38 a row, which with
    the header fields stays inside `max_tokens`; 24 was measured to run over it on a real receipt).
    The schema's `maxItems` bounds the whole document: a chunk whose answer fills a table the
    schema lets grow is read again in two halves (`extraction.splitting`). Lists of strings keep
    their schema's bound."""
    table_splits: int = 2
    """How many times a chunk may be halved that way (2: into at most four pieces, 80 rows, more than
    a 768-token chunk prints at 10-12 tokens a row line; at most 7 answers for one chunk)."""
    list_chunk_tokens: int = 192
    """Schemas made only of lists (entity lists) are read in windows of this many tokens, a few
    sentences each, and the lists merged per document: a small model recalls the three or four
    names of a short window far better than the twenty of a page (training uses the same windows)."""

    row_line_reach: int | None = 2
    """A table row (an item of a top-level list of objects) whose last copied cell (an invoice
    row's amount) is printed only above its first cell (the description) or more than this many
    lines below it is withheld (listed as withheld) as read from the wrong lines
    (`extraction.table_rows`); None keeps every row so placed (rows with a cell that is no reading
    of its kind, such as an amount that is no number, are withheld still). On finx-lora-v10's dev answers, 2: CORD item
    F1 0.622 -> 0.646, finx's invoices 0.267 -> 0.293; it would withhold 12 of CORD's 1,297 gold
    rows (1: 0.651 / 0.308, but 20 gold rows)."""
    list_min_confidence: float | None = 0.3
    """Entries of a list-only schema (entity lists) below this confidence are withheld (and listed
    as withheld) when the caller sets no `min_confidence` (`min_confidence 0` keeps every entry).
    0.3 is the threshold with the best entity F1 pooled over the entity dev splits (FiNER-ORD,
    FIN5, finx's own) with the list artefacts removed (`extraction.list_entries`), on `finx eval
    --min-confidence 0`'s answers: for the shipped finx-lora-v11, pooled F1 0.742 with every entry,
    0.743 at 0.2, 0.747 at 0.25, 0.743 at 0.3, 0.739 at 0.35, 0.738 at 0.4, 0.714 at 0.5; for
    finx-lora-v10 with the same code 0.733, 0.742, 0.746, 0.746, 0.742, 0.734, 0.715. 0.25 and 0.3
    are within 0.004 for both: 0.3 kept."""

    def min_confidence(self, schema: dict[str, Any], requested: float | None) -> float | None:
        """The withholding threshold of one request: the caller's, else the list default for
        list-only schemas, else none."""
        if requested is not None:
            return requested
        return self.list_min_confidence if is_list_only(schema) else None

    def window(self, schema: dict[str, Any]) -> "Window":
        """How documents are cut for `schema`: list-only schemas get the short window, with the
        chunk cap scaled so that the same document length is accepted."""
        tokens = min(self.list_chunk_tokens, self.chunk_tokens) if is_list_only(schema) else self.chunk_tokens
        overlap = min(self.chunk_overlap_tokens, tokens // 6)
        return Window(tokens, overlap, self.max_chunks * self.chunk_tokens // tokens)


def is_list_only(schema: dict[str, Any]) -> bool:
    """Whether every top-level property of a compiled schema is a list (an entity-list schema)."""
    properties = schema.get("properties", {}).values()
    return bool(properties) and all(child.get("type") == "array" for child in properties)


@dataclass(frozen=True)
class Window:
    """The chunking of one schema's documents (`ExtractionPolicy.window`)."""

    tokens: int
    overlap_tokens: int
    max_chunks: int


RetrieverName = Literal["sqlite", "none"]


def default_reference_store() -> Path:
    """Where `finx refs load` writes the reference store unless told otherwise."""
    return finx_home() / "references" / "references.sqlite"


@dataclass(frozen=True)
class RetrievalConfig:
    """The retrieval hook: which store answers lookups, and how its results are used."""

    retriever: RetrieverName = "sqlite"
    """`sqlite` (the embedded store) or `none` (no retrieval; requests asking for it get an error)."""
    store_path: Path | None = None
    """The store file; None means `default_reference_store()`, seeded with the shipped sample."""
    link_threshold: float = 0.85
    """Entities whose best reference scores below this stay unlinked."""
    context_max_records: int = 8
    """At most this many reference records go into a prompt."""
    context_max_tokens: int = 256
    """... and at most this many tokens of them."""

    def resolved_store_path(self) -> Path:
        return self.store_path if self.store_path is not None else default_reference_store()


SERVE_BATCH = 16
"""Requests `finx serve`'s engine batches at once (`finx batch` and `finx eval` keep
`EngineConfig.max_num_seqs`, 32): half the KV cache (0.27 GiB less in bf16) for a service whose
callers mostly come one or a few at a time; under 32 clients the rest wait for a slot (measured
with jemalloc on a 2-core Xeon with AMX: RSS -0.54 GiB, one-client p50 0.92-0.95x, full-load
documents/s 0.85x; `bench.cpu_runtime`)."""


@dataclass(frozen=True)
class ServerConfig:
    """How `finx serve` listens. Non-loopback binds need TLS or a bearer token."""

    host: str = "127.0.0.1"
    port: int = 50051
    metrics_port: int = 9464
    """Prometheus metrics over HTTP; 0 turns them off."""
    health_port: int = 0
    """A plaintext port serving only grpc.health.v1 (for probes that cannot speak TLS); 0 = none
    (health is always served on the main port too)."""
    http_port: int = 0
    """Port of the HTTP/JSON and OpenAI-compatible API on `host` (0 = off)."""
    allowed_hosts: tuple[str, ...] = ()
    """Host names the HTTP API answers to besides loopback and `host` (`finx.web_guard`)."""
    allowed_origins: tuple[str, ...] = ()
    """Web origins (`https://app.example`) allowed to call the HTTP API from a browser, with CORS;
    requests from any other site may not run anything."""
    http_header_timeout_s: float = 10.0
    """A client must send a request's headers (and each piece of its body) within this many
    seconds, or the HTTP API closes the connection (slow clients hold no slot)."""
    metrics_host: str = "127.0.0.1"
    """Where the unauthenticated metrics endpoint listens: loopback unless asked otherwise."""
    max_inflight: int = 64
    """Requests (documents) in progress at once; more get RESOURCE_EXHAUSTED."""
    max_document_bytes: int = MAX_DOCUMENT_BYTES
    """Largest document (text or file bytes) a request may carry; messages may be 1 MiB larger
    (schema, options). Larger messages get RESOURCE_EXHAUSTED, larger documents INVALID_ARGUMENT."""
    lora_idle_seconds: float = 600.0
    """The on-demand LoRA engine (requests for the base model or a non-current version) is closed,
    and its memory freed, after this many seconds without a request (0: never)."""
    lora_engine: EngineName = "transformers"
    """The on-demand LoRA engine's kind: `transformers` runs in the serving process, one request at
    a time (measured +0.4 GiB RSS, a `base` receipt in ~2.4 s beside a merged primary at ~3.6 s);
    `vllm` starts an EngineCore process of its own (+2 GiB) that batches them, for pods serving
    many such requests. With the `xgrammar` backend it is always `vllm` (transformers has none)."""
    drain_seconds: float = 30.0
    """On SIGTERM, how long in-flight calls may take to finish."""
    auth_token: str | None = None
    """Bearer token required in the `authorization` metadata (also from FINX_AUTH_TOKEN)."""
    tls_cert: Path | None = None
    tls_key: Path | None = None
    engine: EngineConfig = field(default_factory=lambda: EngineConfig().with_batch(SERVE_BATCH))
    retrieval: RetrievalConfig = field(default_factory=RetrievalConfig)

    def lora_engine_config(self) -> EngineConfig:
        """The on-demand LoRA engine's settings: the serving engine's, on the base weights with
        per-request LoRA, in the kind `lora_engine` names."""
        kind = "vllm" if self.engine.structured_backend == "xgrammar" else self.lora_engine
        return replace(self.engine.with_lora(), engine=kind)

    def check(self) -> None:
        if self.host not in LOOPBACK_HOSTS and not (self.auth_token or (self.tls_cert and self.tls_key)):
            raise FinxError(
                f"refusing to listen on {self.host} without TLS or a bearer token",
                hint="set --tls-cert/--tls-key or FINX_AUTH_TOKEN, or bind 127.0.0.1",
            )
        if self.tls_cert and not self.tls_key:
            raise FinxError("--tls-cert was given without --tls-key", hint="TLS needs the certificate and its key")
        if self.tls_key and not self.tls_cert:
            raise FinxError("--tls-key was given without --tls-cert", hint="TLS needs the certificate and its key")

    def warnings(self) -> list[str]:
        """Settings that work but put callers at risk (logged at start-up)."""
        if self.host not in LOOPBACK_HOSTS and self.auth_token and not self.tls_cert:
            return [f"listening on {self.host} with a bearer token but no TLS: the token travels in clear text"]
        return []
