"""The llama.cpp anchor: its `llama-server` on the same merged weights (as GGUF), the same prompt
tokens and the schema as a JSON grammar, so that finx's numbers are ratios measured in one run.

`make llama-cpp` builds the server (from the llama.cpp sources the llama-cpp-python sdist vendors);
without it the anchor is skipped with that reason. The weights are converted with the converter
those sources ship (`convert_hf_to_gguf.py`, with the `gguf-py` beside it), once per merged folder and
dtype, under build/gguf. The server runs on loopback with 8 slots: all documents through 8 clients
for documents/s, then one at a time for latency (p50/p95), greedy, `n_predict` as finx's
`max_tokens`. llama.cpp gets the schema's JSON grammar, not finx's copy-grounding grammar (which
llama.cpp cannot express); the answers are scored the same way.

Owns nothing of finx's runtime; used by `bench.serving`.
"""

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from tests.support.network import free_loopback_port

ROOT = Path(__file__).resolve().parents[1]
LLAMA_CPP = ROOT / "build" / "llama.cpp"
SERVER = LLAMA_CPP / "build" / "bin" / "llama-server"
GGUF_DIR = ROOT / "build" / "gguf"
SLOTS = 8
GGUF_TYPES = {"bfloat16": "bf16", "float32": "f32", "float16": "f16"}


def skipped_reason() -> str | None:
    """Why the anchor cannot run here, or None."""
    if not SERVER.is_file():
        return f"{SERVER.relative_to(ROOT)} is not built (make llama-cpp)"
    return None


def gguf_weights(merged_dir: Path, dtype: str) -> Path:
    """The merged weights as GGUF in `dtype`, converted once (keyed by the merged folder's name)."""
    target = GGUF_DIR / f"{merged_dir.name}-{GGUF_TYPES[dtype]}.gguf"
    if not target.is_file():
        GGUF_DIR.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".partial")
        environment = {key: value for key, value in os.environ.items() if key != "NO_LOCAL_GGUF"}  # its own gguf-py
        command = [sys.executable, str(LLAMA_CPP / "convert_hf_to_gguf.py"), str(merged_dir),
                   "--outtype", GGUF_TYPES[dtype], "--outfile", str(partial)]  # fmt: skip
        done = subprocess.run(command, env=environment, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"GGUF conversion failed: {(done.stderr.strip().splitlines() or ['no output'])[-1]}")
        partial.rename(target)
    return target


class LlamaServer:
    """`llama-server` on a free loopback port, started on entry and stopped on exit."""

    def __init__(self, weights: Path, context_per_slot: int) -> None:
        self.port = free_loopback_port()
        self.command = [
            str(SERVER), "-m", str(weights), "--host", "127.0.0.1", "--port", str(self.port),
            "--parallel", str(SLOTS), "--ctx-size", str(SLOTS * context_per_slot),
            "--threads", str(os.cpu_count() or 1), "--threads-batch", str(os.cpu_count() or 1),
        ]  # fmt: skip
        self.started_s = 0.0

    def __enter__(self) -> "LlamaServer":
        started = time.perf_counter()
        self.process = subprocess.Popen(self.command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(1200):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health", timeout=2) as response:
                    if response.status == 200:
                        self.started_s = time.perf_counter() - started
                        return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if self.process.poll() is not None:
                raise RuntimeError(f"llama-server exited with {self.process.returncode}: {' '.join(self.command)}")
            time.sleep(0.25)
        self.process.terminate()
        raise RuntimeError("llama-server did not answer within 5 minutes")

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        self.process.wait(60)

    def complete(self, prompt_ids: list[int], json_schema: dict[str, Any], max_tokens: int) -> dict[str, Any]:
        """One greedy completion of `prompt_ids` under the schema's grammar."""
        body = {"prompt": prompt_ids, "n_predict": max_tokens, "temperature": 0.0, "json_schema": json_schema,
                "cache_prompt": True}  # fmt: skip
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/completion", json.dumps(body).encode(), {"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=600) as response:
            answer: dict[str, Any] = json.loads(response.read())
        return answer


def parsed(content: str) -> dict[str, Any] | None:
    try:
        data = json.loads(content)
    except json.JSONDecodeError:
        return None
    return data if isinstance(data, dict) else None


def anchor(
    merged_dir: Path, dtype: str, prompts: list[list[int]], json_schema: dict[str, Any], max_tokens: int,
    one_at_a_time: int,
) -> dict[str, Any]:  # fmt: skip
    """llama.cpp on the same weights and prompt tokens: documents/s through `SLOTS` clients, then
    `one_at_a_time` requests in turn (p50/p95), the answers, the server's RSS and start time."""
    from bench.memory import by_process

    weights = gguf_weights(merged_dir, dtype)
    context = max(len(prompt) for prompt in prompts) + max_tokens + 16
    with LlamaServer(weights, context) as server:
        server.complete(prompts[0], json_schema, 4)  # warm the grammar and the first slot
        started = time.perf_counter()
        with ThreadPoolExecutor(SLOTS) as pool:
            answers = list(pool.map(lambda ids: server.complete(ids, json_schema, max_tokens), prompts))
        seconds = time.perf_counter() - started
        rss = sum(rss for _, rss, _ in by_process(server.process.pid))
        latencies = []
        for prompt in prompts[:one_at_a_time]:
            began = time.perf_counter()
            server.complete(prompt, json_schema, max_tokens)
            latencies.append(time.perf_counter() - began)
    latencies.sort()
    return {
        "weights": weights.name, "start_s": server.started_s, "seconds": seconds,
        "docs_per_s": len(prompts) / seconds, "rss_gib": rss,
        "p50_s": latencies[len(latencies) // 2] if latencies else 0.0,
        "p95_s": latencies[int(len(latencies) * 0.95)] if latencies else 0.0,
        "answers": [parsed(answer.get("content", "")) for answer in answers],
        "completion_tokens": sum(int(answer.get("tokens_predicted", 0)) for answer in answers),
    }  # fmt: skip
