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


def test_the_actor_validates_answers_into_the_callers_pydantic_model(tmp_path: Path):
    import json
    from dataclasses import asdict

    from pydantic import BaseModel, field_validator

    from finx.adapters.resolve import BASE_MODEL
    from finx.extraction.extractor import Extractor
    from finx.ingest import read_document
    from tests.support.scripted_engine import ScriptedEngine

    class Receipt(BaseModel):
        company: str | None
        date: str | None
        address: str | None
        total: str | None

        @field_validator("total")
        @classmethod
        def refuse_totals(cls, value: str | None) -> str | None:
            if value is not None:
                raise ValueError("no total accepted")
            return value

    engine = EngineConfig(engine="transformers", model_dir=tmp_path / "no-model")
    actor = ExtractionActor(engine, "receipt", Receipt, {}, BASE_MODEL, RetrievalConfig())
    answer = '{"company":"SHOP A","date":null,"address":null,"total":"9.00"}'
    actor._extractor = Extractor(ScriptedEngine(lambda prompt: answer))
    document = read_document(b"SHOP A\nTOTAL 9.00\n", "a.txt")
    record = {"path": "a.txt", "schema": "receipt@3", "adapter": "base", "timings": {"read_s": 0.0, "extract_s": 0.0}}
    [line] = actor({"record": [json.dumps(record)], "document": [json.dumps(asdict(document))]})["record"]
    written = json.loads(line)
    assert (written["status"], written["reason"]) == ("error", "invalid") and "no total accepted" in written["error"]
