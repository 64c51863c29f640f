"""OpenAI-compatible endpoints over finx extraction: `POST /v1/chat/completions`, `GET /v1/models`.

A chat completion is one extraction, greedy and schema-constrained:
- `model`: which adapter: `finx` (the current one), `base`, or a registry version (`v0002`);
- the document: the last user message (a string, or the text parts of a content list);
- the schema: `response_format` `{"type": "json_schema", "json_schema": {"name": ..., "schema": {...}}}`
  (without `schema`, `json_schema.name` names a built-in schema such as `receipt`), or one
  function tool whose `parameters` are the schema (the answer is then that tool's call: what
  Instructor's tools mode expects);
- `tool_choice`: `auto`, `required` or a named function answer with the tool's call; `none`
  answers in the message content, and then needs `response_format` for the schema;
- `max_tokens` / `max_completion_tokens` cap the answer per chunk;
- `n` may only be 1, `stream` only false; greedy decoding is what extraction is, so sampling
  settings (`temperature`, `top_p`, `seed`, penalties) are accepted and have no effect, and
  `user`, `metadata`, `store`, `logprobs: false`, `parallel_tool_calls` are accepted as no-ops.
Any other field is refused (400) with its name, rather than silently ignored.
The answer: the extracted JSON as the message content (or the tool call's arguments),
`finish_reason` `length` when generation hit the token limit, `usage` filled, and finx's own
result in the extension field `finx` (`status`, `error`, `sources`, `confidence`, `adapter`).
Streaming is refused (400). Errors use the HTTP API's error body, which is OpenAI's shape.
"""

import json
import time
from typing import Any

import grpc
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from google.protobuf import json_format

from finx.server.grpc_service import ExtractionService
from finx.server.http_io import HttpError, extract_over_http, parse_json
from finx.v1 import extraction_pb2 as pb

CURRENT_MODEL = "finx"
"""The `model` name of the registry's current adapter."""
CHAT_BODY = {
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["messages"],
                "properties": {"model": {"type": "string"}, "messages": {"type": "array", "items": {"type": "object"}}},
            }
        }
    },
    "required": True,
}


HONOURED_FIELDS = frozenset(
    {
        "model",
        "messages",
        "response_format",
        "tools",
        "tool_choice",
        "max_tokens",
        "max_completion_tokens",
        "stream",
        "n",
    }
)
NO_OP_FIELDS = frozenset(
    {"temperature", "top_p", "seed", "frequency_penalty", "presence_penalty", "user", "metadata", "store",
     "logprobs", "parallel_tool_calls"}
)  # fmt: skip
"""Fields that cannot change a greedy, schema-constrained answer (see the module)."""


def add_openai_routes(app: FastAPI, service: ExtractionService) -> None:
    @app.get("/v1/models")
    async def models() -> dict[str, Any]:
        """`finx` (the current adapter), `base`, and every registry version."""
        names = [CURRENT_MODEL, "base", *(manifest.version for manifest in service.registry.manifests())]
        created = int(time.time())
        listed = [{"id": name, "object": "model", "created": created, "owned_by": "finx"} for name in names]
        return {"object": "list", "data": listed}

    @app.post("/v1/chat/completions", openapi_extra={"requestBody": CHAT_BODY})
    async def chat_completions(request: Request) -> JSONResponse:
        """One extraction as a chat completion (see the module's description)."""
        asked: dict[str, Any] = {}

        def decode(raw: bytes) -> pb.ExtractRequest:
            asked["body"] = body = parse_json(raw)
            try:
                extract, asked["tool"] = extract_request_of(body, request.state.request_id)
            except ValueError as error:
                raise HttpError(grpc.StatusCode.INVALID_ARGUMENT, str(error)) from None
            return extract

        response = await extract_over_http(service, request, decode)
        model = str(asked["body"].get("model") or CURRENT_MODEL)
        return JSONResponse(completion_of(response, model, asked["tool"]))


