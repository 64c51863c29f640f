"""Adapter registry on real folders, and the retrain gate with training and evaluation isolated."""

import json
import threading
from dataclasses import replace

import pytest

import finx.adapters.registry as registry_module
import finx.training.retrain as retrain_module
from finx.adapters.registry import AdapterRegistry, CurrentChanged
from finx.errors import AdapterNotFound, FinxError
from finx.training.examples import load_examples
from finx.training.retrain import hold_back, noise_floors, retrain, should_promote
from tests.unit.finetune.test_examples_and_importers import FORMATS


def make_adapter(folder, tag):
    folder.mkdir(parents=True)
    (folder / "adapter_config.json").write_text(json.dumps({"tag": tag}))
    (folder / "adapter_model.safetensors").write_bytes(tag.encode())
    return folder


@pytest.fixture
def registry(tmp_path):
    return AdapterRegistry(tmp_path / "registry", seed=make_adapter(tmp_path / "shipped", "shipped"))


def test_empty_registry_is_seeded_with_the_shipped_adapter(registry):
    assert registry.current_version() == "v0001"
    assert (registry.current_path() / "adapter_model.safetensors").read_bytes() == b"shipped"
    assert [m.version for m in registry.manifests()] == ["v0001"]


def test_register_promote_rollback(registry, tmp_path):
    manifest = registry.register(
        make_adapter(tmp_path / "new", "new"), "v0001", "finx retrain", {"n": 1}, {"dev": {"a": 0.5}}
    )
    assert manifest.version == "v0002" and registry.current_version() == "v0001"
    assert registry.manifest("v0002").parent == "v0001"
    registry.promote("v0002")
    assert registry.current_version() == "v0002"
    assert registry.rollback() == "v0001" and registry.current_version() == "v0001"
    with pytest.raises(FinxError, match="nothing to roll back to"):
        registry.rollback()
    with pytest.raises(AdapterNotFound):
        registry.promote("v0042")


def test_a_new_shipped_adapter_replaces_a_shipped_current_one_but_never_an_owner_promotion(tmp_path):
    shipped = make_adapter(tmp_path / "shipped", "release-1")
    registry = AdapterRegistry(tmp_path / "registry", seed=shipped)
    assert registry.current_version() == "v0001"
    (shipped / "adapter_model.safetensors").write_bytes(b"release-2")  # finx upgrade ships new weights
    assert registry.current_version() == "v0002" and registry.manifest("v0002").shipped_sha256
    owner = registry.register(make_adapter(tmp_path / "owner", "owner"), "v0002", "finx retrain", {}, {})
    registry.promote(owner.version)
    (shipped / "adapter_model.safetensors").write_bytes(b"release-3")
    assert registry.current_version() == owner.version
    assert [m.version for m in registry.manifests()] == ["v0001", "v0002", "v0003", "v0004"]


def test_no_seed_means_no_current_adapter(tmp_path):
    registry = AdapterRegistry(tmp_path / "empty", seed=None)
    assert registry.current_version() is None and registry.current_path() is None


@pytest.mark.parametrize(
    ("current", "candidate", "tolerance", "promote"),
    [
        pytest.param({"a": 0.80, "b": 0.60}, {"a": 0.85, "b": 0.60}, 0.01, True, id="better"),
        pytest.param({"a": 0.80}, {"a": 0.795}, 0.01, True, id="within-tolerance"),
        pytest.param({"a": 0.80, "b": 0.60}, {"a": 0.90, "b": 0.50}, 0.01, False, id="one-dataset-worse"),
        pytest.param({"a": 0.80}, {}, 0.01, False, id="missing-dataset"),
    ],
)
def test_promotion_gate(current, candidate, tolerance, promote):
    assert should_promote(current, candidate, tolerance)[0] is promote


def test_the_reason_names_the_group_and_the_fields_that_dropped():
    current = {"finx-dev/receipt": 0.80, "finx-dev/invoice": 0.50}
    candidate = {"finx-dev/receipt": 0.60, "finx-dev/invoice": 0.52}
    fields = {"finx-dev/receipt": {"company": 0.9, "date": 0.8, "address": 0.7, "total": 0.8}}
    worse = {"finx-dev/receipt": {"company": 0.5, "date": 0.8, "address": 0.2, "total": 0.7}}
    promote, reason = should_promote(current, candidate, 0.01, {}, fields, worse)
    assert not promote
    assert reason == (
        "finx-dev/receipt drops 0.800 -> 0.600 (tolerance 0.01): address 0.70 -> 0.20, company 0.90 -> 0.50, "
        "total 0.80 -> 0.70"
    )


