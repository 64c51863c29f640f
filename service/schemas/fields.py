"""Bounded field types shared by the built-in schemas (every string and list has a limit)."""

from typing import Annotated

from pydantic import Field

ShortText = Annotated[str, Field(max_length=80)]
Text = Annotated[str, Field(max_length=160)]
LongText = Annotated[str, Field(max_length=300)]
Amount = Annotated[str, Field(max_length=40, description="as written, without the currency")]
Currency = Annotated[str, Field(max_length=12, description="symbol or code as written")]
