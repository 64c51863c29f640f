"""Merged weights: a LoRA adapter folded into the base model, built once and cached.

On a CPU, vLLM's LoRA kernels cost more than the model itself (60 receipts: 702 s with the
adapter as LoRA, 110 s merged, same JSON), so finx serves the adapter a process is started for
from a merged model folder: PEFT's `merge_and_unload()` saved with the tokenizer. The folder is
keyed by a hash of the base model and of the adapter's weights
(`$FINX_HOME/merged/<key>/`), written to a temporary folder and renamed into place, so a crash
never leaves half a model, and two processes racing to build it both end with a complete one.
Folders not used for the longest time are removed once more than `KEEP_MERGED` exist. A write the
disk refuses is a `StorageError` (`DiskFull` for space or quota) naming the folder, and nothing
half-written stays; a server's reload then fails with that status and keeps its running engine.
This module knows nothing about engines or requests.
"""

import hashlib
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

from finx.config import finx_home
from finx.errors import AdapterNotFound, storage_error
from finx.model_store import MARKER, file_sha256, require_model

KEEP_MERGED = 3
"""Merged folders kept in the cache (the current, the previous and one more)."""
MERGED_MARKER = "finx-merged.json"
MERGE_HINT = "free space under $FINX_HOME/merged (or point FINX_HOME elsewhere); a running engine keeps serving"


def merged_root() -> Path:
    return finx_home() / "merged"


def base_identity(base_dir: Path) -> str:
    """What identifies the base weights: the conversion marker's source hash, or the weights' hash."""
    marker = base_dir / MARKER
    if marker.is_file():
        return json.loads(marker.read_text()).get("sha256", "")
    weights = sorted(base_dir.glob("*.safetensors"))
    if not weights:
        raise AdapterNotFound(f"no safetensors weights in {base_dir} to merge an adapter into")
    return hashlib.sha256("".join(file_sha256(path) for path in weights).encode()).hexdigest()


def merge_key(base_dir: Path, adapter_dir: Path, dtype: str = "float32") -> str:
    """The cache key of (base model, adapter weights, saved dtype)."""
    weights = adapter_dir / "adapter_model.safetensors"
    if not weights.is_file():
        raise AdapterNotFound(f"no LoRA adapter weights at {adapter_dir}")
    digest = hashlib.sha256(f"{base_identity(base_dir)}:{file_sha256(weights)}:{dtype}".encode())
    return digest.hexdigest()[:20]


def merged_model(base_dir: Path, adapter_dir: Path, dtype: str = "float32", root: Path | None = None) -> Path:
    """The folder of `base_dir` with `adapter_dir` merged in, saved in `dtype` (bfloat16 halves it):
    from the cache, or built now."""
    base_dir = require_model(base_dir)
    root = root or merged_root()
    target = root / merge_key(base_dir, adapter_dir, dtype)
    if not (target / MERGED_MARKER).is_file():
        _build(base_dir, adapter_dir, target, dtype)
    os.utime(target)  # most recently used: kept by the garbage collection below
    collect_garbage(root, keep=KEEP_MERGED)
    return target


def collect_garbage(root: Path, keep: int) -> list[Path]:
    """Remove all but the `keep` most recently used merged folders (and stale temporary ones)."""
    if not root.is_dir():
        return []
    complete = sorted(
        (folder for folder in root.iterdir() if (folder / MERGED_MARKER).is_file()),
        key=lambda folder: folder.stat().st_mtime,
        reverse=True,
    )
    stale_staging = [folder for folder in root.glob(".staging-*") if time.time() - folder.stat().st_mtime > 3600]
    removed = complete[keep:] + stale_staging
    for folder in removed:
        shutil.rmtree(folder, ignore_errors=True)
    return removed


def _build(base_dir: Path, adapter_dir: Path, target: Path, dtype: str) -> None:
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(base_dir, dtype=torch.float32)
    # merged in float32, then cast: one rounding of the sum, not of each part
    merged = PeftModel.from_pretrained(model, adapter_dir).merge_and_unload().to(getattr(torch, dtype))
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=target.parent))
    except OSError as error:
        raise storage_error(target.parent, error, MERGE_HINT) from None
    try:
        merged.save_pretrained(staging, safe_serialization=True)
        AutoTokenizer.from_pretrained(base_dir).save_pretrained(staging)
        record = {"base": str(base_dir), "adapter": str(adapter_dir.resolve()), "dtype": dtype, "key": target.name}
        (staging / MERGED_MARKER).write_text(json.dumps(record) + "\n")
        try:
            staging.rename(target)
        except OSError:
            if not (target / MERGED_MARKER).is_file():  # another process won the race with a whole folder
                raise
    except OSError as error:  # the disk refused the weights: say which folder; nothing half-written stays
        raise storage_error(target, error, MERGE_HINT) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
