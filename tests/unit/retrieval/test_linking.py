"""The two hook points without a model: linking a result's values, reference context for a prompt."""

import pytest

from finx.retrieval import seed_default_store
from finx.retrieval.linking import link_entities, reference_context
from finx.retrieval.sqlite_store import SqliteRetriever


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> SqliteRetriever:
    path = tmp_path_factory.mktemp("refs") / "references.sqlite"
    seed_default_store(path)
    return SqliteRetriever(path)


def test_links_companies_and_tickers_and_says_why_not(store: SqliteRetriever) -> None:
    data = {
        "org": ["Apple Inc.", "Apple Hospitality REIT", "Apple Inc."],
        "person": ["Tim Cook"],
        "ticker": ["AAPL", "ZZZZ"],
        "money": [{"amount": "1.5", "currency": "USD"}],
    }
    links = link_entities(data, store, threshold=0.85)
    assert [(link.path, link.linked) for link in links] == [
        ("org[0]", True),
        ("org[1]", False),
        ("org[2]", True),
        ("ticker[0]", True),
        ("ticker[1]", False),
    ]
    assert links[0].reference is not None and links[0].reference.id == "cik:320193"
    assert links[0].kind == "company" and links[3].kind == "ticker"
    assert links[1].reference is None and "below 0.85" in (links[1].reason or "")
    assert links[4].reason == "no matching record"


def test_links_schema_fields_by_name(store: SqliteRetriever) -> None:
    links = link_entities({"vendor": "MR D.I.Y. (M) SDN BHD", "total": "12.00", "customer": None}, store, 0.85)
    assert [(link.path, link.reference and link.reference.id) for link in links] == [("vendor", "sample:mr-diy")]


def test_no_linkable_fields_no_links(store: SqliteRetriever) -> None:
    assert link_entities({"date": "2020-01-01", "total": "9.00"}, store, 0.85) == []


def test_reference_context_lists_named_companies_within_budget(store: SqliteRetriever) -> None:
    document = "Broker note. Apple Inc. and Goldman Sachs reported; TOTAL CASH 12.00. Apple again. Unknown Widgets Ltd."
    context = reference_context(document, store, 0.85, max_records=8, max_tokens=200, count_tokens=len)
    assert context is not None
    lines = context.splitlines()
    assert lines[0].startswith("Apple Inc. (id=cik:320193; tickers=AAPL")
    assert lines[1].startswith("The Goldman Sachs Group, Inc. (id=cik:886982")
    assert len(lines) == 2
    one = reference_context(document, store, 0.85, max_records=1, max_tokens=200, count_tokens=len)
    assert one == lines[0]
    assert reference_context(document, store, 0.85, max_records=8, max_tokens=10, count_tokens=len) is None
    assert reference_context("nothing named here", store, 0.85, 8, 200, len) is None
