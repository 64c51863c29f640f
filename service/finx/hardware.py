"""What the machine's processors can do fast: the one place finx asks whether bfloat16 pays.

CPUs of the same kind differ (some have `avx512_bf16` or AMX units, where a bfloat16 matrix
product runs ~2.9x faster than float32; others only AVX2, where bfloat16 is ~5x slower), so the
choice is detected, never assumed. Knows nothing about engines or training.
"""

from pathlib import Path
from typing import Literal, cast

from finx.config import env
from finx.errors import FinxError

WeightsDtype = Literal["float32", "bfloat16", "float16"]

BF16_CPU_FLAGS = ("avx512_bf16", "amx_bf16")
"""/proc/cpuinfo flags of x86 units that multiply bfloat16 matrices natively."""


def cpu_flags(cpuinfo: Path = Path("/proc/cpuinfo")) -> set[str]:
    """The first processor's feature flags (empty where /proc/cpuinfo is not there)."""
    try:
        text = cpuinfo.read_text(errors="replace")
    except OSError:
        return set()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("flags", "Features"):
            return set(value.split())
    return set()


def cpu_has_fast_bfloat16(flags: set[str] | None = None) -> bool:
    """Whether this CPU has bfloat16 matrix units (`avx512_bf16` or AMX)."""
    return any(flag in (cpu_flags() if flags is None else flags) for flag in BF16_CPU_FLAGS)


def resolve_dtype(requested: str) -> WeightsDtype:
    """The weights dtype for `requested`: itself, or for `auto` the operator's `FINX_DTYPE` when
    set, else the device's fast one."""
    if requested == "auto":
        requested = env("FINX_DTYPE") or "auto"
        if requested not in ("auto", "float32", "bfloat16"):
            raise FinxError(f"FINX_DTYPE must be auto, float32 or bfloat16, not {requested!r}")
    if requested != "auto":
        return cast(WeightsDtype, requested)
    import torch

    return fast_dtype(torch.cuda.is_available())


def fast_dtype(cuda: bool) -> WeightsDtype:
    """`bfloat16` where the device multiplies it natively (a bf16 GPU, or a CPU with bf16 units),
    else `float32`."""
    if cuda:
        import torch

        return "bfloat16" if torch.cuda.is_bf16_supported() else "float32"
    return "bfloat16" if cpu_has_fast_bfloat16() else "float32"
