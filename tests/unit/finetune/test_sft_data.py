"""Training records: chunk targets keep what occurs in the chunk; prompt tokens masked, answer trained."""

import pytest

from finx.config import ExtractionPolicy
from finx.extraction.prompt import target_json
from finx.schemas import get_schema
from finx.training.examples import make_example
from finx.training.sft_data import (
    ChunkSettings,
    build_records,
    chunk_target,
    completion_tokens,
    date_in_text,
    duration_in_text,
    value_spans,
)


@pytest.mark.parametrize(
    ("value", "text", "found"),
    [
        ("2021-03-01", "entered into as of March 1, 2021 by", True),
        ("2021-03-01", "made this 1st day of March, 2021", True),
        ("2021-03-01", "dated 03/01/2021", True),
        ("2021-03-01", "dated 1 Mar. 2021", True),
        ("2021-03-01", "dated March 2, 2021", False),
        ("not a date", "March 1, 2021", False),
    ],
)
def test_date_in_text(value, text, found):
    assert date_in_text(value, text) is found


@pytest.mark.parametrize(
    ("value", "text", "found"),
    [
        ("2 years", "for a period of two (2) years from", True),
        ("3 years", "survive for 3 years.", True),
        ("18 months", "an eighteen month term", True),
        ("18 months", "an eighteen year term", False),
        ("2 years", "for 5 years", False),
    ],
)
def test_duration_in_text(value, text, found):
    assert duration_in_text(value, text) is found


def test_chunk_target_keeps_only_values_seen_in_the_chunk():
    schema = get_schema("nda").json_schema
    target = {
        "parties": ["Bluefin Corp", "Oceanic LLC"],
        "jurisdiction": "New York",
        "effective_date": "2021-03-01",
        "term": "2 years",
    }
    chunk = "between Bluefin Corp and others, effective March 1, 2021."
    assert chunk_target(schema, target, chunk) == {
        "parties": ["Bluefin Corp"],
        "jurisdiction": None,
        "effective_date": "2021-03-01",
        "term": None,
    }


def test_a_chunk_is_taught_the_governing_law_only_where_it_writes_it_after_its_cue():
    schema = get_schema("nda").json_schema
    target = {"parties": [], "jurisdiction": "Delaware", "effective_date": None, "term": None}
    preamble = "between Bluefin Corp, a Delaware corporation, and Oceanic LLC."
    clause = "This Agreement shall be governed by and construed under the laws of the State of Delaware."
    assert chunk_target(schema, target, preamble)["jurisdiction"] is None
    assert chunk_target(schema, target, clause)["jurisdiction"] == "Delaware"


class WordTokenizer:
    """Whitespace tokens with offsets; a chat template that is easy to see in ids."""

    eos_token = "<eos>"

    def __init__(self):
        self.vocab: dict[str, int] = {}

    def _id(self, word):
        return self.vocab.setdefault(word, len(self.vocab) + 1)

    def __call__(self, text, add_special_tokens=False, return_offsets_mapping=False):
        import re

        spans = [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]
        out = {"input_ids": [self._id(text[s:e]) for s, e in spans]}
        if return_offsets_mapping:
            out["offset_mapping"] = spans
        return out

    def apply_chat_template(self, messages, add_generation_prompt, tokenize):
        text = " ".join(m["role"] + ": " + m["content"] for m in messages) + " assistant:"
        return self(text)["input_ids"]


def test_records_mask_the_prompt_and_train_the_answer_with_end_of_turn():
    tokenizer = WordTokenizer()
    example = make_example(
        "x",
        get_schema("receipt"),
        "SHOP A TOTAL 9.00",
        {"company": "SHOP A", "date": None, "address": None, "total": "9.00"},
    )
    (record,) = build_records(
        [example], tokenizer, ChunkSettings(ExtractionPolicy(chunk_tokens=100, chunk_overlap_tokens=10))
    )
    mask = record["completion_mask"]
    assert len(mask) == len(record["input_ids"])
    answer = mask.index(1)
    assert set(mask[:answer]) == {0} and set(mask[answer:]) == {1}
    words = {token_id: word for word, token_id in tokenizer.vocab.items()}
    answer_text = " ".join(words[token_id] for token_id in record["input_ids"][answer:])
    assert answer_text == '{"company":"SHOP A","date":null,"address":null,"total":"9.00"}<eos>'
    assert words[record["input_ids"][answer - 1]] == "assistant:"


