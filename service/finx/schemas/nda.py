"""`nda`: the Kleister-NDA fields of a non-disclosure agreement.

Version 2: `jurisdiction` carries its cue (`fields.GoverningLaw`): of a long agreement's chunk
answers, a state written in a governing-law clause wins over one written elsewhere (version 1 took
the most confident, often the state of incorporation from the preamble).
Version 3: `term` carries its other roles (`fields.ContractTerm`): a period written only in a
covenant's clause (`for two years after the termination of employment`, a non-solicitation or
standstill period) is no term of the agreement (version 2 returned it).
"""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from finx.schemas.fields import ContractTerm, GoverningLaw, PartyName, WrittenDate
from finx.schemas.strings import MERGE_KEYWORD

VERSION = "3"
DESCRIPTION = (
    "Non-disclosure agreement: parties=names of the contracting parties, jurisdiction=governing "
    "law state or country, effective_date=date it takes effect, term=how long it lasts; null if absent."
)


class Nda(BaseModel):
    model_config = ConfigDict(extra="forbid")
    parties: Annotated[list[PartyName], Field(max_length=8, json_schema_extra={MERGE_KEYWORD: "first"})]
    """Named together in the preamble: a long agreement's later parts name signatories and
    affiliates, so the parties are those of the first part that names any."""
    jurisdiction: GoverningLaw | None
    effective_date: WrittenDate | None
    term: ContractTerm | None
