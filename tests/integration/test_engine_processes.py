"""A process's vLLM engines: the first runs inside finx's process, every later one in an EngineCore
process of its own, so a second engine starts beside a speculating one (what `finx serve` does
when a request names `base`) and after it has closed (a reload's new primary), and each serves.
Runs in a fresh interpreter: the suite's own process already holds its shared engine."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.corpus import require_model

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import json, psutil
from finx.adapters.registry import SHIPPED_ADAPTER
from finx.engines import create_engine
from finx.engines.base import GenerationRequest
from tests.support.corpus import suite_engine_config

def engine_processes():
    return sum("EngineCore" in child.name() for child in psutil.Process().children(recursive=True))

def main():
    schema = {"type": "object", "properties": {"vendor": {"type": "string", "maxLength": 20}},
              "required": ["vendor"], "additionalProperties": False}
    config = suite_engine_config(speculative_tokens=4)
    first = create_engine(config.merged(SHIPPED_ADAPTER))
    prompt = first.tokenizer("Receipt from ACME Stores, total 12.50. The vendor is")["input_ids"]
    def answer(engine, adapter=None):
        request = GenerationRequest(prompt_ids=prompt, json_schema=schema, schema_key="vendor",
                                    max_tokens=16, adapter=adapter)
        return json.loads(engine.submit(request).result(timeout=300).text)
    seen = {"first": answer(first), "apart_before_second": engine_processes()}
    second = create_engine(config.with_lora())
    seen |= {"second": answer(second, SHIPPED_ADAPTER), "first_again": answer(first),
             "apart_with_second": engine_processes()}
    first.close()
    seen["second_after_first_closed"] = answer(second, SHIPPED_ADAPTER)
    third = create_engine(config.merged(SHIPPED_ADAPTER))
    seen["third"] = answer(third)
    second.close()
    third.close()
    print(json.dumps(seen))

if __name__ == "__main__":
    main()
"""


def test_later_engines_start_beside_and_after_a_speculating_in_process_one(tmp_path: Path):
    require_model()
    script = tmp_path / "engines.py"
    script.write_text(SCRIPT)
    done = subprocess.run(
        [sys.executable, str(script)], cwd=ROOT, capture_output=True, text=True, timeout=900,
        env={**os.environ, "PYTHONPATH": str(ROOT), "VLLM_LOGGING_LEVEL": "ERROR"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["apart_before_second"] == 0  # the first engine runs in this process
    assert seen["apart_with_second"] == 1  # the second in an EngineCore process of its own
    assert seen["first"] == seen["first_again"] == seen["third"]  # merged, in this process or apart
    assert seen["second"] == seen["second_after_first_closed"]  # as LoRA, before and after
    assert all(set(seen[name]) == {"vendor"} and seen[name]["vendor"] for name in ("first", "second"))
