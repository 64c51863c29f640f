"""bfloat16 is chosen from the processor's flags, never assumed."""

import json

import pytest

from finx.adapters.merged import merge_key
from finx.hardware import cpu_flags, cpu_has_fast_bfloat16, fast_dtype, resolve_dtype
from finx.model_store import MARKER


@pytest.mark.parametrize(
    ("flags", "fast"),
    [
        pytest.param({"avx2", "avx512f", "avx512_bf16"}, True, id="avx512-bf16"),
        pytest.param({"avx2", "amx_bf16", "amx_tile"}, True, id="amx"),
        pytest.param({"avx2", "avx512f", "avx512bw"}, False, id="avx512-without-bf16"),
        pytest.param({"avx2", "fma"}, False, id="avx2-only"),
        pytest.param(set(), False, id="unknown"),
    ],
)
def test_fast_bfloat16_follows_the_cpu_flags(flags, fast):
    assert cpu_has_fast_bfloat16(flags) is fast


def test_cpu_flags_are_read_from_the_first_processor(tmp_path):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu avx2 avx512_bf16\n\nprocessor\t: 1\nflags\t\t: fpu\n")
    assert cpu_flags(cpuinfo) == {"fpu", "avx2", "avx512_bf16"}
    assert cpu_flags(tmp_path / "missing") == set()


def test_fast_dtype_on_this_cpu_matches_its_flags():
    expected = "bfloat16" if cpu_has_fast_bfloat16() else "float32"
    assert fast_dtype(cuda=False) == expected


def test_auto_dtype_is_the_fast_one_and_a_named_dtype_is_kept():
    assert resolve_dtype("auto") == fast_dtype(cuda=False)
    assert resolve_dtype("float32") == "float32"
    assert resolve_dtype("bfloat16") == "bfloat16"


def test_merged_weights_are_cached_per_dtype(tmp_path):
    base, adapter = tmp_path / "base", tmp_path / "adapter"
    base.mkdir()
    adapter.mkdir()
    (base / MARKER).write_text(json.dumps({"sha256": "abc"}))
    (adapter / "adapter_model.safetensors").write_bytes(b"weights")
    keys = {dtype: merge_key(base, adapter, dtype) for dtype in ("float32", "bfloat16")}
    assert keys["float32"] != keys["bfloat16"]
    assert merge_key(base, adapter, "bfloat16") == keys["bfloat16"]


def test_finx_dtype_is_the_default_when_no_dtype_is_asked_for(monkeypatch):
    import pytest

    from finx.errors import FinxError
    from finx.hardware import resolve_dtype

    monkeypatch.setenv("FINX_DTYPE", "float32")
    assert resolve_dtype("auto") == "float32" and resolve_dtype("bfloat16") == "bfloat16"
    monkeypatch.setenv("FINX_DTYPE", "fp8")
    with pytest.raises(FinxError, match="FINX_DTYPE must be auto, float32 or bfloat16, not 'fp8'"):
        resolve_dtype("auto")
