"""Findings worded for the terminal: the one place that spells ``qjtitle …`` and ``--options``.

A finding's fix is data (:class:`qjtitle.findings.Fix`): a ``step`` becomes the command line of
``COMMANDS`` with the fix's args filled in (an arg the fix lacks is shown as the thing to type, e.g.
``评审会议编号``); a ``field`` becomes the option of the running command whose parameter has that
name (``supervisors`` → ``--supervisor``), read from the command's own parameters, so no table of
options is kept by hand.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from qjtitle.findings import Finding, Fix, Severity, Step

# What to type for each step. ``{name}`` is a fix arg; missing args show as PLACEHOLDERS say.
COMMANDS: dict[Step, str] = {
    # committees and the store
    Step.ADD_COMMITTEE: "qjtitle committee add {committee} --name 全称 --level 级别 --series 系列",
    Step.LIST_COMMITTEES: "qjtitle committee list",
    Step.SET_COMMITTEE: "qjtitle committee set {committee}",
    Step.SHOW_COMMITTEE: "qjtitle committee show {committee}",
    Step.ADOPT_STORE: "qjtitle db adopt",
    Step.UPGRADE_STORE: "qjtitle db upgrade",
    Step.RESTORE_STORE: "qjtitle db restore {file}",
    Step.BACKUP_STORE: "qjtitle db backup {file}",
    Step.VERIFY_AUDIT: "qjtitle audit verify",
    Step.DEMO: "qjtitle demo",
    # applicants and intake
    Step.IMPORT_APPLICANTS: "qjtitle import-applicants {file} --committee {committee} --year {year}",
    Step.LIST_APPLICANTS: "qjtitle applicants list",
    Step.SHOW_APPLICANT: "qjtitle applicants show {key}",
    Step.CORRECT_APPLICANT: "qjtitle applicants correct {key} --set 事项=新内容 --reason 理由",
    Step.ISSUE_CORRECTIONS: "qjtitle applicants corrections --committee {committee} --out {folder}",
    Step.WITHDRAW_APPLICANT: "qjtitle applicants withdraw {key} --reason 理由",
    Step.REINSTATE_APPLICANT: "qjtitle applicants reinstate {key} --reason 理由",
    Step.LIST_IMPORTS: "qjtitle imports list",
    Step.UNDO_IMPORT: "qjtitle imports undo {run} --reason 理由",
    Step.EXPIRE_APPLICANTS: "qjtitle applicants expire --committee {committee}",
    Step.APPLICANTS_TEMPLATE: "qjtitle applicants template",
    # experts and the draw
    Step.IMPORT_EXPERTS: "qjtitle import-experts 专家库.xlsx --committee {committee} --pool-filed 备案日期",
    Step.CHECK_EXPERTS: "qjtitle experts check --committee {committee}",
    Step.LIST_EXPERTS: "qjtitle experts list",
    Step.ADD_CONFLICT: "qjtitle conflicts add --expert 专家 --applicant 申报人 --reason 理由",
    Step.DRAW_EXPERTS: "qjtitle draw-experts {meeting} …",
    Step.REDRAW_EXPERTS: "qjtitle draw-experts {meeting} --voids {record} --reason 理由 …",
    Step.FILL_DRAW: "qjtitle draw-experts {meeting} --fill …",
    Step.LIST_DRAWS: "qjtitle draw list --meeting {meeting}",
    Step.SHOW_DRAW: "qjtitle draw show {record}",
    Step.CONFIRM_DRAW: "qjtitle draw confirm {record} {expert} --accepted",
    Step.VERIFY_DRAW: "qjtitle verify-draw {record}",
    Step.EXPORT_DRAW: "qjtitle draw export {record} --out {file}",
    # calendar
    Step.SHOW_SCHEDULE: "qjtitle schedule show {meeting}",
    Step.RECORD_DATE: "qjtitle schedule record {meeting} {milestone} {day}",
    Step.RECORD_END: "qjtitle schedule record {meeting} {milestone} {first} --end 结束日期",
    Step.RECORD_ANYWAY: "qjtitle schedule record {meeting} {milestone} {first} … --force --reason 理由",
    Step.CHECK_SCHEDULE: "qjtitle schedule check {meeting}",
    Step.IMPORT_PLAN: "qjtitle import-plan {file}",
    Step.CHECK_CALENDAR: "qjtitle calendar check {file}",
    # the meeting
    Step.ADD_MEETING: "qjtitle meeting add --committee {committee} --date 日期 --place 地点 --size 人数",
    Step.LIST_MEETINGS: "qjtitle meeting list",
    Step.SHOW_MEETING: "qjtitle meeting show {meeting}",
    Step.ATTEND: "qjtitle meeting attend {meeting} {expert}",
    Step.MARK_ABSENT: "qjtitle meeting attend {meeting} --absent {expert} --reason 理由",
    Step.CHOOSE_CHAIR: "qjtitle meeting chair {meeting} {expert}",
    Step.RECORD_METHODS: "qjtitle meeting methods {meeting} 方式 …",
    Step.ASSIGN_REVIEWERS: "qjtitle meeting assign {meeting}",
    Step.RECORD_REVIEW: "qjtitle meeting review {meeting} …",
    Step.RECORD_VOTES: "qjtitle record-votes {meeting} …",
    Step.MEETING_RESULTS: "qjtitle meeting results {meeting}",
    Step.SEAL_MEETING: "qjtitle meeting seal {meeting}",
    Step.MEETING_SHEETS: "qjtitle meeting sheets {meeting} --out 文件夹",
    # filing
    Step.EXPORT_FILING: "qjtitle export-filing {meeting} --stage {stage} --out {folder}",
    Step.LIST_TEMPLATES: "qjtitle templates list",
    Step.COPY_TEMPLATES: "qjtitle templates copy {folder}",
    Step.CHECK_TEMPLATES: "qjtitle templates check {template}",
}

# What a missing arg reads as in a command line: the thing the secretary types there.
PLACEHOLDERS: dict[str, str] = {
    "committee": "评委会代码",
    "meeting": "评审会议编号",
    "record": "抽取记录编号",
    "key": "申报人编号或姓名",
    "run": "导入编号",
    "file": "文件",
    "expert": "专家",
    "stage": "pre|post",
    "year": "评审年度",
    "folder": "文件夹",
    "template": "模板",
    "milestone": "节点",
    "day": "日期",
    "first": "日期",
}


class _Args(dict[str, Any]):
    def __missing__(self, name: str) -> str:
        return PLACEHOLDERS.get(name, name)


def command_line(step: Step, args: Mapping[str, Any] | None = None) -> str:
    """The command line of ``step`` with ``args`` filled in."""
    return COMMANDS[step].format_map(
        _Args({k: v for k, v in (args or {}).items() if v is not None})
    )


def option_for(field: str, options: Mapping[str, str] | None = None) -> str:
    """How the running command spells the input named ``field`` (a library parameter name):
    ``options`` maps the running command's parameter names to their options (see
    ``qjtitle.cli._lazy.LazyGroup.invoke``); else ``--field-name``."""
    if options and field in options:
        return options[field]
    return "--" + field.replace("_", "-")


def fix_text(fix: Fix, options: Mapping[str, str] | None = None) -> str:
    """The fix as the terminal says it: ``请用 --supervisor 写明监督人员``, ``请先抽取专家：qjtitle …``."""
    if fix.step is not None:
        line = command_line(fix.step, fix.args)
        return f"{fix.hint}：{line}" if fix.hint else f"请运行 {line}"
    if fix.field is not None:
        return (
            f"请用 {option_for(fix.field, options)} {fix.hint}".rstrip()
            if fix.hint
            else f"请核对 {option_for(fix.field, options)}"
        )
    return fix.hint


# Commands of the PostgreSQL server an administrator runs (not qjtitle's), by finding code; the
# finding's facts give the server (host, port, user) and the database.
SERVER_COMMANDS: dict[str, str] = {
    "store.pg_backup": "pg_dump {server} -Fc -f qjtitle-备份.dump {database}",
    "store.pg_restore": (
        "pg_restore {server} --clean --if-exists --single-transaction -d {database} 备份.dump"
    ),
}


def server_command(finding: Finding) -> str:
    """The server command of ``finding`` (``SERVER_COMMANDS``) with its facts filled in."""
    facts = finding.facts
    server = " ".join(
        f"{flag} {facts[key]}"
        for flag, key in (("-h", "host"), ("-p", "port"), ("-U", "user"))
        if facts.get(key)
    )
    return SERVER_COMMANDS[finding.code].format(server=server, database=facts.get("database", ""))


def say(finding: Finding, options: Mapping[str, str] | None = None) -> str:
    """One line for the terminal: the fact, then the fix."""
    if finding.code in SERVER_COMMANDS:
        hint = finding.fix.hint if finding.fix else ""
        return f"{finding.message}；{hint}：{server_command(finding)}"
    if finding.fix is None:
        return finding.message
    fix = fix_text(finding.fix, options)
    return f"{finding.message}；{fix}" if fix else finding.message


LABELS = {Severity.ERROR: "错误", Severity.WARNING: "注意", Severity.NOTE: "提示"}


# The options of the running command, set by the root group around each command (see
# ``qjtitle.cli._lazy.LazyGroup.invoke``), for findings a command prints itself.
_RUNNING: ContextVar[Callable[[], Mapping[str, str]] | None] = ContextVar(
    "qjtitle_running_options", default=None
)


@contextmanager
def running(options: Callable[[], Mapping[str, str]]) -> Iterator[None]:
    """While a command runs: its options by parameter name, asked for only when needed."""
    token = _RUNNING.set(options)
    try:
        yield
    finally:
        _RUNNING.reset(token)


def say_here(finding: Finding) -> str:
    """:func:`say` for a finding the running command prints itself (a warning, a note), with that
    command's options."""
    options = _RUNNING.get()
    return say(finding, options() if options is not None else None)
