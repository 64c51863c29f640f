"""The transformers engine: Outlines 1.x logits processors over transformers + PEFT.

For machines without vLLM and for evaluation during training. Requests run one at a time, greedy,
under the same constraint the vLLM engine applies (`constraints.py`), so both give the same output.
Backends: `guidance` (default) and `outlines`. Each schema's constraint is compiled once and cached
by the schema's hash; LoRA adapters are loaded once each and switched per request.
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
        import outlines
        import torch
        from outlines.backends.llguidance import LLGuidanceBackend
        from outlines.backends.outlines_core import OutlinesCoreBackend
        from transformers import AutoModelForCausalLM, AutoTokenizer

        backends = {"guidance": LLGuidanceBackend, "outlines": OutlinesCoreBackend}
        if self.config.structured_backend not in backends:
            raise FinxError(
                f"the transformers engine has no {self.config.structured_backend!r} backend",
                hint="use guidance or outlines, or the vllm engine",
            )
        model_dir = require_model(self.model_dir)
        dtype = getattr(torch, self.dtype)
        self._tokenizer: Any = AutoTokenizer.from_pretrained(model_dir)
        self._model: Any = AutoModelForCausalLM.from_pretrained(model_dir, dtype=dtype)
        self._model.eval()
        backend_class = backends[self.config.structured_backend]
        model = outlines.from_transformers(self._model, self._tokenizer)  # type: ignore[arg-type]  # stubs lag transformers 5
        self._backend: Any = backend_class(model)
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
        from outlines.backends.llguidance import LLGuidanceLogitsProcessor
        from outlines.backends.outlines_core import OutlinesCoreLogitsProcessor
        from outlines_core import Index

        if request.grammar is not None:
            require_copy_backend(self.config.structured_backend)
            return LLGuidanceLogitsProcessor(guidance_lark(request.grammar), self._backend.llg_tokenizer, "torch")
        compiled = self._constraints.get(request.schema_key)
        if self.config.structured_backend == "guidance":
            if compiled is None:
                compiled = self._constraints[request.schema_key] = guidance_grammar(request.json_schema)
            return LLGuidanceLogitsProcessor(compiled, self._backend.llg_tokenizer, "torch")
        if compiled is None:
            compiled = Index(outlines_regex(request.json_schema), self._backend.vocabulary)
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