class CharTokenizer(WordTokenizer):
    """One token per character, with offsets: a loss mask can be read character by character."""

    def __call__(self, text, add_special_tokens=False, return_offsets_mapping=False):
        out = {"input_ids": [self._id(char) for char in text]}
        if return_offsets_mapping:
            out["offset_mapping"] = [(index, index + 1) for index in range(len(text))]
        return out


def test_values_of_unlabelled_fields_carry_no_loss_and_every_other_answer_token_does():
    tokenizer = CharTokenizer()
    target = {"company": None, "date": None, "address": None, "total": "9.00"}
    example = make_example(
        "x", get_schema("receipt"), "TOTAL 9.00", target, unlabelled=frozenset({"company", "address"})
    )
    (record,) = build_records(
        [example], tokenizer, ChunkSettings(ExtractionPolicy(chunk_tokens=100, chunk_overlap_tokens=10))
    )
    answer = '{"company":null,"date":null,"address":null,"total":"9.00"}<eos>'
    mask = record["completion_mask"][-len(answer) :]
    trained = "".join(char if bit else "_" for char, bit in zip(answer, mask, strict=True))
    assert trained == '{"company":____,"date":null,"address":____,"total":"9.00"}<eos>'
    assert set(record["completion_mask"][: -len(answer)]) == {0}


def test_a_token_that_straddles_an_unlabelled_value_carries_no_loss():
    target = {"vendor": None, "total": "9.00"}
    assert [target_json(target)[a:b] for a, b in value_spans(target, {"vendor"})] == ["null"]
    # WordTokenizer: the whole answer is one token, and it overlaps the unlabelled value
    ids, mask = completion_tokens(WordTokenizer(), target, {"vendor"}, "<eos>")
    assert (len(ids), mask) == (1, [0])
    assert completion_tokens(WordTokenizer(), target, set(), "<eos>")[1] == [1]


def test_long_examples_become_chunk_records_with_chunk_targets():
    tokenizer = WordTokenizer()
    text = " ".join(["filler"] * 150) + " Bluefin Corp signs. " + " ".join(["filler"] * 150)
    target = {"parties": ["Bluefin Corp"], "jurisdiction": None, "effective_date": None, "term": None}
    example = make_example("long", get_schema("nda"), text, target)
    records = build_records(
        [example],
        tokenizer,
        ChunkSettings(ExtractionPolicy(chunk_tokens=100, chunk_overlap_tokens=10), empty_chunk_fraction=1.0),
    )
    assert len(records) == 4
    with_party = [r for r in records if tokenizer.vocab.get('{"parties":["Bluefin') in r["input_ids"]]
    assert len(with_party) == 1


def test_chunks_without_a_single_value_are_kept_at_their_own_fraction():
    tokenizer = WordTokenizer()
    text = "Effective March 1, 2021 between Bluefin Corp and Oceanic LLC. " + " ".join(["filler"] * 200)
    text += " Signed: Bluefin Corp"
    target = {"parties": ["Bluefin Corp"], "jurisdiction": None, "effective_date": "2021-03-01", "term": None}
    example = make_example("long", get_schema("nda"), text, target)
    policy = ExtractionPolicy(chunk_tokens=100, chunk_overlap_tokens=10)

    def answers(fraction):
        records = build_records(
            [example], tokenizer, ChunkSettings(policy, empty_chunk_fraction=0.0, scalar_free_chunk_fraction=fraction)
        )
        words = {token_id: word for word, token_id in tokenizer.vocab.items()}
        return [" ".join(words[i] for i in r["input_ids"][r["completion_mask"].index(1) :]) for r in records]

    # all kept: the dated first chunk, and the signature chunk that names only a party
    assert len(answers(1.0)) == 2
    assert answers(0.0) == [
        '{"parties":["Bluefin Corp"],"jurisdiction":null,"effective_date":"March 1, 2021","term":null}<eos>'
    ]


def test_entity_schemas_keep_their_chunks_whatever_the_scalar_fraction():
    tokenizer = WordTokenizer()
    text = " ".join(f"Acme{i} Corp filler filler" for i in range(60))
    target = {"org": [f"Acme{i} Corp" for i in range(0, 60, 5)][:24], "person": [], "location": []}
    example = make_example("news", get_schema("entities:ORG,PERSON,LOCATION"), text, target)
    policy = ExtractionPolicy(chunk_tokens=100, chunk_overlap_tokens=10, list_chunk_tokens=60)
    kept = build_records([example], tokenizer, ChunkSettings(policy, 0.0, scalar_free_chunk_fraction=0.0))
    assert len(kept) == len(build_records([example], tokenizer, ChunkSettings(policy, 0.0, 1.0)))
    assert kept