def test_a_schema_may_have_its_own_tolerance():
    current, candidate = {"finx-dev/receipt": 0.80, "held-back/entities:ORG": 0.50}, {"finx-dev/receipt": 0.78}
    candidate["held-back/entities:ORG"] = 0.47
    assert should_promote(current, candidate, 0.01)[0] is False
    assert should_promote(current, candidate, 0.01, {"receipt": 0.03, "entities": 0.05})[0] is True


def numbered_receipts(count):
    good = load_examples(FORMATS / "examples.jsonl").examples[0]
    return [replace(good, id=f"r{index}") for index in range(count)]


@pytest.mark.parametrize(("count", "held"), [(3, 0), (4, 2), (10, 2), (40, 8)])
def test_a_share_of_each_schemas_new_examples_is_held_back_stably(count, held):
    examples = numbered_receipts(count)
    train, held_back, counts = hold_back(examples)
    assert counts == {"receipt": held} and len(held_back) == held and len(train) == count - held
    assert {e.source for e in held_back} <= {"held-back"}
    assert {e.id for e in hold_back(list(reversed(examples)))[1]} == {e.id for e in held_back}  # order-free
    assert {e.id for e in train}.isdisjoint(e.id for e in held_back)


class FakeEngine:
    name = "fake"

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@pytest.fixture
def isolated(monkeypatch, tmp_path):
    """Training writes a dummy adapter; evaluation returns preset scores per adapter tag."""
    scores = {"shipped": 0.70, "candidate": 0.70}

    def fake_train(config, examples):
        adapter = make_adapter(config.output_dir / "adapter", "candidate")
        return adapter

    def fake_evaluate(engine, examples, adapter, options=None):
        tag = json.loads((adapter.path / "adapter_config.json").read_text())["tag"]
        return {"groups": {"finx-dev/invoice": {"entity_f1": None, "field_f1_micro": {"f1": scores[tag]}}}}

    monkeypatch.setenv("FINX_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(retrain_module, "train_main", fake_train)
    monkeypatch.setattr(retrain_module, "evaluate", fake_evaluate)
    monkeypatch.setattr("finx.engines.create_engine", lambda config: FakeEngine())
    return scores


def test_worse_candidate_is_registered_but_not_promoted(registry, isolated):
    isolated["candidate"] = 0.60
    outcome = retrain(FORMATS / "examples.jsonl", registry, dev=FORMATS / "examples.jsonl")
    assert not outcome.promoted and "drops 0.700 -> 0.600" in outcome.reason
    assert outcome.version == "v0002" and registry.current_version() == "v0001"
    assert len(outcome.bad_lines) == 5 and outcome.new_examples == 2


def test_good_candidate_is_promoted_and_its_examples_are_not_used_twice(registry, isolated):
    outcome = retrain(FORMATS / "examples.jsonl", registry, dev=FORMATS / "examples.jsonl")
    assert outcome.promoted and registry.current_version() == "v0002"
    again = retrain(FORMATS / "examples.jsonl", registry, dev=FORMATS / "examples.jsonl")
    assert again.new_examples == 0 and again.duplicates == 2 and again.reason == "no new examples to train on"
    assert registry.current_version() == "v0002"


def test_crash_during_training_leaves_the_registry_unchanged(registry, isolated, monkeypatch):
    def crash(config, examples):
        raise RuntimeError("killed mid-training")

    monkeypatch.setattr(retrain_module, "train_main", crash)
    before = (registry.root / "current.json").read_text() if registry.current_version() else None
    with pytest.raises(RuntimeError, match="killed mid-training"):
        retrain(FORMATS / "examples.jsonl", registry, dev=FORMATS / "examples.jsonl")
    assert (registry.root / "current.json").read_text() == before
    assert [m.version for m in registry.manifests()] == ["v0001"]


@pytest.mark.parametrize(
    "name",
    ["../../../../tmp/x/evil", "/tmp/x/evil", "v0001/../v0001", "versions/v0001", "v1", "V0001", "v0001 ", "v0002"],
)
def test_versions_are_matched_against_the_registry_list_never_joined_as_paths(registry, tmp_path, name):
    evil = make_adapter(tmp_path / "x" / "evil", "evil")
    assert (evil / "adapter_config.json").is_file()
    assert registry.current_version() == "v0001"
    with pytest.raises(AdapterNotFound) as error:
        registry.path(name)
    assert str(registry.root) not in str(error.value)  # the message names no server path
    assert registry.path("v0001").name == "v0001"


def test_concurrent_registrations_get_distinct_versions_and_lose_no_history(registry, tmp_path):
    adapters = [make_adapter(tmp_path / f"a{i}", f"a{i}") for i in range(8)]
    registry.current_version()  # seeded: v0001
    barrier = threading.Barrier(len(adapters))
    versions: list[str] = []

    def register_and_promote(adapter):
        barrier.wait()
        manifest = registry.register(adapter, "v0001", "finx retrain", {}, {})
        registry.promote(manifest.version)
        versions.append(manifest.version)

    threads = [threading.Thread(target=register_and_promote, args=(adapter,)) for adapter in adapters]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(versions) == [f"v{n:04d}" for n in range(2, 10)]
    state = json.loads((registry.root / "current.json").read_text())
    assert sorted([*state["history"], state["version"]]) == [f"v{n:04d}" for n in range(1, 10)]


def test_promotion_is_a_compare_and_swap(registry, tmp_path):
    other = registry.register(make_adapter(tmp_path / "other", "other"), "v0001", "owner", {}, {})
    with pytest.raises(CurrentChanged, match="changed from v0042 to v0001"):
        registry.promote(other.version, expected_current="v0042")
    assert registry.current_version() == "v0001"
    registry.promote(other.version, expected_current="v0001")
    assert registry.current_version() == other.version


def test_an_owner_promotion_made_while_retraining_is_never_overwritten(registry, isolated, monkeypatch, tmp_path):
    owner = registry.register(make_adapter(tmp_path / "owner", "shipped"), "v0001", "owner", {}, {})

    def train_while_the_owner_promotes(config, examples):
        registry.promote(owner.version)
        return make_adapter(config.output_dir / "adapter", "candidate")

    monkeypatch.setattr(retrain_module, "train_main", train_while_the_owner_promotes)
    outcome = retrain(FORMATS / "examples.jsonl", registry, dev=FORMATS / "examples.jsonl")
    assert not outcome.promoted and "changed from v0001 to v0002" in outcome.reason
    assert registry.current_version() == owner.version and outcome.version == "v0003"


def test_retrain_leaves_no_run_folder_behind(registry, isolated, tmp_path):
    retrain(FORMATS / "examples.jsonl", registry, dev=FORMATS / "examples.jsonl")
    assert sorted(path.name for path in registry.root.iterdir()) == [".lock", "current.json", "versions"]
    assert list((tmp_path / "home" / "runs").iterdir()) == []


def test_the_shipped_weights_are_hashed_once_not_on_every_read(registry, monkeypatch):
    calls = []
    real = registry_module.file_sha256
    monkeypatch.setattr(registry_module, "file_sha256", lambda path: calls.append(path) or real(path))
    registry_module._shipped_hashes.clear()
    for _ in range(5):
        registry.current()
        registry.manifests()
    assert len(calls) == 1


def write_receipts(path, targets):
    text = "KEDAI MAJU\nDATE : 04/03/2019\nTOTAL : 30.30"
    lines = [
        json.dumps({"id": f"new-{index}", "schema": "receipt", "text": text, "target": target})
        for index, target in enumerate(targets)
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


GOOD_RECEIPT = {"company": "KEDAI MAJU", "date": "04/03/2019", "address": None, "total": "30.30"}
SCRAMBLED_RECEIPT = {"company": "KEDAI MAJU SDN BHD", "date": "04/03/2019", "address": None, "total": "04/03/2019"}


def test_strict_labels_lists_the_suspicious_labels_and_trains_nothing(registry, isolated, monkeypatch, tmp_path):
    trained = []
    monkeypatch.setattr(retrain_module, "train_main", lambda config, examples: trained.append(examples))
    messages = []
    path = write_receipts(tmp_path / "new.jsonl", [GOOD_RECEIPT, SCRAMBLED_RECEIPT])
    outcome = retrain(path, registry, dev=FORMATS / "examples.jsonl", strict_labels=True, notify=messages.append)
    assert not outcome.promoted and outcome.version is None and trained == []
    assert outcome.reason == "2 suspicious labels (--strict-labels): nothing was trained"
    assert messages == [
        "suspicious label: new-1: receipt.company = 'KEDAI MAJU SDN BHD': not in the document",
        "suspicious label: new-1: receipt.total = '04/03/2019': reads as a date, not an amount",
        "2 suspicious labels in 2 new examples: receipt.company 1, receipt.total 1",
    ]


def test_held_back_examples_are_measured_not_trained_on(registry, isolated, monkeypatch, tmp_path):
    trained, measured = [], []

    def fake_train(config, examples):
        trained.extend(examples)
        return make_adapter(config.output_dir / "adapter", "candidate")

    def fake_evaluate(engine, examples, adapter=None, options=None):
        measured.append(examples)
        return {"groups": {"held-back/receipt": {"entity_f1": None, "field_f1_micro": {"f1": 0.5}, "fields": {}}}}

    monkeypatch.setattr(retrain_module, "train_main", fake_train)
    monkeypatch.setattr(retrain_module, "evaluate", fake_evaluate)
    path = write_receipts(tmp_path / "new.jsonl", [GOOD_RECEIPT] * 10)
    outcome = retrain(path, registry, dev=FORMATS / "examples.jsonl", owner_dev=[FORMATS / "examples.jsonl"])
    assert outcome.held_back == {"receipt": 2} and len(trained) == 8
    held = [e for e in measured[0] if e.source == "held-back"]
    assert len(held) == 2 and {e.id for e in held}.isdisjoint(e.id for e in trained)
    assert [e.id for e in measured[0] if e.source == "owner-dev"] == ["ok-1", "ok-2"]
    assert measured[0] == measured[1]  # current and candidate on the same examples
    assert registry.manifest(outcome.version).data["held_back"] == {"receipt": 2}


def test_no_group_is_refused_for_less_than_its_noise_floor():
    report = {"groups": {
        "finx-dev/receipt": {"entity_f1": None, "field_f1_micro": {"tp": 30, "fp": 5, "fn": 18}},
        "finer-ord/entities": {"entity_f1": {"tp": 150, "fp": 40, "fn": 50}, "field_f1_micro": {"tp": 0, "fn": 0}},
    }}  # fmt: skip
    floors = noise_floors(report)
    assert floors == {"finx-dev/receipt": round(2 / 48, 4), "finer-ord/entities": 0.01}
    current, candidate = {"finx-dev/receipt": 0.80}, {"finx-dev/receipt": 0.77}  # one value of 48 flipped
    assert should_promote(current, candidate, 0.01)[0] is False
    promote, reason = should_promote(current, candidate, 0.01, floors=floors)
    assert promote
    scrambled = {"finx-dev/receipt": 0.55}
    promote, reason = should_promote(current, scrambled, 0.01, floors=floors)
    assert not promote and reason.startswith("finx-dev/receipt drops 0.800 -> 0.550 (tolerance 0.0417)")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(
            "",
            "no usable examples in .*: 0 bad lines, none good \\(the file is empty; nothing was trained\\)",
            id="empty",
        ),
        pytest.param(
            "{not json}\n[1]\n",
            "no usable examples in .*: 2 bad lines, none good \\(.*new.jsonl:1: ",
            id="only-bad-lines",
        ),
    ],
)
def test_retrain_without_a_usable_example_is_an_error(registry, isolated, tmp_path, content, message):
    path = tmp_path / "new.jsonl"
    path.write_text(content)
    with pytest.raises(FinxError, match=message):
        retrain(path, registry, dev=FORMATS / "examples.jsonl")
    assert registry.current_version() == "v0001"


