"""Domain exceptions: every failure a caller can see, with a hint and whether a retry may help.

The CLI prints `str(error)` as one line; the gRPC layer maps each class to a status code.
Nothing here knows about gRPC or the CLI.
"""

import errno
from pathlib import Path


class FinxError(Exception):
    """Base of every error finx reports to a caller."""

    retryable: bool = False

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class InvalidDocument(FinxError):
    """The document cannot be extracted from: empty, binary, not decodable, too long."""


class InvalidSchema(FinxError):
    """A caller-supplied JSON Schema is malformed or uses an unsupported keyword."""


class UnknownSchema(FinxError):
    """No built-in schema has this name."""


class UnknownEngine(FinxError):
    """No engine has this name."""


class AdapterNotFound(FinxError):
    """The requested LoRA adapter does not exist or is not a PEFT adapter folder."""


class ModelNotAvailable(FinxError):
    """The base model is not fetched or the configured model folder is not usable."""


class UnsupportedMediaType(InvalidDocument):
    """The document's media type has no reader."""


class RetrievalUnavailable(FinxError):
    """A request asked for retrieval where no reference store is configured."""


class NotReady(FinxError):
    """The service is still loading its model, or is shutting down."""

    retryable = True


class Overloaded(FinxError):
    """Too many requests are in flight; retry later."""

    retryable = True


class StorageError(FinxError):
    """A file finx must write could not be written (read-only, I/O error): nothing is reported as
    done that is not on disk."""


class DiskFull(StorageError):
    """A write failed for want of space or quota (ENOSPC, EDQUOT)."""

    retryable = True


def storage_error(path: Path, error: OSError, hint: str = "") -> StorageError:
    """The error for a failed write of `path`, naming the file and the errno."""
    name = errno.errorcode.get(error.errno or 0, "no errno")
    kind = DiskFull if error.errno in (errno.ENOSPC, errno.EDQUOT) else StorageError
    return kind(f"cannot write {path}: {error.strerror or error} ({name})", hint=hint)
