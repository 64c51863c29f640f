"""The root `finx` Typer app and its command groups (commands register themselves on import)."""

import typer

app = typer.Typer(help="finx: strict JSON extraction from financial documents.", no_args_is_help=True)
model_app = typer.Typer(help="The embedded base model.", no_args_is_help=True)
schemas_app = typer.Typer(help="Built-in extraction schemas.", no_args_is_help=True)
data_app = typer.Typer(help="Labeled data: import public formats.", no_args_is_help=True)
adapters_app = typer.Typer(
    help="The adapter registry: list, promote, roll back; compact an adapter for shipping.", no_args_is_help=True
)
app.add_typer(adapters_app, name="adapters")
app.add_typer(model_app, name="model")
app.add_typer(schemas_app, name="schemas")
app.add_typer(data_app, name="data")
refs_app = typer.Typer(help="Reference records for the retrieval hook: load, look up.", no_args_is_help=True)
app.add_typer(refs_app, name="refs")