@pytest.mark.model
def test_an_example_longer_than_a_served_document_is_refused_by_its_token_count(
    registry, monkeypatch, tmp_path, request
):
    from finx.config import configured_model_dir

    model_dir = configured_model_dir()  # the real tokenizer, found before `isolated` moves FINX_HOME
    request.getfixturevalue("isolated")
    monkeypatch.setattr(retrain_module, "configured_model_dir", lambda: model_dir)
    trained, fake_train = [], retrain_module.train_main
    monkeypatch.setattr(
        retrain_module, "train_main", lambda config, examples: trained.append(examples) or fake_train(config, examples)
    )
    path = write_receipts(tmp_path / "new.jsonl", [GOOD_RECEIPT, GOOD_RECEIPT | {"company": "KEDAI"}])
    lines = path.read_text().splitlines()
    long_record = json.loads(lines[1]) | {"text": "KEDAI MAJU TOTAL 30.30 " * 12_000}
    path.write_text(lines[0] + "\n" + json.dumps(long_record) + "\n")
    outcome = retrain(path, registry, dev=FORMATS / "examples.jsonl")
    assert outcome.new_examples == 1 and [example.id for example in trained[0]] == ["new-0"]
    assert any(line.startswith("new-1: ") and "over the 49152-token limit" in line for line in outcome.bad_lines)
