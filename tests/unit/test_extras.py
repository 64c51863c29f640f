"""Optional parts: a command whose extra is not installed fails with one line naming the extra."""

import importlib.util

import pytest
from typer.testing import CliRunner

from finx.cli import app


@pytest.mark.parametrize(
    ("command", "extra", "missing"),
    [
        (["train", "--config", "x.yaml"], "training", "trl"),
        (["retrain", "--examples", "x.jsonl"], "training", "datasets"),
        (["review", "x.jsonl", "--input", "."], "review", "jinja2"),
    ],
)
def test_a_command_without_its_extra_names_the_extra(
    monkeypatch: pytest.MonkeyPatch, command: list[str], extra: str, missing: str
) -> None:
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *args: None if name == missing else real_find_spec(name, *args)
    )
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 1, result.output
    assert (
        f"this command needs finx's {extra!r} extra ({missing} missing): pip install 'finx[{extra}]'" in result.output
    )
