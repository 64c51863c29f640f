"""A scripted engine for protocol and extractor-logic tests that need no model: answers come from
a function of the prompt, one character per token (so offsets, truncation and per-value
confidence behave as with a real tokenizer), with a fixed log-probability per token.

    engine = ScriptedEngine(lambda prompt: '{"company":"SHOP A","date":null,"address":null,"total":"9.00"}')
"""

import asyncio
import math
from collections.abc import Callable
from typing import Any

from finx.config import EngineConfig
from finx.engines.base import Engine, Generation, GenerationRequest


class CharacterTokenizer:
    """One token per character (its code point); a chat template that writes role and content."""

    eos_token = "\x03"
    eos_token_id = 3

    def __call__(self, text: str, add_special_tokens: bool = False, return_offsets_mapping: bool = False) -> dict:
        encoded: dict[str, Any] = {"input_ids": [ord(character) for character in text]}
        if return_offsets_mapping:
            encoded["offset_mapping"] = [(index, index + 1) for index in range(len(text))]
        return encoded

    def encode(self, text: str, add_special_tokens: bool = False) -> list[int]:
        return [ord(character) for character in text]

    def decode(self, ids: list[int], skip_special_tokens: bool = True) -> str:
        return "".join(chr(token) for token in ids if not (skip_special_tokens and token == self.eos_token_id))

    def apply_chat_template(self, messages: list[dict[str, str]], **kwargs: Any) -> Any:
        text = "".join(f"<{message['role']}>{message['content']}\n" for message in messages) + "<assistant>"
        return self.encode(text) if kwargs.get("tokenize", True) else text


class ScriptedEngine(Engine):
    """Answers each request with `script(prompt text)`, cut at the request's token limit."""

    name = "scripted"

    def __init__(self, script: Callable[[str], str], probability: float = 0.9, delay_s: float = 0.0) -> None:
        self.script, self.probability, self.delay_s = script, probability, delay_s
        self.requests: list[GenerationRequest] = []
        config = EngineConfig(engine="transformers", dtype="float32", enable_lora=True)
        super().__init__(config, config.resolved_model_dir())

    @property
    def tokenizer(self) -> CharacterTokenizer:
        return self._tokenizer

    async def _start(self) -> None:
        self._tokenizer = CharacterTokenizer()

    async def _generate(self, request: GenerationRequest) -> Generation:
        self.requests.append(request)
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        answer = self.script(self._tokenizer.decode(request.prompt_ids))
        text = answer[: request.max_tokens]
        return Generation(
            text=text,
            finished=len(answer) <= request.max_tokens,
            prompt_tokens=len(request.prompt_ids),
            completion_tokens=len(text),
            seconds=self.delay_s,
            token_ids=tuple(ord(character) for character in text),
            token_logprobs=tuple(math.log(self.probability) for _ in text),
        )

    async def _stop(self) -> None:
        return None
