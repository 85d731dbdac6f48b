"""Findings worded for officers: the formal line of a filed document or a notice to an employer.

No command line, option, file name or spreadsheet word reaches a document: a fix's ``step`` reads
as the thing to be done (``PHRASES``), a ``field`` fix as its hint alone.
"""

from __future__ import annotations

from qjtitle.findings import Finding, Step

# What each step is, as an officer says it (after 请 / 须).
PHRASES: dict[Step, str] = {
    # committees and the store
    Step.ADD_COMMITTEE: "登记评委会",
    Step.LIST_COMMITTEES: "核对评委会",
    Step.SET_COMMITTEE: "补充评委会信息",
    Step.SHOW_COMMITTEE: "核对评委会信息",
    Step.ADOPT_STORE: "启用原有数据",
    Step.UPGRADE_STORE: "升级数据",
    Step.RESTORE_STORE: "从备份恢复数据",
    Step.BACKUP_STORE: "备份数据",
    Step.VERIFY_AUDIT: "核验工作记录",
    Step.DEMO: "查看演示",
    # applicants and intake
    Step.IMPORT_APPLICANTS: "受理各单位报送的申报信息",
    Step.LIST_APPLICANTS: "核对申报人名单",
    Step.SHOW_APPLICANT: "核对申报人信息",
    Step.CORRECT_APPLICANT: "更正申报信息并说明理由",
    Step.ISSUE_CORRECTIONS: "一次性告知需补正的内容",
    Step.WITHDRAW_APPLICANT: "登记撤回申报",
    Step.REINSTATE_APPLICANT: "恢复申报",
    Step.LIST_IMPORTS: "核对受理记录",
    Step.UNDO_IMPORT: "撤销该次受理并说明理由",
    Step.EXPIRE_APPLICANTS: "将逾期未补正的申报登记为视为放弃",
    Step.APPLICANTS_TEMPLATE: "使用统一的申报信息表",
    # experts and the draw
    Step.IMPORT_EXPERTS: "登记评审专家库",
    Step.CHECK_EXPERTS: "核对专家库的任期与备案",
    Step.LIST_EXPERTS: "核对专家名单",
    Step.ADD_CONFLICT: "登记回避关系",
    Step.DRAW_EXPERTS: "在监督人员监督下抽取评审专家",
    Step.REDRAW_EXPERTS: "说明理由后重新抽取",
    Step.FILL_DRAW: "补抽空缺位次",
    Step.LIST_DRAWS: "核对抽取记录",
    Step.SHOW_DRAW: "核对抽取记录",
    Step.CONFIRM_DRAW: "记录专家的参会答复",
    Step.VERIFY_DRAW: "复核抽取记录",
    Step.EXPORT_DRAW: "重新导出抽取记录",
    # calendar
    Step.SHOW_SCHEDULE: "核对时间节点",
    Step.RECORD_DATE: "登记实际日期",
    Step.RECORD_END: "补登公示结束日期",
    Step.RECORD_ANYWAY: "说明理由后照实登记",
    Step.CHECK_SCHEDULE: "核对时间节点",
    Step.IMPORT_PLAN: "登记年度评审计划",
    Step.CHECK_CALENDAR: "核对节假日安排",
    # the meeting
    Step.ADD_MEETING: "确定评审会议",
    Step.LIST_MEETINGS: "核对评审会议",
    Step.SHOW_MEETING: "核对评审会议情况",
    Step.ATTEND: "登记专家签到",
    Step.MARK_ABSENT: "撤销签到并登记缺席理由",
    Step.CHOOSE_CHAIR: "确定会议主持人",
    Step.RECORD_METHODS: "写明评审方式",
    Step.ASSIGN_REVIEWERS: "安排审阅专家",
    Step.RECORD_REVIEW: "录入专家评议意见",
    Step.RECORD_VOTES: "录入无记名投票计票结果",
    Step.MEETING_RESULTS: "核对评审结果",
    Step.SEAL_MEETING: "封存评审结果",
    Step.MEETING_SHEETS: "准备会议用表",
    # filing
    Step.EXPORT_FILING: "报送备案材料",
    Step.LIST_TEMPLATES: "核对文书模板",
    Step.COPY_TEMPLATES: "取得自带的文书模板",
    Step.CHECK_TEMPLATES: "检查文书模板",
}


def officer_text(finding: Finding) -> str:
    """The finding as a document says it: the fact, then what is to be done (never how to type it)."""
    fix = finding.fix
    if fix is None:
        return finding.message
    if fix.step is not None:
        todo = fix.hint or f"请{PHRASES[fix.step]}"
    else:
        todo = f"请{fix.hint}" if fix.hint and not fix.hint.startswith(("请", "须")) else fix.hint
    return f"{finding.message}；{todo}" if todo else finding.message
