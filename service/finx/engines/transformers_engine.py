"""The transformers engine: transformers + PEFT under llguidance (or Outlines-core) logits processors.

For one document from the CLI (it starts in seconds), machines without vLLM and evaluation during
training. Requests run one at a time, greedy, under the same constraint the vLLM engine applies
(`constraints.py`), so both give the same output. Backends: `guidance` (default) and `outlines`.
Each schema's constraint is compiled once and cached by the schema's hash; LoRA adapters are loaded
once each and switched per request.

With `speculative_tokens` (guidance backend), transformers' prompt-lookup decoding drafts that many
tokens from n-grams of the prompt and verifies them in one forward pass: most of an answer is copied
from the document. The guidance processor follows the sequence it is shown, consuming new tokens
and rolling back rejected drafts, so the constraint holds for drafts as for single steps.
"""

import asyncio
import threading
import time
from pathlib import Path
from typing import Any

from finx.engines.base import Engine, Generation, GenerationRequest
from finx.engines.constraints import guidance_grammar, guidance_lark, outlines_regex, require_copy_backend
from finx.errors import FinxError
from finx.model_store import require_model


class TransformersEngine(Engine):
    name = "transformers"

    @property
    def tokenizer(self) -> Any:
        return self._tokenizer

    async def _start(self) -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        if self.config.structured_backend not in ("guidance", "outlines"):
            raise FinxError(
                f"the transformers engine has no {self.config.structured_backend!r} backend",
                hint="use guidance or outlines, or the vllm engine",
            )
        model_dir = require_model(self.model_dir)
        dtype = getattr(torch, self.dtype)
        self._tokenizer: Any = AutoTokenizer.from_pretrained(model_dir)
        self._model: Any = AutoModelForCausalLM.from_pretrained(model_dir, dtype=dtype)
        self._model.eval()
        if self.config.structured_backend == "guidance":
            import llguidance.hf

            tokenizer: Any = self._tokenizer  # a fast tokenizer: SmolLM2 ships tokenizer.json
            self._llg_tokenizer: Any = llguidance.hf.from_tokenizer(tokenizer)  # as Outlines builds it
        else:
            import outlines
            from outlines.backends.outlines_core import OutlinesCoreBackend

            model = outlines.from_transformers(self._model, self._tokenizer)  # type: ignore[arg-type]  # stubs lag transformers 5
            self._vocabulary: Any = OutlinesCoreBackend(model).vocabulary
        self._constraints: dict[str, Any] = {}
        self._adapters: dict[Path, str] = {}
        self._peft: Any = None
        self._lock = asyncio.Lock()

    async def _generate(self, request: GenerationRequest) -> Generation:
        async with self._lock:
            cancelled = threading.Event()
            try:
                return await asyncio.to_thread(self._generate_blocking, request, cancelled)
            except asyncio.CancelledError:
                cancelled.set()
                raise

    def _generate_blocking(self, request: GenerationRequest, cancelled: threading.Event) -> Generation:
        import torch
        from transformers import LogitsProcessorList, StoppingCriteria, StoppingCriteriaList

        class StopWhenCancelled(StoppingCriteria):
            def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
                return torch.full((input_ids.shape[0],), cancelled.is_set(), dtype=torch.bool)

        started = time.perf_counter()
        processor = self._processor(request)
        # prompt lookup needs a processor that follows rolled-back drafts: the guidance one does
        lookup = self.config.speculative_tokens if self.config.structured_backend == "guidance" else 0
        drafting = {"prompt_lookup_num_tokens": lookup} if lookup > 0 else {}
        model = self._model_for(request.adapter)
        input_ids = torch.tensor([request.prompt_ids])
        eos = self._tokenizer.eos_token_id
        with torch.inference_mode(), self._adapter_scope(request.adapter):
            output = model.generate(
                input_ids=input_ids,
                attention_mask=torch.ones_like(input_ids),
                max_new_tokens=request.max_tokens,
                do_sample=False,
                logits_processor=LogitsProcessorList([processor]),
                stopping_criteria=StoppingCriteriaList([StopWhenCancelled()]),
                eos_token_id=eos,
                pad_token_id=eos,
                output_scores=True,
                return_dict_in_generate=True,
                **drafting,
            )
        new_tokens = output.sequences[0, len(request.prompt_ids) :].tolist()
        # the scores are after the constraint's processor: log_softmax renormalises over allowed tokens
        logprobs = [
            float(torch.log_softmax(scores[0].float(), dim=-1)[token])
            for scores, token in zip(output.scores, new_tokens, strict=False)
        ]
        finished = bool(new_tokens) and new_tokens[-1] == eos
        if finished:
            new_tokens, logprobs = new_tokens[:-1], logprobs[:-1]
        return Generation(
            text=str(self._tokenizer.decode(new_tokens, skip_special_tokens=True)),
            finished=finished,
            prompt_tokens=len(request.prompt_ids),
            completion_tokens=len(new_tokens) + int(finished),
            seconds=time.perf_counter() - started,
            token_ids=tuple(new_tokens),
            token_logprobs=tuple(logprobs),
        )

    def _processor(self, request: GenerationRequest) -> Any:
        """A fresh logits processor over the schema's cached compiled constraint."""
        if request.grammar is not None:
            require_copy_backend(self.config.structured_backend)
            return GuidanceProcessor(guidance_lark(request.grammar), self._llg_tokenizer, len(request.prompt_ids))
        compiled = self._constraints.get(request.schema_key)
        if self.config.structured_backend == "guidance":
            if compiled is None:
                compiled = self._constraints[request.schema_key] = guidance_grammar(request.json_schema)
            return GuidanceProcessor(compiled, self._llg_tokenizer, len(request.prompt_ids))
        from outlines.backends.outlines_core import OutlinesCoreLogitsProcessor
        from outlines_core import Index

        if compiled is None:
            compiled = Index(outlines_regex(request.json_schema), self._vocabulary)
            self._constraints[request.schema_key] = compiled
        return OutlinesCoreLogitsProcessor(compiled, "torch")

    def _model_for(self, adapter: Path | None) -> Any:
        if adapter is None:
            return self._model if self._peft is None else self._peft
        from peft import PeftModel

        name = self._adapters.get(adapter)
        if name is None:
            name = f"adapter_{len(self._adapters) + 1}"
            if self._peft is None:
                self._peft = PeftModel.from_pretrained(self._model, adapter, adapter_name=name)
                self._peft.eval()
            else:
                self._peft.load_adapter(adapter, adapter_name=name)
            self._adapters[adapter] = name
        self._peft.set_adapter(name)
        return self._peft

    def _adapter_scope(self, adapter: Path | None) -> Any:
        """Base-model requests run with adapters disabled once any adapter is loaded."""
        import contextlib

        if adapter is None and self._peft is not None:
            return self._peft.disable_adapter()
        return contextlib.nullcontext()

    async def _stop(self) -> None:
        self._model = None
        self._peft = None


