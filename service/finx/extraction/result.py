"""`ExtractionResult`: what one extraction returns to every caller (CLI, gRPC, batch)."""

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from finx.ingest.base import IngestedDocument
from finx.retrieval.linking import EntityLink
from finx.values.grounding import ValueSource

Status = Literal["ok", "partial", "truncated", "invalid"]


class Timings(BaseModel):
    """Seconds spent in each step of one extraction."""

    prepare_s: float
    """Prompt building and tokenization."""
    generate_s: float
    """Engine time of the longest chunk, queueing included (of a table read again in halves
    (`extraction.splitting`): the longest piece of any reading, not their sum)."""
    finish_s: float
    """Validation and grounding."""
    total_s: float


class ExtractionResult(BaseModel):
    """A validated object with the source of every value, or a status that says why there is none.

    `status` is `ok` only when the output is complete JSON that validates against the schema
    (for a chunked document: every chunk's output). `truncated` means generation hit the token
    limit and `invalid` that the output did not validate: `data` is then None and `raw` holds the
    text, for inspection only. `partial` (chunked documents only) means some chunks failed, as
    `error` lists; `data` merges the chunks that succeeded.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    schema_name: str
    schema_version: str
    status: Status
    data: dict[str, Any] | None
    sources: list[ValueSource]
    links: list[EntityLink] = Field(default_factory=list)
    """Reference links of the extracted companies and tickers (when linking was asked for)."""
    error: str | None = None
    truncated: bool
    raw: str
    chunks: int = 1
    """How many chunks the document was split into."""
    engine: str
    model: str
    dtype: str = ""
    """Weights dtype the engine ran in (float32, bfloat16)."""
    adapter: str
    """The adapter that ran, by its label: a registry version, a folder as the owner named it, or
    "base" (the base model)."""
    prompt_tokens: int
    completion_tokens: int
    timings: Timings
    confidence: dict[str, float] = Field(default_factory=dict)
    """Confidence of every leaf of `data` by path; for a null, the probability the field is absent."""
    withheld: list[ValueSource] = Field(default_factory=list)
    """Values removed because their confidence was below `min_confidence`, and the cells of table
    rows read wrongly (`extraction.table_rows`), each with its `reason`; paths as generated."""
    page_sizes: list[tuple[float, float]] | None = None
    """(width, height) in points of each page, for PDFs and scans (`locate`)."""
    value: Any = Field(default=None, exclude=True)
    """The validated pydantic object (not serialised)."""

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def locate(result: ExtractionResult, document: IngestedDocument) -> ExtractionResult:
    """`result` with each found value's page, line and (PDFs, scans) boxes in `document`."""
    for source in [*result.sources, *result.withheld]:
        if source.start is not None and source.end is not None:
            source.page, source.line = document.position(source.start)
            source.boxes = document.boxes(source.start, source.end)
    result.page_sizes = list(document.page_sizes) if document.page_sizes is not None else None
    return result
