"""`SchemaSpec`: one extraction schema as the rest of finx sees it.

A spec pairs a pydantic model (what a result is validated against) with its compiled JSON Schema
(what constrained decoding enforces) and a short description that goes into the prompt.
"""

import json
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from pydantic import BaseModel, ValidationError

from finx.schemas.compile import JsonSchema, compile_schema, schema_hash
from finx.schemas.model_values import to_model


@dataclass(frozen=True)
class SchemaSpec:
    """A named, versioned extraction schema."""

    name: str
    version: str
    description: str
    model: type[BaseModel]
    source_schema: JsonSchema = field(default_factory=dict, compare=False)
    """The schema as given (for custom schemas); built-ins derive it from `model`."""
    output_model: type[BaseModel] | None = field(default=None, compare=False)
    """A caller's pydantic model the final answer is validated into (`model_values.to_model`); None: `model`."""

    @cached_property
    def json_schema(self) -> JsonSchema:
        """The compiled, bounded JSON Schema enforced during generation."""
        source = self.source_schema or self.model.model_json_schema()
        return compile_schema(source)

    @cached_property
    def key(self) -> str:
        """Hash of the compiled schema: the cache key of its constraint."""
        return schema_hash(self.json_schema)

    @property
    def reference(self) -> str | JsonSchema:
        """How the schema travels to a service or into a labeled example: its name, or the JSON
        Schema as given for a custom one."""
        return self.source_schema or self.name

    @property
    def built_in(self) -> str:
        """The built-in schema this spec is, or is restricted from (`entities` of
        `entities:ORG,PERSON`); a custom schema's own name otherwise."""
        return self.name.split(":")[0]

    @property
    def label(self) -> str:
        return f"{self.name}@{self.version}"

    def validate_json(self, text: str) -> BaseModel:
        """Parse and validate generated JSON; raises `pydantic.ValidationError` or `ValueError`."""
        return self.model.model_validate(json.loads(text))

    def validate_output(self, data: dict[str, Any]) -> BaseModel:
        """The final, normalised answer as the result's object (the caller's model, if one was given)."""
        if self.output_model is None:
            return self.model.model_validate(data)
        return to_model(self.output_model, data)

    def dump(self, value: BaseModel) -> dict[str, Any]:
        """The validated object as plain JSON data, keyed by the schema's property names."""
        return value.model_dump(mode="json", by_alias=True)


__all__ = ["SchemaSpec", "ValidationError"]
