"""The Ray extraction actor starts its engine only for a batch with something to extract."""

from pathlib import Path

from finx.batch.ray_runner import ExtractionActor
from finx.config import EngineConfig, RetrievalConfig


def test_a_batch_of_already_done_documents_starts_no_engine(tmp_path: Path):
    # a model folder that does not exist: starting an engine would fail loudly
    engine = EngineConfig(engine="transformers", model_dir=tmp_path / "no-model")
    actor = ExtractionActor(engine, "receipt", None, {}, None, RetrievalConfig())
    assert actor({"record": ["", ""], "document": ["", ""]}) == {"record": ["", ""]}
    assert actor._extractor is None
