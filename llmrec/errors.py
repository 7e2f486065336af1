"""The error hierarchy: every failure a user can cause is an LlmrecError with a plain message."""

from __future__ import annotations


class LlmrecError(Exception):
    """Base class of every error llmrec raises on purpose."""


class DataError(LlmrecError):
    """Input data is missing, malformed or of the wrong type.

    The message names the file, the line or row, the field, what was expected and what was found.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.file = file
        self.line = line
        self.field = field
        where = []
        if file is not None:
            where.append(str(file))
        if line is not None:
            where.append(f"line {line}")
        if field is not None:
            where.append(f"field '{field}'")
        prefix = ", ".join(where)
        super().__init__(f"{prefix}: {message}" if prefix else message)


class ConfigError(LlmrecError):
    """A configuration value is invalid; the message lists the valid choices."""


class NotFittedError(LlmrecError):
    """A model was used before fit() or load()."""


class UnknownIdError(LlmrecError, KeyError):
    """A user or item id is not known to the dataset or model."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class ModelError(LlmrecError):
    """A model could not be loaded, or produced invalid values (e.g. NaN factors)."""


class WorkspaceError(LlmrecError):
    """A workspace is missing, incomplete or was written by an incompatible version."""


class DamagedArtifactError(WorkspaceError):
    """A workspace file is missing or unreadable: `file` (relative to the workspace) and `what`."""

    def __init__(self, message: str, *, file: str, what: str) -> None:
        self.file = file
        self.what = what
        super().__init__(message)
