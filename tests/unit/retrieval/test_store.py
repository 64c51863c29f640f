"""The SQLite reference store: lookups, linking accuracy on hand-made pairs, atomic reload."""

import json
import threading
from pathlib import Path

import pytest

from finx.config import RetrievalConfig
from finx.errors import FinxError
from finx.retrieval import create_retriever, seed_default_store
from finx.retrieval.base import Reference
from finx.retrieval.sqlite_store import SqliteRetriever, build_store

PAIRS = Path(__file__).parents[2] / "fixtures" / "references" / "linking_pairs.jsonl"
THRESHOLD = RetrievalConfig().link_threshold


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory: pytest.TempPathFactory) -> SqliteRetriever:
    path = tmp_path_factory.mktemp("refs") / "references.sqlite"
    seed_default_store(path)
    return SqliteRetriever(path)


def linking_pairs() -> list[dict[str, str | None]]:
    return [json.loads(line) for line in PAIRS.read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("pair", linking_pairs(), ids=lambda pair: f"{pair['mention']}-{pair['kind']}")
def test_linking_pairs(sample_store: SqliteRetriever, pair: dict[str, str | None]) -> None:
    candidates = sample_store.lookup(str(pair["mention"]), str(pair["kind"]), k=3)
    linked = candidates[0].id if candidates and candidates[0].score >= THRESHOLD else None
    assert linked == pair["expected"], f"{pair['case']}: got {[(c.id, c.score, c.method) for c in candidates]}"


def test_lookup_ranks_best_first_and_reports_the_method(sample_store: SqliteRetriever) -> None:
    results = sample_store.lookup("Goldman Sachs", "company", k=5)
    assert results[0].id == "cik:886982" and results[0].method == "alias"
    assert [r.score for r in results] == sorted((r.score for r in results), reverse=True)
    (ticker,) = sample_store.lookup("aapl", "ticker", k=5)
    assert (ticker.name, ticker.method, ticker.score) == ("Apple Inc.", "code", 1.0)
    assert sample_store.lookup("Apple", "person") == []


@pytest.mark.parametrize(("query", "k"), [("  ", 5), ("Apple", 0)])
def test_bad_lookups_are_clear_errors(sample_store: SqliteRetriever, query: str, k: int) -> None:
    with pytest.raises(FinxError):
        sample_store.lookup(query, "company", k)


def test_missing_store_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(FinxError, match="finx refs load"):
        SqliteRetriever(tmp_path / "none.sqlite")


def test_default_store_is_seeded_from_the_sample(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FINX_HOME", str(tmp_path))
    retriever = create_retriever(RetrievalConfig())
    assert retriever is not None
    assert retriever.lookup("Apple", "company")[0].id == "cik:320193"
    assert create_retriever(RetrievalConfig(retriever="none")) is None


def test_duplicate_ids_are_skipped_and_reported(tmp_path: Path) -> None:
    records = [Reference(id="a", kind="company", name="Alpha"), Reference(id="a", kind="company", name="Other")]
    info = build_store(records, tmp_path / "s.sqlite", source="test")
    assert info.records == 1 and info.skipped == ["a: duplicate id, first kept"]


def test_reload_is_atomic_under_concurrent_lookups(tmp_path: Path) -> None:
    """Readers keep answering while the store is rebuilt; each answer comes from the old or new store."""
    path = tmp_path / "s.sqlite"

    def generation(number: int) -> list[Reference]:
        return [
            Reference(id=f"g{number}-{index}", kind="company", name=f"Company {index} Ltd", attributes={"g": number})
            for index in range(300)
        ]

    build_store(generation(0), path, source="g0")
    retriever = SqliteRetriever(path)
    errors: list[BaseException] = []
    seen: set[int] = set()
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            try:
                (found,) = retriever.lookup("Company 7", "company", k=1)
                assert found.id == f"g{found.attributes['g']}-7"
                seen.add(found.attributes["g"])
            except BaseException as error:
                errors.append(error)
                return

    readers = [threading.Thread(target=read) for _ in range(4)]
    for reader in readers:
        reader.start()
    for number in range(1, 6):
        build_store(generation(number), path, source=f"g{number}")
    stop.set()
    for reader in readers:
        reader.join(timeout=30)
    assert errors == []
    (final,) = retriever.lookup("Company 7", "company", k=1)
    assert final.attributes["g"] == 5
    assert len(seen) >= 1
    assert not list(tmp_path.glob(".*.tmp")), "no temporary store left behind"
