"""Row spans: the lines of a text one table row may be read from (`values.rows`)."""

import pytest

from finx.values.rows import is_row_line, row_spans


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("1  Croissant  2.75", True),
        ("Total GBP  24.86", True),
        ("2 BAKPAO BKR C  42,000", True),
        ("Kaffee 3,10 €", True),
        ("MILCH 1,5%   1,09 B", True),  # a tax code after the amount
        ("BANANAS  0.59 F*", True),
        ("Coffee  3.10 EUR", True),
        ("Apples  1 KG", False),
        ("  5 @ 0.19", False),  # a detail line: no word
        ("2 x 15,000", False),
        ("  5 Stk x 0,30", False),  # a detail line: count, unit, price
        ("2 kg x 1.20 EUR  2.40", False),
        ("2 x Coffee  6.00", True),
        ("CRISPY", False),
        ("Table 7   Server: Amy", False),
        ("049294001056 2X4-8 STUD <A>", False),
        ("Item 12", False),  # a bare count is no amount
    ],
)
def test_a_row_line_holds_a_word_and_ends_with_an_amount(line: str, expected: bool) -> None:
    assert is_row_line(line) is expected


def test_a_row_span_holds_at_most_one_row_line_and_three_lines() -> None:
    text = "\n".join(
        [
            "HOME DEPOT",  # 0
            "049294001056 2X4-8 STUD <A>",  # 1
            "    6 @ 3.98   23.88",  # 2 (no word: not a row line)
            "DECK SCREWS 5LB   29.97",  # 3
            "CRISPY",  # 4
            "WOOD GLUE   5.48",  # 5
            "TOTAL   59.33",  # 6
        ]
    )
    lines = text.split("\n")
    assert row_spans(text) == [
        "\n".join(lines[0:3]),
        "\n".join(lines[1:4]),
        "\n".join(lines[2:5]),
        "\n".join(lines[4:6]),
        lines[6],
    ]


def test_a_text_without_row_lines_has_no_row_spans() -> None:
    assert row_spans("Description\nCroissant\nEggs Benedict\nAmount\n2,75\n9,50") == []
    assert row_spans("") == []
