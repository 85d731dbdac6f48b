"""Findings: what the library found, as facts, worded only at the edges.

Every problem, warning, refusal and next step the library reports is a :class:`Finding`: a stable
``code``, the fact in plain Chinese (``message``: no command line, no ``--option``, no file or cell
jargon an officer would not use), the facts as values, the regulation it rests on (a name in
:mod:`qjtitle.rules`), a :class:`Severity`, and a suggested :class:`Fix` as data.

Three renderers word a finding, and only they do:

- the CLI (``qjtitle.cli._findings``), the one place that spells ``qjtitle …`` and ``--options``:
  a fix's ``step`` becomes a command line, its ``field`` the option of the running command;
- the document layer (``qjtitle.documents.findings``), in the formal words of a filed document;
- ``--json``, which gives :meth:`Finding.as_json` as it is.

A refusal is raised as a :class:`qjtitle.errors.QjtitleError` carrying its finding; one table in
the CLI maps every error to its message and exit code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as _field
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    """How much a finding weighs: an error stops the work (or makes the record 待补正), a warning is
    shown and the work goes on, a note is information (a next step, a count)."""

    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


class Step(StrEnum):
    """The steps of the procedure a fix can point to. The CLI has one command line for each
    (``qjtitle.cli._findings.COMMANDS``) and the document layer one phrase for each
    (``qjtitle.documents.findings.PHRASES``); tests check both tables are complete.

    Grouped by part of the procedure; add a step to its group."""

    # --- committees and the store
    ADD_COMMITTEE = "committee.add"
    LIST_COMMITTEES = "committee.list"
    SET_COMMITTEE = "committee.set"
    SHOW_COMMITTEE = "committee.show"
    ADOPT_STORE = "db.adopt"
    UPGRADE_STORE = "db.upgrade"
    RESTORE_STORE = "db.restore"
    BACKUP_STORE = "db.backup"
    VERIFY_AUDIT = "audit.verify"
    DEMO = "demo"
    # --- applicants and intake
    IMPORT_APPLICANTS = "applicants.import"
    LIST_APPLICANTS = "applicants.list"
    SHOW_APPLICANT = "applicants.show"
    CORRECT_APPLICANT = "applicants.correct"
    ISSUE_CORRECTIONS = "applicants.corrections"
    WITHDRAW_APPLICANT = "applicants.withdraw"
    REINSTATE_APPLICANT = "applicants.reinstate"
    LIST_IMPORTS = "imports.list"
    UNDO_IMPORT = "imports.undo"
    EXPIRE_APPLICANTS = "applicants.expire"
    APPLICANTS_TEMPLATE = "applicants.template"
    # --- experts and the draw
    IMPORT_EXPERTS = "experts.import"
    CHECK_EXPERTS = "experts.check"
    LIST_EXPERTS = "experts.list"
    ADD_CONFLICT = "conflicts.add"
    DRAW_EXPERTS = "draw.experts"
    REDRAW_EXPERTS = "draw.redraw"
    FILL_DRAW = "draw.fill"
    LIST_DRAWS = "draw.list"
    SHOW_DRAW = "draw.show"
    CONFIRM_DRAW = "draw.confirm"
    VERIFY_DRAW = "draw.verify"
    EXPORT_DRAW = "draw.export"
    # --- calendar
    SHOW_SCHEDULE = "schedule.show"
    RECORD_DATE = "schedule.record"
    RECORD_END = "schedule.record_end"
    RECORD_ANYWAY = "schedule.record_anyway"
    CHECK_SCHEDULE = "schedule.check"
    IMPORT_PLAN = "plan.import"
    CHECK_CALENDAR = "calendar.check"
    # --- the meeting
    ADD_MEETING = "meeting.add"
    LIST_MEETINGS = "meeting.list"
    SHOW_MEETING = "meeting.show"
    ATTEND = "meeting.attend"
    MARK_ABSENT = "meeting.absent"
    CHOOSE_CHAIR = "meeting.chair"
    RECORD_METHODS = "meeting.methods"
    ASSIGN_REVIEWERS = "meeting.assign"
    RECORD_REVIEW = "meeting.review"
    RECORD_VOTES = "meeting.vote"
    MEETING_RESULTS = "meeting.results"
    SEAL_MEETING = "meeting.seal"
    MEETING_SHEETS = "meeting.sheets"
    # --- filing
    EXPORT_FILING = "filing.export"
    LIST_TEMPLATES = "templates.list"
    COPY_TEMPLATES = "templates.copy"
    CHECK_TEMPLATES = "templates.check"


@dataclass(frozen=True)
class Fix:
    """A suggested next step, as data.

    ``step``: a step of the procedure to take (the CLI shows its command line, a document its
    phrase). ``field``: an input of the call that failed, to be given or corrected: the name of
    the library function's parameter (the CLI finds the running command's option of that name).
    ``args``: the values the step needs (``meeting``, ``record``, ``committee`` …), by name.
    ``hint``: what to do, in Chinese, without any command or option ("写明监督人员").
    """

    step: Step | None = None
    field: str | None = None
    args: Mapping[str, Any] = _field(default_factory=dict)
    hint: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "step": str(self.step) if self.step else None,
            "field": self.field,
            "args": dict(self.args),
            "hint": self.hint,
        }


@dataclass(frozen=True)
class Finding:
    """One thing the library found (see the module docstring)."""

    code: str  # stable, dotted: "draw.no_supervisor"
    message: str  # the fact in Chinese: no command line, no --option
    severity: Severity = Severity.ERROR
    rule: str | None = None  # the name of a rules.py Rule it rests on, e.g. "SUPERVISORS_MIN"
    facts: Mapping[str, Any] = _field(default_factory=dict)
    fix: Fix | None = None

    def as_json(self) -> dict[str, Any]:
        from qjtitle import rules

        cited = getattr(rules, self.rule) if self.rule else None
        return {
            "code": self.code,
            "severity": str(self.severity),
            "message": self.message,
            "rule": (
                {"name": self.rule, "text": cited.text, "source": cited.source}
                if cited is not None
                else None
            ),
            "facts": {k: v for k, v in self.facts.items()},
            "fix": self.fix.as_json() if self.fix else None,
        }


def finding(
    code: str,
    message: str,
    *,
    step: Step | None = None,
    field: str | None = None,
    hint: str = "",
    rule: str | None = None,
    severity: Severity = Severity.ERROR,
    **facts: Any,
) -> Finding:
    """A finding in one call: ``finding("draw.no_supervisor", "抽取须在监督人员监督下进行",
    field="supervisors", hint="写明监督人员", rule="SUPERVISORS_MIN")``. Keyword arguments other
    than these are the facts; those the step needs are its args (all facts are passed to it)."""
    fix = Fix(step, field, dict(facts), hint) if (step or field or hint) else None
    return Finding(code, message, severity, rule, dict(facts), fix)
