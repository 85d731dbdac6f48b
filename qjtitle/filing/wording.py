"""How a filing's documents word what the tool recorded: Chinese dates, no command names, the
rule cited by its document, a problem of the import as the eligibility results state it.

What the library reports as a finding is worded by :func:`qjtitle.documents.findings.officer_text`
(its step as a phrase, never a command line). The regular expressions below remain only for text
that is not yet a finding: an older store's import problems and refusals, and the messages of the
schedule and the meeting's results that the filing quotes."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from qjtitle import rules
from qjtitle.calendar import milestones
from qjtitle.documents.dates import cn_date
from qjtitle.documents.findings import officer_text
from qjtitle.findings import Finding
from qjtitle.logic import tally
from qjtitle.privacy import mask_text

# --- Contexts -------------------------------------------------------------------------------------

_ISO_DAY = re.compile(r"(?<![0-9])(\d{4})-(\d{2})-(\d{2})(?:（[一二三四五六日]）)?")
_COMMAND = re.compile(r"[；，]?\s*(?:核对：|请|或)?(?:运行|用)?\s*qjtitle [^；。\n]*")


_SOURCE = re.compile(
    r"40号令（二手资料）|40号令|通知 [一二三四五六七八九十]+(?:（[一二三四五六七八九十]+）)?|民法典 第[一二三四五六七八九十百千零]+条|实践（[^）]*）"
)


def quorum_text(quorum: tally.Quorum) -> str:
    return f"评委会{quorum.size}人，出席{quorum.attending}人，至少需{quorum.needed}人：{'达到' if quorum.met else '未达到'}法定人数"


def plain_dates(text: str) -> str:
    """ISO dates in a message (2023-11-13 or 2023-11-13（一）) in Chinese form (2023年11月13日)."""
    return _ISO_DAY.sub(lambda m: f"{int(m[1])}年{int(m[2])}月{int(m[3])}日", text)


_CALENDAR_FILE = re.compile(r"[；，]?\s*国务院公布后请在[^；。]*complete_years[^；。]*")


def officer_findings(findings: Any) -> list[str]:
    """The schedule's warnings as a report states them: no notes on the calendar file or commands."""
    out = []
    for f in findings:
        text = plain_reason(_CALENDAR_FILE.sub("", f.message))
        if "complete_years" in text or "日历文件" in text:
            continue
        out.append(text)
    return list(dict.fromkeys(out))


def officer_reason(found: Finding) -> str:
    """A finding as a filed document states it: the fact and what is to be done in an officer's words
    (:func:`qjtitle.documents.findings.officer_text`), the rule's document by name, Chinese dates."""
    return plain_reason(officer_text(found))


def plain_reason(text: str) -> str:
    """A message as a signed (or draft) document may show it: no command names, Chinese dates."""
    text = _SOURCE.sub(lambda m: rules.cite(m.group()), _COMMAND.sub("", text))
    text = _CALENDAR_FILE.sub("", text)
    return plain_dates(text).strip("；， ")


_TECHNICAL = re.compile(
    r"Excel|WPS|[0-9]\.[0-9]+E\+[0-9]+|\.(?:xlsx|xls|csv|et)\b|单元格|[A-Z]{1,2}[0-9]+\b",
    re.IGNORECASE,
)
_FILE_REF = re.compile(
    r"[^，；、（）\s与]+\.(?:xlsx|xls|csv|et)(?:（[^）]*）)?(?:第[0-9]+行)?", re.IGNORECASE
)
PROBLEM_WORDS = {  # a problem of the import as the eligibility results state it, by kind
    "重复申报": "本年度重复申报",
    "必填项为空": "“{column}”未填写",
    "与身份证不符": "“{column}”与身份证号码不符",
    "身份证号码": "身份证号码有误或不完整",
    "联系电话": "联系电话有误",
    "日期": "“{column}”填写有误，无法确定日期",
}


