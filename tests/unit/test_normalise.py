"""The normalisers: written values -> canonical ones, table-driven, and the reverse search for training."""

import pytest

from finx.values.normalise import (
    canonical_party_name,
    find_written,
    normalise_amount,
    normalise_date,
    normalise_duration,
    written_number,
)

DATES = [
    ("April 18, 2001", "2001-04-18"),
    ("April 18th, 2001", "2001-04-18"),
    ("APRIL 18 , 2001", "2001-04-18"),
    ("Apr. 18 2001", "2001-04-18"),
    ("Sept 1, 2020", "2020-09-01"),
    ("18 April 2001", "2001-04-18"),
    ("18th day of April, 2001", "2001-04-18"),
    ("the 18th day of April 2001", "2001-04-18"),
    ("18-Apr-2001", "2001-04-18"),
    ("18 Apr 01", "2001-04-18"),
    ("2001-04-18", "2001-04-18"),
    ("2001/4/18", "2001-04-18"),
    ("20010418", "2001-04-18"),
    ("04/18/2001", "2001-04-18"),
    ("4.18.01", "2001-04-18"),
    ("18/04/2001", "2001-04-18"),
    ("18.04.2001", "2001-04-18"),
    ("03/04/2001", "2001-03-04"),  # ambiguous: month first (US)
    ("25/12/18", "2018-12-25"),
    ("12-31-99", "1999-12-31"),
    ("February 30, 2020", None),
    ("13/13/2001", None),
    ("the date first written above", None),
    ("", None),
]


@pytest.mark.parametrize(("written", "canonical"), DATES, ids=[d[0] or "empty" for d in DATES])
def test_dates(written: str, canonical: str | None) -> None:
    assert normalise_date(written) == canonical


DURATIONS = [
    ("two (2) years", "2 years"),
    ("2 years", "2 years"),
    ("one (1) year", "1 year"),
    ("a year", "1 year"),
    ("one-year", "1 year"),
    ("24 months", "24 months"),
    ("eighteen (18) months", "18 months"),
    ("thirty-six months", "36 months"),
    ("forty-eight months", "48 months"),
    ("twenty-a months", None),
    ("6 mos.", "6 months"),
    ("3 yrs", "3 years"),
    ("55.5 months", "55.5 months"),
    ("ninety (90) days", "90 days"),
    ("1 week", "1 week"),
    ("year", None),
    ("several years", None),
]


@pytest.mark.parametrize(("written", "canonical"), DURATIONS, ids=[d[0] for d in DURATIONS])
def test_durations(written: str, canonical: str | None) -> None:
    assert normalise_duration(written) == canonical


AMOUNTS = [
    ("9.00", "9.00"),
    ("RM9.00", "9.00"),
    ("RM 9.00", "9.00"),
    ("$1,234,567", "1234567"),
    ("1,234.50", "1234.50"),
    ("1.234,50", "1234.50"),
    ("USD 1 234.00", "1234.00"),
    ("1'234.00", "1234.00"),
    ("12,5", "12.5"),
    ("1,234", "1234"),
    ("€ 0.99", "0.99"),
    ("(12.00)", "-12.00"),
    ("-$3", "-3"),
    ("£-3.20", "-3.20"),
    ("abc", None),
    ("-", None),
]


NUMBERS = [
    ("1.234,50", True),
    ("RM9.00", True),
    ("120,000円", True),
    ("38,900-", True),
    ("(12.00)", True),
    ("2 000,00", True),
    ("$240.00", True),
    ("COLD FRAPE", False),
    ("3 TELUR 72,000", False),
    ("2 x 15,000", False),
    ("1X 7,500", False),
    ("21%", False),
    ("600ML", False),
    ("5LB", False),
    ("1.5 kg", False),
    ("500G", False),
    ("12PCS", False),
    ("6P", False),  # a pack of six
    ("48+", False),  # a cheese's fat grade
    ("200gr", False),
    ("$7.50/kg", True),
    ("TOTAL 47,499", False),
    ("-", False),
    ("1.234.567,89", True),
    ("12,34,567.00", True),  # Indian grouping
    ("14.11.2024", False),  # a date
    ("1,2,3", False),
    ("12.34,56", False),
]


@pytest.mark.parametrize(("written", "reads"), NUMBERS, ids=[n[0] for n in NUMBERS])
def test_a_number_is_kept_as_written_or_has_no_reading(written: str, reads: bool) -> None:
    assert written_number(written) == (written if reads else None)


@pytest.mark.parametrize(
    ("written", "kept"),
    [
        ("RM 9.00", "9.00"),
        ("Rp. 22.000", "22.000"),
        ("$ 735.00", "735.00"),
        ("USD 1,234.00", "1,234.00"),
        ("€ -5,00", "-5,00"),
    ],
)
def test_a_currency_mark_printed_apart_before_a_number_is_not_kept(written: str, kept: str) -> None:
    assert written_number(written) == kept


@pytest.mark.parametrize(
    ("written", "kept"),
    [("1,09 B", "1,09"), ("5.99 S", "5.99"), ("26.00 *", "26.00"), ("1.50- A", "1.50-"), ("38,900 CR", "38,900 CR")],
)
def test_a_tax_class_printed_apart_after_a_number_is_not_kept(written: str, kept: str) -> None:
    assert written_number(written) == kept


