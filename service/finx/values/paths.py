"""Value paths: how a value of a result is named (`money[0].amount`), the one format every module
uses (confidence, grounding, normalisation, withholding), so that a confidence, a source and a
normalised value of one value always meet under the same name.

`""` is the root; a property is appended with a dot (none at the root), a list item with its index.
"""


def child_path(path: str, name: str) -> str:
    """The path of property `name` of the object at `path`."""
    return f"{path}.{name}" if path else name


def item_path(path: str, index: int) -> str:
    """The path of item `index` of the list at `path`."""
    return f"{path}[{index}]"
