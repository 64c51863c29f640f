"""The embedded reference store: one SQLite file with FTS5, searched by rules, then BM25 + fuzzy.

`build_store` writes a new file next to the target and renames it into place, so a reload is
atomic: readers see the old store or the new one, never a mix. `SqliteRetriever` keeps one
connection per thread and reopens when the file on disk was replaced, so a running server picks
up `finx refs load` without a restart.

Lookup, best first: exact code (tickers, CIK ... for queries shaped like a code), exact
normalised name, exact normalised alias, initials ("IBM"), then fuzzy: FTS5 BM25 over the words of every normalised
name and alias finds candidates, and rapidfuzz's similarity of the normalised strings scores
them; when that finds nothing close, BM25 over trigrams finds candidates despite OCR typos.
"""

import json
import os
import re
import sqlite3
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz

from finx.errors import FinxError
from finx.retrieval.base import MatchMethod, Reference, Retriever
from finx.retrieval.loaders import code_values
from finx.retrieval.normalise import acronym, lookup_key, name_keys, normalise_code

SCHEMA = """
CREATE TABLE records (rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, name TEXT NOT NULL,
                      aliases TEXT NOT NULL, attributes TEXT NOT NULL);
CREATE TABLE names (key TEXT NOT NULL, record INTEGER NOT NULL, is_alias INTEGER NOT NULL);
CREATE TABLE codes (code TEXT NOT NULL, record INTEGER NOT NULL);
CREATE TABLE acronyms (acronym TEXT NOT NULL, record INTEGER NOT NULL);
CREATE VIRTUAL TABLE words_fts USING fts5(key, record UNINDEXED);
CREATE VIRTUAL TABLE trigrams_fts USING fts5(key, record UNINDEXED, tokenize = 'trigram');
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
INDEXES = """
CREATE INDEX names_key ON names (key);
CREATE INDEX codes_code ON codes (code);
CREATE INDEX acronyms_acronym ON acronyms (acronym);
"""
CODE_SHAPE = re.compile(r"^[A-Z0-9][A-Z0-9.\-/]{0,9}$")
"""A query that could be a ticker or identifier: upper case letters and digits, no spaces."""
FUZZY_CANDIDATES = 64
FUZZY_MIN_LENGTH = 6
SHORT_FUZZY_CAP = 0.8
"""One letter is a large share of a short name ("bofa" ~ "ofa"): fuzzy matches of names shorter
than `FUZZY_MIN_LENGTH` score at most this, below any sensible link threshold."""
STRONG_FUZZY = 0.9
"""Word search is tried first; trigram search (slower, typo-tolerant) only when it found nothing this good."""
SCORES: dict[str, float] = {"code": 0.95, "exact": 1.0, "alias": 0.98, "acronym": 0.9, "acronym_shared": 0.7}
"""Scores of the rule-based matches; fuzzy matches score their string similarity."""


@dataclass(frozen=True)
class StoreInfo:
    path: Path
    records: int
    source: str
    loaded_at: str
    skipped: list[str]
    """Records not stored (duplicate ids), one line each."""


def build_store(records: Iterable[Reference], path: Path, source: str) -> StoreInfo:
    """Write `records` into a new store at `path`, replacing any old one atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    temporary.unlink(missing_ok=True)
    skipped: list[str] = []
    count = 0
    connection = sqlite3.connect(temporary)
    try:
        connection.executescript(SCHEMA)
        seen: set[str] = set()
        for record in records:
            if record.id in seen:
                skipped.append(f"{record.id}: duplicate id, first kept")
                continue
            seen.add(record.id)
            count += 1
            _insert(connection, count, record)
        loaded_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        connection.executemany(
            "INSERT INTO meta VALUES (?, ?)", [("source", source), ("loaded_at", loaded_at), ("records", str(count))]
        )
        connection.executescript(INDEXES)
        connection.commit()
    except BaseException:
        connection.close()
        temporary.unlink(missing_ok=True)
        raise
    connection.close()
    os.replace(temporary, path)
    return StoreInfo(path, count, source, loaded_at, skipped)


def _insert(connection: sqlite3.Connection, rowid: int, record: Reference) -> None:
    connection.execute(
        "INSERT INTO records VALUES (?, ?, ?, ?, ?, ?)",
        (rowid, record.id, record.kind, record.name, json.dumps(record.aliases), json.dumps(record.attributes)),
    )
    keys: dict[str, int] = {}
    for position, key in enumerate(name_keys(record.name)):
        keys.setdefault(key, 0 if position == 0 else 1)
    for alias in record.aliases:
        for key in name_keys(alias):
            keys.setdefault(key, 1)
    for key, is_alias in keys.items():
        connection.execute("INSERT INTO names VALUES (?, ?, ?)", (key, rowid, is_alias))
        connection.execute("INSERT INTO words_fts (key, record) VALUES (?, ?)", (key, rowid))
        connection.execute("INSERT INTO trigrams_fts (key, record) VALUES (?, ?)", (key, rowid))
    initials = {acronym(key) for key in keys} - {""}
    connection.executemany("INSERT INTO acronyms VALUES (?, ?)", [(initial, rowid) for initial in initials])
    codes = {normalise_code(code) for code in code_values(record)} - {""}
    connection.executemany("INSERT INTO codes VALUES (?, ?)", [(code, rowid) for code in codes])