class GuidanceProcessor:
    """A transformers logits processor that masks each position to the tokens an llguidance grammar
    allows after the answer so far. It follows the sequence it is called with: tokens it has not
    seen are consumed, a suffix that is gone (drafts that were rejected) is rolled back first, so
    one processor serves plain steps and prompt-lookup verification alike (one sequence)."""

    def __init__(self, grammar: str, llg_tokenizer: Any, prompt_length: int) -> None:
        import llguidance
        import llguidance.numpy

        self.matcher = llguidance.LLMatcher(llg_tokenizer, grammar)
        self.prompt_length = prompt_length
        self.consumed: list[int] = []
        self.bitmask = llguidance.numpy.allocate_token_bitmask(1, llg_tokenizer.vocab_size)

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        import llguidance.numpy

        answer = input_ids[0, self.prompt_length :].tolist()
        kept = 0
        while kept < min(len(answer), len(self.consumed)) and answer[kept] == self.consumed[kept]:
            kept += 1
        if kept < len(self.consumed):
            self.matcher.rollback(len(self.consumed) - kept)
            del self.consumed[kept:]
        new = answer[kept:]
        taken = self.matcher.try_consume_tokens(new) if new else 0
        self.consumed.extend(new[:taken])
        if taken < len(new):
            # a draft the grammar refuses is rejected at its own position, which was masked from a
            # valid state: what comes after it is never used
            return scores
        llguidance.numpy.fill_next_token_bitmask(self.matcher, self.bitmask, 0)
        mask_disallowed(scores[0], self.bitmask[0])
        return scores


def mask_disallowed(scores: Any, bitmask: Any) -> None:
    """Set to -inf the scores of the tokens whose bit is 0 in an llguidance bitmask (32 tokens per
    int32 word, lowest bit first; tokens past the mask are disallowed).

    In plain torch: `llguidance.torch` applies the same mask with a `torch.compile`d kernel, which
    costs ~1.7 s to import and ~1.8 s to compile in every process (more on a machine without
    Inductor's cache): most of the start of a one-document `finx extract`. This is ~0.1 ms a token.
    """
    import torch

    words = torch.from_numpy(bitmask)
    allowed = ((words.unsqueeze(1) >> torch.arange(32, dtype=torch.int32)) & 1).flatten().bool()
    covered = min(scores.shape[-1], allowed.shape[0])
    scores[:covered].masked_fill_(~allowed[:covered], float("-inf"))
    scores[covered:] = float("-inf")
