"""The synthetic generator: reproducible, every kind present, labels exactly as the text shows them."""

from finx.training.synthetic import generate
from finx.values.grounding import ground


def test_same_seed_same_documents_other_seed_other_documents():
    first = [(e.text, e.target) for e in generate(12, seed=3)]
    assert first == [(e.text, e.target) for e in generate(12, seed=3)]
    assert first != [(e.text, e.target) for e in generate(12, seed=4)]


def test_every_label_is_an_exact_substring_of_its_document():
    examples = generate(80, seed=11)
    assert {e.schema.name for e in examples} == {"invoice", "entities"}
    for example in examples:
        for source in ground(example.text, example.target):
            assert source.match == "exact", (example.id, source.path, source.value)


def test_entities_documents_cover_all_seven_types():
    covered = set()
    for example in generate(40, seed=5):
        if example.schema.name == "entities":
            covered |= {name for name, items in example.target.items() if items}
    assert covered == {"org", "person", "location", "ticker", "money", "date", "percent"}
