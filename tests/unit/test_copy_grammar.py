"""Copy-grounded decoding: what the grammar lets a model write, checked with llguidance's matcher.

Each candidate output is tokenized with the real model's tokenizer and fed to the matcher token by
token, exactly as constrained decoding does: text that is not in the document cannot be produced.
"""

import json
from typing import Any

import pytest

from finx.engines.copy_grammar import copy_grammar, text_chunks
from finx.schemas import custom_schema, get_schema
from tests.support.tokenizers import guidance_tokenizer, tokenizer

pytestmark = pytest.mark.model

RECEIPT_TEXT = """BOOK TA .K (TAMAN DAYA) SDN BHD
NO.53 55,57 & 59, JALAN SAGU 18,
TAMAN DAYA,   81100 JOHOR BAHRU
TOTAL:\tRM9.00
Date 25/12/2018  said "hi" at C:\\temp\x07
"""


def accepts(grammar: str, output: str) -> bool:
    import llguidance

    matcher = llguidance.LLMatcher(guidance_tokenizer(), grammar)
    assert not matcher.is_error(), matcher.get_error()
    return matcher.consume_tokens(tokenizer().encode(output, add_special_tokens=False)) and matcher.is_accepting()


def receipt(company: Any = None, date: Any = None, address: Any = None, total: Any = None) -> str:
    fields = {"company": company, "date": date, "address": address, "total": total}
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":"))


RECEIPT_CASES = [
    ("all null", receipt(), True),
    ("whole line", receipt(company="BOOK TA .K (TAMAN DAYA) SDN BHD"), True),
    (
        "value across lines, one space per whitespace run",
        receipt(address="NO.53 55,57 & 59, JALAN SAGU 18, TAMAN DAYA, 81100 JOHOR BAHRU"),
        True,
    ),
    ("number inside a word", receipt(total="9.00"), True),
    ("a date the text prints", receipt(date="25/12/2018"), True),
    ("text of the document that is no date, in the date", receipt(date="JOHOR BAHRU"), False),
    ("a part of a printed date", receipt(date="12/2018"), False),
    ("number with its currency", receipt(total="RM9.00"), True),
    ("quotes and backslashes escaped", receipt(company='said "hi" at C:\\temp'), True),
    ("absent value", receipt(total="10.00"), False),
    ("absent word", receipt(company="BOOK TA SDN BHD"), False),
    ("starts inside a word", receipt(company="OOK TA"), False),
    ("newline kept as written", receipt(address="JALAN SAGU 18,\nTAMAN DAYA"), False),
    ("two spaces where the text has a run", receipt(address="TAMAN DAYA,  81100"), False),
    ("empty string", receipt(total=""), False),
    ("control character", receipt(company="C:\\temp\u0007"), False),
    ("JSON whitespace", receipt().replace(":", ": "), False),
    ("at maxLength", receipt(total="BOOK TA .K (TAMAN DAYA) SDN BHD NO.53 55"), True),
    ("over maxLength", receipt(total="BOOK TA .K (TAMAN DAYA) SDN BHD NO.53 55,57"), False),
]


@pytest.mark.parametrize(("output", "allowed"), [c[1:] for c in RECEIPT_CASES], ids=[c[0] for c in RECEIPT_CASES])
def test_receipt_values_come_from_the_document(output: str, allowed: bool) -> None:
    assert accepts(copy_grammar(get_schema("receipt").json_schema, RECEIPT_TEXT), output) is allowed


def test_lists_keep_their_bounds_and_normalised_fields_are_copied_as_written() -> None:
    text = "Mutual NDA between ACME, Inc. and Beta LLC, effective April 18, 2001, for two (2) years. New York law."
    grammar = copy_grammar(get_schema("nda").json_schema, text)
    good = {
        "parties": ["ACME, Inc.", "Beta LLC"],
        "jurisdiction": "New York",
        "effective_date": "April 18, 2001",
        "term": "two (2) years",
    }
    assert accepts(grammar, json.dumps(good, separators=(",", ":")))
    assert not accepts(grammar, json.dumps({**good, "effective_date": "2001-04-18"}, separators=(",", ":")))
    assert not accepts(grammar, json.dumps({**good, "parties": ["Beta LLC"] * 9}, separators=(",", ":")))
    assert accepts(grammar, json.dumps({**good, "parties": ["Beta LLC"] * 8}, separators=(",", ":")))


def test_free_strings_numbers_and_enums_follow_the_json_schema() -> None:
    schema = custom_schema(
        {
            "type": "object",
            "properties": {
                "name": {"type": "string", "maxLength": 20, "x-finx-source": "copy"},
                "comment": {"type": "string", "maxLength": 5},
                "count": {"type": "integer"},
                "price": {"type": ["number", "null"]},
                "kind": {"enum": ["a", "b"]},
                "flag": {"type": "boolean"},
                "tags": {
                    "type": "array",
                    "items": {"type": "string", "x-finx-source": "copy"},
                    "minItems": 1,
                    "maxItems": 2,
                },
            },
            "required": ["name", "comment", "count", "price", "kind", "flag", "tags"],
        }
    ).json_schema
    grammar = copy_grammar(schema, "Alpha Beta gamma")

    def output(**changes: Any) -> str:
        value = {
            "name": "Beta",
            "comment": "anyth",
            "count": -3,
            "price": 1.5e3,
            "kind": "b",
            "flag": True,
            "tags": ["gamma"],
        }
        return json.dumps(value | changes, separators=(",", ":"))

    assert accepts(grammar, output())
    assert accepts(grammar, output(price=None, tags=["Alpha", "Beta gamma"]))
    assert not accepts(grammar, output(comment="too long"))
    assert not accepts(grammar, output(count=1.5))
    assert not accepts(grammar, output(kind="c"))
    assert not accepts(grammar, output(tags=[]))
    assert not accepts(grammar, output(tags=["Alpha", "Beta", "gamma"]))
    assert not accepts(grammar, output(name="Delta"))


def test_text_chunks_split_words_numbers_and_whitespace_runs() -> None:
    assert text_chunks('RM9.00\n\n TOTAL "x"\\\t') == [
        "RM",
        "9",
        ".",
        "00",
        " ",
        "TOTAL",
        " ",
        '\\"',
        "x",
        '\\"',
        "\\\\",
    ]
