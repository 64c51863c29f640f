"""The retrieval hook: reference records (companies, tickers) looked up from a store.

`create_retriever(config)` opens the store named in `RetrievalConfig.retriever` (like the
engines, by name). The embedded default is an SQLite file (`sqlite_store.py`); when the default
store does not exist yet it is built from the small hand-made sample shipped with finx
(`sample_references.jsonl`), so linking works out of the box. Another store plugs in by
subclassing `Retriever` and adding it to `RETRIEVERS`.
"""

import importlib
from pathlib import Path

from finx.config import RetrievalConfig, default_reference_store
from finx.errors import FinxError
from finx.retrieval.base import Reference, Retriever

RETRIEVERS: dict[str, tuple[str, str]] = {
    "sqlite": ("finx.retrieval.sqlite_store", "SqliteRetriever"),
}
SAMPLE_REFERENCES = Path(__file__).with_name("sample_references.jsonl")


def create_retriever(config: RetrievalConfig) -> Retriever | None:
    """The retriever named in `config`, or None when retrieval is off (`none`)."""
    if config.retriever == "none":
        return None
    if config.retriever not in RETRIEVERS:
        raise FinxError(f"unknown retriever {config.retriever!r}", hint="known: none, " + ", ".join(RETRIEVERS))
    path = config.resolved_store_path()
    if config.store_path is None and not path.exists():
        seed_default_store(path)
    module_name, class_name = RETRIEVERS[config.retriever]
    retriever_class: type[Retriever] = getattr(importlib.import_module(module_name), class_name)
    return retriever_class(path)  # type: ignore[call-arg]


def seed_default_store(path: Path | None = None) -> None:
    """Build the default store from the shipped sample (atomic; concurrent seeders are harmless)."""
    from finx.retrieval.loaders import read_references
    from finx.retrieval.sqlite_store import build_store

    sample = read_references("jsonl", SAMPLE_REFERENCES)
    build_store(sample.records, path or default_reference_store(), source=f"jsonl:{SAMPLE_REFERENCES.name}")


__all__ = ["RETRIEVERS", "Reference", "Retriever", "create_retriever", "seed_default_store"]
