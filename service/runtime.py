"""The one composition of the extraction runtime: an engine, the reference store when the options
need it, and the extractor over both. The CLI, `finx batch` (in process and on Ray) compose
through here; the service composes its engines through `serving.EngineSet` (several engines, one
shared reference store) with the same parts.
"""

from service.config import EngineConfig, RetrievalConfig
from service.extractor import Extractor
from service.options import ExtractOptions
from service.retrieval.base import Retriever


def needs_retrieval(options: ExtractOptions) -> bool:
    """Whether extracting with `options` reads the reference store."""
    return options.link_entities or options.reference_context


def start_extractor(
    engine: EngineConfig, retrieval: RetrievalConfig, options: ExtractOptions, retriever: Retriever | None = None
) -> Extractor:
    """A started engine with its extractor (the caller closes `extractor.engine`); the reference
    store is opened only when `options` need it (or `retriever` is shared in)."""
    from service.engines import create_engine
    from service.retrieval import create_retriever

    if retriever is None and needs_retrieval(options):
        retriever = create_retriever(retrieval)
    return Extractor(create_engine(engine), retriever=retriever, retrieval=retrieval)