def extract_request_of(body: Any, request_id: str) -> tuple[pb.ExtractRequest, str | None]:
    """The ExtractRequest a chat completion asks for, and the tool its answer goes to (if any)."""
    if not isinstance(body, dict):
        raise ValueError("the body must be a JSON object")
    unknown = sorted(set(body) - HONOURED_FIELDS - NO_OP_FIELDS)
    if unknown:
        name = unknown[0][:80]
        raise ValueError(f"field {name!r} is not supported by finx's chat completions (it would be ignored)")
    if body.get("stream") not in (None, False):
        raise ValueError("streaming is not supported: send stream=false")
    if body.get("n") not in (None, 1):
        raise ValueError("n must be 1: extraction is greedy, every choice would be the same")
    if body.get("logprobs") not in (None, False):
        raise ValueError("logprobs are not returned: finx gives per-value confidence in the finx field")
    model = body.get("model") or CURRENT_MODEL
    if not isinstance(model, str):
        raise ValueError("model must be a string")
    request = pb.ExtractRequest(request_id=request_id, text=document_of(body.get("messages")))
    request.adapter = "" if model == CURRENT_MODEL else model
    tool, schema = schema_of(body)
    if isinstance(schema, str):
        request.schema_name = schema
    else:
        request.schema_json = json.dumps(schema)
    max_tokens = body.get("max_completion_tokens") or body.get("max_tokens")
    if max_tokens is not None:
        if not isinstance(max_tokens, int) or isinstance(max_tokens, bool) or not 0 < max_tokens < 2**31:
            raise ValueError("max_tokens must be a positive integer")
        request.options.max_tokens = max_tokens
    return request, tool


def document_of(messages: Any) -> str:
    """The text of the last user message."""
    if not isinstance(messages, list) or not messages:
        raise ValueError("messages must be a non-empty list")
    users = [message for message in messages if isinstance(message, dict) and message.get("role") == "user"]
    if not users:
        raise ValueError("no user message: the last user message is the document")
    content = users[-1].get("content")
    if isinstance(content, list):
        texts = [part.get("text") for part in content if isinstance(part, dict) and part.get("type") == "text"]
        content = "\n".join(text for text in texts if isinstance(text, str))
    if not isinstance(content, str) or not content.strip():
        raise ValueError("the last user message has no text")
    return content


def schema_of(body: dict[str, Any]) -> tuple[str | None, str | dict[str, Any]]:
    """(the tool to answer with or None, a built-in schema name or a JSON Schema)."""
    tools = body.get("tools")
    choice = body.get("tool_choice")
    if choice is not None and not (choice in ("none", "auto", "required") or isinstance(choice, dict)):
        raise ValueError('tool_choice must be "none", "auto", "required" or {"type": "function", ...}')
    if tools and choice != "none":
        if not isinstance(tools, list):
            raise ValueError("tools must be a list")
        declared = [tool.get("function") for tool in tools if isinstance(tool, dict) and tool.get("type") == "function"]
        functions = [function for function in declared if isinstance(function, dict)]
        wanted = choice.get("function", {}).get("name") if isinstance(choice, dict) else None
        chosen = [function for function in functions if wanted is None or function.get("name") == wanted]
        if len(chosen) != 1 or not isinstance(chosen[0].get("parameters"), dict):
            raise ValueError("give one function tool (or name one in tool_choice) whose parameters are the schema")
        return str(chosen[0].get("name", "extract")), chosen[0]["parameters"]
    response_format = body.get("response_format")
    if not isinstance(response_format, dict) or response_format.get("type") != "json_schema":
        because = 'with tool_choice "none", ' if tools else ""
        raise ValueError(
            because + 'response_format must be {"type": "json_schema", "json_schema": {...}}: it is the schema'
        )
    spec = response_format.get("json_schema")
    if not isinstance(spec, dict):
        raise ValueError("response_format.json_schema must be an object")
    if isinstance(spec.get("schema"), dict):
        return None, spec["schema"]
    if isinstance(spec.get("name"), str):
        return None, spec["name"]  # a built-in schema by name
    raise ValueError("response_format.json_schema needs a schema, or the name of a built-in schema")


def completion_of(response: pb.ExtractResponse, model: str, tool: str | None) -> dict[str, Any]:
    """The chat completion of an ExtractResponse."""
    answer = response.json or "null"
    message: dict[str, Any] = {"role": "assistant", "content": None if tool else answer}
    if tool:
        function = {"name": tool, "arguments": answer}
        message["tool_calls"] = [{"id": f"call_{response.request_id}", "type": "function", "function": function}]
    finish = "length" if response.truncated else "tool_calls" if tool else "stop"
    finx = json_format.MessageToDict(response)
    finx.pop("json", None)
    return {
        "id": f"chatcmpl-{response.request_id}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
        "usage": {
            "prompt_tokens": response.prompt_tokens,
            "completion_tokens": response.completion_tokens,
            "total_tokens": response.prompt_tokens + response.completion_tokens,
        },
        "finx": finx,
    }
