"""Golden answers: the corpus extracted by each engine (greedy, float32, no adapter) against the
answers committed in `tests/fixtures/golden/`. The parity test compares the engines with each
other, so a prompt or decoding change that moves both passes it unnoticed; this one shows it as a
diff. Regenerate after an intended change with `FINX_UPDATE_GOLDEN=1 pytest tests/integration/test_golden.py`
and review the diff in git. A machine of another CPU kind may round a few answers differently,
hence a share rather than all.
"""

import json
import os
from pathlib import Path

import pytest

from tests.support.corpus import run_corpus

pytestmark = pytest.mark.slow
GOLDEN = Path(__file__).resolve().parents[1] / "fixtures" / "golden"
SAME_SHARE = 0.9
"""Share of the corpus whose answer must be the committed one, token for token."""


@pytest.mark.parametrize("engine_name", ["vllm", "transformers"])
def test_the_corpus_answers_are_the_committed_ones(engine_name, request):
    engine = request.getfixturevalue(f"{engine_name}_engine")
    answers = {doc_id: getattr(result, "raw", f"error: {result}") for doc_id, result in run_corpus(engine).items()}
    path = GOLDEN / f"corpus-{engine_name}.json"
    if os.environ.get("FINX_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(answers, indent=1, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
    golden = json.loads(path.read_text(encoding="utf-8"))
    assert set(answers) == set(golden), "the corpus changed: regenerate the golden answers"
    differing = sorted(doc_id for doc_id in golden if answers[doc_id] != golden[doc_id])
    shown = "\n".join(f"{doc_id}:\n  now  {answers[doc_id]}\n  was  {golden[doc_id]}" for doc_id in differing)
    assert len(differing) <= (1 - SAME_SHARE) * len(golden), f"answers moved on {len(differing)} documents:\n{shown}"