def plain_problem(problem: dict[str, Any], secrets: tuple[str, ...] = ()) -> str:
    """A problem found at import in the words of a signed document (never spreadsheet terms, cell names
    or file names).

    A problem stored as a finding (``code``, ``message``, ``facts`` {column, cell, value}, ``fix``) states
    the fact in its message, the cell and the value apart in its facts: the message is the document's
    line. A problem of an older store (``kind``, ``column``, a message that may name cells) is worded
    by its own message when that is plain, else by its kind."""
    message = str(problem.get("message", ""))
    if "code" in problem and message:
        if _TECHNICAL.search(message):  # "被 Excel 存成了数字（…E+17）", "（某.csv 第4行）"
            from qjtitle.intake.corrections import notice_words

            message = notice_words(message)
        return plain_dates(mask_text(message, secrets))
    if message and not _TECHNICAL.search(message):
        return plain_dates(mask_text(message, secrets))
    facts = problem.get("facts")
    column = (
        str(facts.get("column", "")) if isinstance(facts, dict) else str(problem.get("column", ""))
    ) or "申报信息"
    return PROBLEM_WORDS.get(str(problem.get("kind", "")), "“{column}”填写有误").format(
        column=column
    )


def rejection_text(row: dict[str, Any]) -> str:
    """Why a row was not accepted, as the eligibility results state it: a rejection stored as a finding
    (``code`` and ``message``, where the file and row are facts) by its message; an older one (``reason``:
    the fact, then notes, file names and rows) by :func:`plain_rejection`."""
    found = row.get("finding")
    if isinstance(found, dict) and found.get("message"):
        return plain_problem({"code": found.get("code", ""), "message": found["message"]})
    if "code" in row and row.get("message"):
        return plain_problem({"code": row["code"], "message": row["message"]})
    return plain_rejection(str(row.get("reason", "")))


def plain_rejection(reason: str) -> str:
    """Why a row was not accepted, from the text of an older store: without file names, rows or notes
    on the rule (the first clause)."""
    first = re.sub(r"（(?:Sheet|工作表)\s*\d*）", "", reason.split("；")[0], flags=re.IGNORECASE)
    return plain_dates(mask_text(_FILE_REF.sub("其他单位报送的申报", first)))


def local_day(stamp: Any) -> date | None:
    """The local calendar day of a stored time (ISO text or datetime; naive means UTC)."""
    from datetime import UTC, datetime

    if not stamp:
        return None
    moment = stamp if isinstance(stamp, datetime) else datetime.fromisoformat(str(stamp))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone().date()


def date_range(first: date | None, last: date | None) -> str:
    if first is None:
        return "（未定）"
    if last is None or last == first:
        return cn_date(first)
    return f"{cn_date(first)}至{cn_date(last)}"


def basis(rule: rules.Rule | None) -> str:
    return rules.cite(rule.source, short=True) if rule else "—"


def rule_citation(rule: rules.Rule, short: bool = False) -> dict[str, Any]:
    """A rule as documents cite it: what it says and the document it comes from, by name (``short``: 《通知》,
    in a document that names the notice in full first)."""
    return {
        "text": rule.text,
        "source": rules.cite(rule.source, short),
        "value": int(rule.value) if rule.unit else rule.value,
    }


CITATION_NOTE = f"注：{rules.SHORT_NAMES['通知']}指{rules.DOCUMENT_NAMES['通知']}。"
STATUS_WORDS = {  # a milestone's status as of a document's date, in the words of a filing report
    milestones.DONE: "已完成",
    milestones.STARTED: "进行中",
    milestones.PROBLEM: "已完成（有疑问）",
    milestones.TODO: "计划",
    milestones.SOON: "计划",
    milestones.WAITING: "计划",
    milestones.OVERDUE: "逾期未办",
    "待召开": "计划召开",
    "进行中": "正在召开",
    "已召开": "已召开",
}
