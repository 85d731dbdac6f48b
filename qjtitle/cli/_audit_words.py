"""Audit events as sentences for ``audit list``: what was done, in the secretary's words.

The store keeps each event's action and its facts (``detail``) as data; this table words them.
An action without a sentence here is shown as its facts with Chinese names. Hashes and digests are
shown only when asked (``audit list --full``)."""

from __future__ import annotations

import re
from typing import Any

SENTENCES: dict[str, str] = {
    "committee.created": "新建评委会 {code}（{name}，{level}，{series}系列）",
    "committee.configured": "修改评委会设置：{changed}",
    "applicants.imported": "导入申报表 {file}：{rows} 行，新增 {imported} 人、更新 {updated} 人，待补正 {needs_correction} 人",
    "applicants.import_undone": "撤销第{import}号导入（{file}）{reason_part}",
    "applicant.withdrawn": "申报人 {name}（{unit}）撤回申报{reason_part}",
    "applicant.reinstated": "恢复申报人 {name}（{unit}）的申报{reason_part}",
    "applicant.corrected_after_seal": "第{meeting}号会议封存后更正第{applicant}号申报人的 {n_changes} 项信息{reason_part}",
    "applicants.withdrawn": "逾期未补正，{n_applicants} 人视为放弃（{today}）",
    "corrections.issued": "发出一次性告知补正通知 {n_notices} 份，补正截止 {deadline}",
    "columns.mapped": "为评委会 {committee} 保存列名对应",
    "meeting.created": "新建第{id}号评审会议：{date} {place}，{size} 人",
    "experts.imported": "导入专家库 {file}：{rows} 行，新增 {imported} 人、更新 {updated} 人",
    "draw.recorded": "第{draw}号抽取（第{meeting}号会议）：符合条件 {eligible} 人，抽出 {picks} 人，随机种子 {seed}",
    "draw.filled": "第{draw}号抽取（第{meeting}号会议）：补抽空缺位次，抽出 {picks} 人，随机种子 {seed}",
    "draw.answered": "第{draw}号抽取：{name}{answer}{reason_part}",
    "draw.document": "生成第{draw}号抽取记录表 {file}",
    "draw.exported": "导出第{draw}号抽取记录 {file}",
    "draw.signed": "登记第{draw}号抽取记录签字后的扫描件",
    "conflict.declared": "登记回避：专家 {expert} 与申报人 {applicant}（{reason}）",
    "milestone.recorded": "登记第{meeting}号会议的时间节点 {milestone}：{first}",
    "meeting.attendance": "第{meeting}号会议签到：出席 {attending} 人{reason_part}",
    "meeting.chair": "第{meeting}号会议由{role}主持{reason_part}",
    "meeting.methods": "第{meeting}号会议的评审方式：{methods}{reason_part}",
    "meeting.assigned": "第{meeting}号会议安排审阅（第{version}版，每名申报人 {per_applicant} 名专家）{reason_part}",
    "meeting.reviews": "第{meeting}号会议录入评议意见 {entries} 条{reason_part}",
    "meeting.votes": "第{meeting}号会议录入无记名投票计票结果 {applicants} 人{reason_part}",
    "meeting.sealed": "封存第{meeting}号会议的评审结果：表决 {voted} 人，通过 {passed} 人",
    "filing.exported": "生成第{meeting}号会议的{stage_word}材料{doc_text}（{files} 个文件）",
    "plan.imported": "导入{year}年度评审计划 {file}：{entries} 项",
    "audit.exported": "导出审计日志 {file}：{events} 条事件",
    "db.upgraded": "升级数据库：从版本 {from} 到 {to}",
    "db.restored": "从备份 {from} 恢复数据库{reason_part}",
    "store.events_tied": "把会议记录与审计事件一一对应（数据库升级）",
}

# Chinese names of facts, for actions without a sentence.
FACT_NAMES: dict[str, str] = {
    "meeting": "会议",
    "committee": "评委会",
    "draw": "抽取记录",
    "expert": "专家",
    "applicant": "申报人",
    "name": "姓名",
    "file": "文件",
    "reason": "理由",
    "date": "日期",
    "code": "代码",
    "year": "年度",
    "id": "编号",
}

# A committee's settings, by field: ``committee show`` lists them, and a change to them is told by
# their names.
COMMITTEE_FIELDS: dict[str, str] = {
    "code": "代码",
    "name": "名称",
    "level": "级别",
    "series": "系列",
    "specialties": "专业",
    "organizer": "组建单位",
    "approver": "核准组建部门",
    "min_size": "最少人数",
    "pool_filed": "专家库备案日期",
    "vote_denominator": "表决基数（有回避时）",
    "pass_rate_cap": "通过率上限（提示）",
    "handler": "经办人",
    "contact": "联系人",
    "contact_phone": "联系电话",
    "signer": "签发人",
    "doc_code": "发文机关代字",
}

_HASH = re.compile(r"^[0-9a-f]{32,}$")
_STAGES = {"pre": "会前备案", "post": "会后备案"}


class _Facts(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "—"


def _plain(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(_plain(v) for v in value) or "—"
    if isinstance(value, dict):
        return f"{len(value)} 项"
    return str(value)


def sentence(action: str, detail: dict[str, Any], full: bool = False) -> str:
    """The event as a sentence; ``full`` adds every fact, hashes included."""
    facts = _Facts({k: _plain(v) for k, v in detail.items()})
    for key, value in detail.items():
        if isinstance(value, list):
            facts[f"n_{key}"] = len(value)
    reason = detail.get("reason")
    facts["reason_part"] = f"，理由：{reason}" if reason else ""
    facts["answer"] = " 同意参会" if detail.get("accepted") else " 谢绝参会"
    facts["stage_word"] = _STAGES.get(str(detail.get("stage")), "备案")
    facts["doc_text"] = (
        f"（{detail['doc_text']}）"
        if detail.get("doc_text")
        else "（草稿）"
        if detail.get("draft")
        else ""
    )
    before, after = detail.get("before"), detail.get("after")
    if isinstance(before, dict) and isinstance(after, dict):
        changed = [
            COMMITTEE_FIELDS.get(str(k), str(k)) for k in after if before.get(k) != after.get(k)
        ]
        facts["changed"] = "、".join(changed) or "无变化"
    if "milestone" in detail:
        from qjtitle.calendar.milestones import MILESTONES

        known = MILESTONES.get(str(detail["milestone"]))
        facts["milestone"] = known.label if known else facts["milestone"]
    template = SENTENCES.get(action)
    text = template.format_map(facts) if template else _facts_text(action, detail)
    if full:
        text += "\n" + "；".join(f"{k}={_plain(v)}" for k, v in detail.items())
    return text


def _facts_text(action: str, detail: dict[str, Any]) -> str:
    shown = [
        f"{FACT_NAMES.get(k) or COMMITTEE_FIELDS.get(k, k)}：{_plain(v)}"
        for k, v in detail.items()
        if not isinstance(v, (dict, list)) and not _HASH.match(str(v)) and v not in ("", None)
    ]
    return f"{action}" + (f"（{'，'.join(shown)}）" if shown else "")
