"""Training configs: every shipped config loads; passes per source; precision and resumption rules."""

from pathlib import Path

import pytest

from finx.errors import FinxError
from finx.hardware import fast_dtype
from finx.training.train import (
    TrainConfig,
    latest_checkpoint,
    load_training_examples,
    load_training_groups,
    resolve_precision,
)

CONFIGS = sorted((Path(__file__).resolve().parents[3] / "finetune" / "finx" / "training" / "configs").glob("*.yaml"))
FORMATS = Path(__file__).resolve().parents[2] / "fixtures" / "formats"


def test_the_shipped_configs_are_found():
    assert {"default", "retrain", "v4", "v5"} <= {path.stem for path in CONFIGS}


@pytest.mark.parametrize("path", CONFIGS, ids=[path.stem for path in CONFIGS])
def test_every_shipped_config_loads(path):
    config = TrainConfig.from_yaml(path)
    assert config.precision in ("auto", "float32", "bfloat16")
    assert all(source.repeat >= 1 for source in config.sources)


def test_repeat_gives_a_source_its_passes_without_duplicating_examples(tmp_path):
    path = tmp_path / "run.yaml"
    path.write_text(
        f"output_dir: {tmp_path / 'run'}\n"
        "sources:\n"
        f"  - {{format: jsonl, path: {FORMATS / 'examples.jsonl'}, repeat: 3}}\n"
        "  - {format: synthetic, path: ., max_examples: 2, seed: 1}\n"
    )
    config = TrainConfig.from_yaml(path)
    groups, errors = load_training_groups(config)
    assert [(len(examples), repeat) for examples, repeat in groups] == [(2, 3), (2, 1)]
    assert len(errors) == 5  # the fixture's bad lines, reported once
    examples, _ = load_training_examples(config)
    assert len(examples) == 4


def test_an_unknown_precision_key_or_source_key_is_named(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(f"output_dir: {tmp_path}\nsources: []\nprecison: bfloat16\n")
    with pytest.raises(FinxError, match="unknown key 'precison'"):
        TrainConfig.from_yaml(path)


@pytest.mark.parametrize("choice", ["float32", "bfloat16"])
def test_a_forced_precision_is_kept(choice):
    assert resolve_precision(choice, cuda=False) == choice


def test_auto_precision_is_the_fast_dtype_of_this_machine():
    assert resolve_precision("auto", cuda=False) == fast_dtype(cuda=False)


def test_the_latest_checkpoint_is_chosen_by_step_number(tmp_path):
    assert latest_checkpoint(tmp_path) is None
    for step in (9, 100, 20):
        (tmp_path / f"checkpoint-{step}").mkdir()
    (tmp_path / "checkpoint-tmp").mkdir()
    assert latest_checkpoint(tmp_path) == tmp_path / "checkpoint-100"
