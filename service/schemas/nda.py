"""`nda`: the Kleister-NDA fields of a non-disclosure agreement."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from service.schemas.fields import ShortText, Text

VERSION = "1"
DESCRIPTION = (
    "Non-disclosure agreement: parties=names of the contracting parties, jurisdiction=governing "
    "law state or country, effective_date=as YYYY-MM-DD, term=duration such as '2 years'; null if absent."
)


class Nda(BaseModel):
    model_config = ConfigDict(extra="forbid")
    parties: Annotated[list[Text], Field(max_length=8)]
    jurisdiction: ShortText | None
    effective_date: Annotated[str, Field(max_length=10)] | None
    term: ShortText | None