@pytest.mark.parametrize(("written", "canonical"), AMOUNTS, ids=[a[0] for a in AMOUNTS])
def test_amounts(written: str, canonical: str | None) -> None:
    assert normalise_amount(written) == canonical


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("NIKE, Inc.", "NIKE Inc."),
        ("Heidrick & Struggles, Inc.", "Heidrick and Struggles Inc."),
        ("A  B\nC", "A B C"),
        (" , ", None),
    ],
)
def test_names(written: str, canonical: str | None) -> None:
    assert canonical_party_name(written) == canonical


def test_find_written_returns_the_span_that_normalises_to_the_label() -> None:
    text = "This Agreement is made as of April 18 ,\n2001 and lasts for a period of two (2) years from then."
    assert find_written("date", "2001-04-18", text) == "April 18 , 2001"
    assert find_written("duration", "2 years", text) == "two (2) years"
    assert find_written("date", "2001-04-19", text) is None


@pytest.mark.parametrize(
    ("name", "document", "expected"),
    [
        pytest.param(
            "Intercept Pharmaceuticals Inc",
            "INTERCEPT PHARMACEUTICALS, INC. (the Company)",
            "Intercept Pharmaceuticals Inc.",
            id="period-after-a-comma-dropped",
        ),
        pytest.param("Acme Corp", "between Acme\nCorp. and", "Acme Corp.", id="over-a-line-break"),
        pytest.param(
            "Tyco Healthcare Group L.P",
            "Tyco Healthcare Group L.P. hereby",
            "Tyco Healthcare Group LP",
            id="dotted-form-as-its-acronym",
        ),
        pytest.param(
            "One Equity Partners IV L",
            "and One Equity Partners IV, L.P., a Delaware limited partnership",
            "One Equity Partners IV LP",
            id="cut-in-a-dotted-form",
        ),
        pytest.param(
            "Z Capital Partners L.L",
            "Z Capital Partners L.L.C ., a Delaware company; Z Capital Partners L.L .C .",
            "Z Capital Partners LLC",
            id="cut-in-a-spaced-dotted-form",
        ),
        pytest.param("Lone Star U", "Lone Star U.S. Acquisitions", "Lone Star U.S.", id="cut-in-an-abbreviation"),
        pytest.param("Nancy E", "signed by Nancy E. Funkhouser", "Nancy E", id="an-initial-is-no-cut"),
        pytest.param("Acme Inc", "Acme Inc shall", "Acme Inc.", id="a-bare-form-takes-its-period"),
        pytest.param(
            "VistaPrint USA Incorporated",
            "VistaPrint USA, Incorporated",
            "VistaPrint USA Inc.",
            id="a-form-written-out-is-abbreviated",
        ),
        pytest.param("XYRATEX LIMITED", "XYRATEX LIMITED", "XYRATEX LTD.", id="in-the-case-it-was-written"),
        pytest.param(
            "Calpine Corporation", "Calpine Corporation. The", "Calpine Corporation", id="not-an-abbreviation"
        ),
        pytest.param("John Co", "John Cooper.", "John Co", id="a-word-that-goes-on"),
        pytest.param(
            "OTSUKA PHARMACEUTICAL CO.",
            "and OTSUKA PHARMACEUTICAL CO. LTD. a JAPANESE CORPORATION",
            "OTSUKA PHARMACEUTICAL CO. LTD.",
            id="the-legal-form-written-after-it",
        ),
        pytest.param(
            "Leonard Green and Partners",
            "LEONARD GREEN & PARTNERS\nSigned for Leonard Green & Partners, L.P., a Limited Partnership",
            "Leonard Green and Partners LP",
            id="after-one-of-its-places-and-for-&",
        ),
        pytest.param("Acme Holdings", "Acme Holdings Limited-Liability", "Acme Holdings", id="a-word-not-a-form"),
        pytest.param("Interclick Inc.", "Interclick, Inc., Inc. (the Company)", "Interclick Inc.", id="no-form-twice"),
        pytest.param(
            "Louis Dreyfus Commodities LLC.",
            "between Acme and Louis Dreyfus Commodities LLC. The parties",
            "Louis Dreyfus Commodities LLC",
            id="an-acronym-without-the-sentence-s-full-stop",
        ),
        pytest.param("Beta LLC", "Beta LLC. The parties", "Beta LLC", id="no-period-added-to-an-acronym"),
        pytest.param(
            "J.F. Lehman and Company's (",
            'In connection with J.F. Lehman & Company\'s ("you")',
            "J.F. Lehman and Company",
            id="without-the-possessive-and-bracket-it-ran-into",
        ),
        pytest.param("McDonald's Corporation", "McDonald's Corporation", "McDonald's Corporation", id="inner-'s"),
        pytest.param("Macy's", "between Macy's and Acme", "Macy's", id="a-name-ending-in-'s"),
    ],
)
def test_a_party_name_is_made_whole_with_the_legal_form_the_document_writes(name, document, expected):
    from finx.values.normalise import whole_party_name

    assert whole_party_name(name, document) == expected
