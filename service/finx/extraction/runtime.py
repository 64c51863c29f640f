"""The one composition of the extraction runtime: an engine, the reference store when the options
need it, and the extractor over both. The CLI, `finx batch` (in process and on Ray) compose
through here; the service composes its engines through `server.engine_set.EngineSet` (several engines, one
shared reference store) with the same parts.
"""

from finx.config import EngineConfig, RetrievalConfig
from finx.extraction.extractor import Extractor
from finx.extraction.options import ExtractOptions
from finx.retrieval.base import Retriever


def needs_retrieval(options: ExtractOptions) -> bool:
    """Whether extracting with `options` reads the reference store."""
    return options.link_entities or options.reference_context


def start_extractor(
    engine: EngineConfig, retrieval: RetrievalConfig, options: ExtractOptions, retriever: Retriever | None = None
) -> Extractor:
    """A started engine with its extractor (the caller closes `extractor.engine`); the reference
    store is opened only when `options` need it (or `retriever` is shared in)."""
    from finx.engines import create_engine
    from finx.retrieval import create_retriever

    if retriever is None and needs_retrieval(options):
        retriever = create_retriever(retrieval)
    return Extractor(create_engine(engine), retriever=retriever, retrieval=retrieval)