class SqliteRetriever(Retriever):
    """Lookups in a store file written by `build_store`; thread-safe, follows atomic reloads."""

    name = "sqlite"

    def __init__(self, path: Path) -> None:
        if not path.is_file():
            raise FinxError(f"no reference store at {path}", hint="load one with `finx refs load FORMAT PATH`")
        self.path = path
        self._local = threading.local()

    # connections ----------------------------------------------------------------------------
    def _connection(self) -> sqlite3.Connection:
        """This thread's connection, reopened if the store file was replaced since it was opened."""
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            raise FinxError(f"the reference store {self.path} was removed") from None
        identity = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        local = self._local
        if getattr(local, "identity", None) != identity:
            if getattr(local, "connection", None) is not None:
                local.connection.close()
            local.connection = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
            local.identity = identity
        return local.connection

    def info(self) -> dict[str, str]:
        return dict(self._connection().execute("SELECT key, value FROM meta").fetchall())

    # lookup ---------------------------------------------------------------------------------
    def lookup(self, query: str, kind: str = "", k: int = 5) -> list[Reference]:
        if not query.strip():
            raise FinxError("empty lookup query")
        if k < 1:
            raise FinxError(f"k must be at least 1, got {k}")
        connection = self._connection()
        best: dict[int, tuple[float, MatchMethod]] = {}

        def offer(record: int, score: float, method: MatchMethod) -> None:
            if record not in best or best[record][0] < score:
                best[record] = (score, method)

        stripped = query.strip()
        if kind == "ticker" or CODE_SHAPE.match(stripped):
            for (record,) in connection.execute("SELECT record FROM codes WHERE code = ?", (normalise_code(stripped),)):
                offer(record, 1.0 if kind == "ticker" else SCORES["code"], "code")
        if kind != "ticker":
            self._match_names(connection, lookup_key(stripped), offer)
        if not best:
            return []
        return self._records(connection, best, kind, k)

    def _match_names(self, connection: sqlite3.Connection, key: str, offer: Any) -> None:
        if not key:
            return
        matched: set[int] = set()
        for record, is_alias in connection.execute("SELECT record, is_alias FROM names WHERE key = ?", (key,)):
            offer(record, SCORES["alias"] if is_alias else SCORES["exact"], "alias" if is_alias else "exact")
            matched.add(record)
        if " " not in key and 2 <= len(key) <= 6:
            holders = [row[0] for row in connection.execute("SELECT record FROM acronyms WHERE acronym = ?", (key,))]
            for record in holders:
                offer(record, SCORES["acronym"] if len(holders) == 1 else SCORES["acronym_shared"], "acronym")
                matched.add(record)
        words = " OR ".join(f'"{word}"' for word in sorted(set(key.split())))
        best_fuzzy = self._fuzzy(connection, "words_fts", words, key, matched, offer)
        if not matched and best_fuzzy < STRONG_FUZZY:
            trigrams = " OR ".join(f'"{key[i : i + 3]}"' for i in range(len(key) - 2))
            if trigrams:
                self._fuzzy(connection, "trigrams_fts", trigrams, key, matched, offer)

    @staticmethod
    def _fuzzy(
        connection: sqlite3.Connection, table: str, match: str, key: str, matched: set[int], offer: Any
    ) -> float:
        """Score the BM25 top candidates of `match` by string similarity; returns the best score."""
        rows = connection.execute(
            f"SELECT record, key FROM {table} WHERE {table} MATCH ? ORDER BY rank LIMIT ?", (match, FUZZY_CANDIDATES)
        )
        best = 0.0
        for record, candidate in rows:
            if record in matched:
                continue
            similarity = max(fuzz.ratio(key, candidate), fuzz.token_sort_ratio(key, candidate)) / 100
            if min(len(key), len(candidate)) < FUZZY_MIN_LENGTH:
                similarity = min(similarity, SHORT_FUZZY_CAP)
            offer(record, round(similarity, 3), "fuzzy")
            best = max(best, similarity)
        return best

    @staticmethod
    def _records(
        connection: sqlite3.Connection, best: dict[int, tuple[float, MatchMethod]], kind: str, k: int
    ) -> list[Reference]:
        placeholders = ",".join("?" * len(best))
        rows = connection.execute(
            f"SELECT rowid, id, kind, name, aliases, attributes FROM records WHERE rowid IN ({placeholders})",
            list(best),
        ).fetchall()
        references = [
            Reference(
                id=record_id,
                kind=record_kind,
                name=name,
                aliases=json.loads(aliases),
                attributes=json.loads(attributes),
                score=best[rowid][0],
                method=best[rowid][1],
            )
            for rowid, record_id, record_kind, name, aliases, attributes in rows
            if kind in ("", "ticker") or record_kind == kind
        ]
        references.sort(key=lambda reference: (-reference.score, len(reference.name), reference.id))
        return references[:k]

    def close(self) -> None:
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None
