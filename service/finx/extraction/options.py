"""`ExtractOptions`: how to extract one document, the one options type of every edge.

The CLI's flags, the gRPC `ExtractOptions` message (through `api_convert`) and a batch's settings
all become this type, which travels unchanged to the extractor inside an `ExtractionTask`. It does
not know the document, the schema or the adapter (those are resolved separately).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class ExtractOptions:
    max_tokens: int | None = None
    """Cap on generated tokens per chunk (None: the extraction policy's default)."""
    grounding: bool = True
    """Locate every value in the document (offsets, match kind); off skips the search."""
    reference_context: bool = False
    """Put reference records for the companies the document names into the prompt."""
    link_entities: bool = False
    """Link extracted companies and tickers to reference records."""
    copy_grounding: bool | None = None
    """Copied values may only be text of the document: None = on where the schema copies values and
    the engine runs the guidance backend; True = required (an error elsewhere); False = off."""
    min_confidence: float | None = None
    """Values with a lower confidence become null (or leave their list) where the schema allows it;
    they are reported in `ExtractionResult.withheld`. None keeps every value."""
