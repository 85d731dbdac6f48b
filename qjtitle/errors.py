"""Errors the library raises for the secretary to fix, each carrying its :class:`Finding`.

The CLI maps every error to its message and exit code in one table (``qjtitle.cli._errors``);
no typer or rich here.
"""

from __future__ import annotations

from qjtitle.findings import Finding


class QjtitleError(Exception):
    """A problem the user can fix. Raised with a :class:`Finding` (its ``message`` is the fact, its
    ``fix`` the next step as data); a plain Chinese message is accepted and becomes a finding
    without a fix (code ``CODE``). Further findings (``also``: another way on, the reasons of a
    refusal) are worded after it, one a line."""

    CODE = "error"

    def __init__(self, what: Finding | str, *also: Finding) -> None:
        self.finding = what if isinstance(what, Finding) else Finding(self.CODE, what)
        # further findings worded after the first, one a line: another way on, a list of reasons
        self.also: tuple[Finding, ...] = also
        super().__init__("\n".join(f.message for f in (self.finding, *also)))


class NotFound(QjtitleError):
    """A committee, applicant or file named by the user does not exist."""

    CODE = "not_found"


class AlreadyExists(QjtitleError):
    """The user asked to create something that is already there."""

    CODE = "already_exists"


class WorkbookError(QjtitleError):
    """A workbook (or CSV file) cannot be read at all."""

    CODE = "workbook"


class StoreError(QjtitleError):
    """The store cannot be opened or written."""

    CODE = "store"


class TemplateProblem(QjtitleError):
    """A document template is missing or broken."""

    CODE = "template"


class InvalidValue(QjtitleError):
    """A command-line value is out of range or malformed."""

    CODE = "invalid_value"
