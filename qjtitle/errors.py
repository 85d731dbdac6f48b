"""Errors whose message is shown to the secretary as it is (Simplified Chinese).

The library raises these; the CLI prints them on stderr and exits 1. No typer or
rich here.
"""

from __future__ import annotations


class QjtitleError(Exception):
    """A problem the user can fix; the message says what and how."""


class NotFound(QjtitleError):
    """A committee, applicant or file named by the user does not exist."""


class AlreadyExists(QjtitleError):
    """The user asked to create something that is already there."""


class WorkbookError(QjtitleError):
    """A workbook (or CSV file) cannot be read at all."""


class StoreError(QjtitleError):
    """The store cannot be opened or written."""


class TemplateProblem(QjtitleError):
    """A document template is missing or broken."""


class InvalidValue(QjtitleError):
    """A command-line value is out of range or malformed."""
