"""The milestones of a meeting (评审通知, 抽取, 公示, 备案…) with the rule each follows, the kinds of
planned date and the statuses, and the layout of every date from the meeting day in working days
(pure: no store).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from qjtitle import rules
from qjtitle.errors import InvalidValue
from qjtitle.logic.workdays import WEEKDAY_NAMES, WorkCalendar
from qjtitle.rules import Rule

# --- Milestones ------------------------------------------------------------------

DATE = "date"  # one day
WINDOW = "window"  # a publicity, first to last day


@dataclass(frozen=True)
class MilestoneDef:
    key: str
    label: str
    kind: str  # DATE | WINDOW
    rule: Rule | None
    aliases: tuple[str, ...] = ()
    recordable: bool = True


MILESTONES: dict[str, MilestoneDef] = {
    m.key: m
    for m in (
        MilestoneDef(
            "pilot-request",
            "正高级在线评审试点申请",
            DATE,
            rules.FULL_SENIOR_PILOT_REQUEST_BEFORE,
            ("试点申请", "在线评审申请"),
        ),
        MilestoneDef(
            "refiling-request",
            "专家库重新备案申请",
            DATE,
            rules.POOL_REFILING_REQUEST_BEFORE,
            ("重新备案申请", "重新备案"),
        ),
        MilestoneDef(
            "notice", "发布评审通知", DATE, rules.NOTICE_BEFORE_MEETING, ("评审通知", "通知")
        ),
        MilestoneDef(
            "recommendation-publicity", "推荐公示", WINDOW, rules.PUBLICITY_MIN, ("recommendation",)
        ),
        # the employers' submission and the eligibility review: recorded for the season's chain of
        # dates (SEASON_CHAIN), not laid out (no rule fixes their days)
        MilestoneDef("submission", "单位报送申报材料", DATE, None, ("报送", "申报材料报送")),
        MilestoneDef("eligibility", "资格审查", DATE, None, ("资格审查结果",)),
        MilestoneDef(
            "pre-publicity", "会前公示", WINDOW, rules.PUBLICITY_MIN, ("pre-meeting-publicity",)
        ),
        MilestoneDef(
            "draw", "抽取评委", DATE, rules.DRAW_BEFORE_MEETING, ("抽取", "抽取专家", "专家抽取")
        ),
        MilestoneDef(
            "pre-filing", "会前备案", DATE, rules.PRE_FILING_BEFORE_MEETING, ("pre-meeting-filing",)
        ),
        MilestoneDef(
            "consent",
            "核准部门同意召开",
            DATE,
            rules.CONSENT_BEFORE_MEETING,
            ("同意召开", "书面同意", "同意意见"),
        ),
        MilestoneDef("meeting", "评审会议", DATE, None, ("会议",), recordable=False),
        MilestoneDef("result-publicity", "结果公示", WINDOW, rules.PUBLICITY_MIN, ()),
        MilestoneDef(
            "post-filing",
            "会后备案",
            DATE,
            rules.POST_FILING_AFTER_MEETING,
            ("post-meeting-filing",),
        ),
        MilestoneDef("appointment", "收到任职文件", DATE, None, ("任职文件",)),
        MilestoneDef(
            "platform-entry",
            "系统录入",
            DATE,
            rules.PLATFORM_ENTRY_AFTER_APPOINTMENT,
            ("平台录入", "录入"),
        ),
    )
}


# The season in its logical order (通知 四: 时间节点须符合逻辑): each step's first day is not before the
# end of any step before it. "corrections" (一次性告知补正) is not a milestone: its dates are the
# notices issued. Strict pairs: the later step must start after the earlier one has ended.
SEASON_CHAIN = (
    "notice",
    "recommendation-publicity",
    "submission",
    "corrections",
    "eligibility",
    "pre-publicity",
    "draw",
    "pre-filing",
    "consent",
    "meeting",
    "result-publicity",
    "post-filing",
)
STRICT_AFTER = {"recommendation-publicity", "meeting", "result-publicity"}
# Steps that may still run while the next ones happen: the chain goes on from their first day (the
# 会前公示 should end by the pre-filing, a warning of its own, and must end before the meeting).
OPEN_ENDED = {"pre-publicity"}
CHAIN_LABELS = {"corrections": "一次性告知补正"}


def resolve_milestone(name: str) -> MilestoneDef:
    """A milestone by its key, its Chinese name or an alias; InvalidValue listing the names otherwise."""
    wanted = name.strip().lower().replace("_", "-")
    for m in MILESTONES.values():
        if wanted in (m.key, m.label.lower(), *(a.lower() for a in m.aliases)):
            return m
    names = "、".join(f"{m.key}（{m.label}）" for m in MILESTONES.values() if m.recordable)
    raise InvalidValue(f"没有名为“{name}”的时间节点；可登记的有：{names}")


# --- Kinds of planned date, and statuses ---------------------------------------------

LATEST = "latest"  # at the latest on ``latest``
RANGE = "range"  # from ``earliest`` to ``latest``
SPAN = "window"  # a publicity laid out from ``earliest`` to ``latest``
DAY = "day"  # the meeting itself
PENDING = "pending"  # no date yet (waits for another milestone)

DONE = "已完成"
PROBLEM = "有问题"
STARTED = "已开始"
OVERDUE = "逾期"
SOON = "临近"
TODO = "待办"
WAITING = "待定"
SOON_WORKDAYS = 3  # a milestone this many working days away or fewer shows as 临近


@dataclass
class Item:
    """One milestone of the plan, as shown in `qjtitle schedule`."""

    key: str
    label: str
    kind: str  # LATEST | RANGE | SPAN | DAY | PENDING
    rule: Rule | None
    earliest: date | None = None
    latest: date | None = None
    due: date | None = None  # the day "working days left" counts to
    note: str = ""
    actual_first: date | None = None
    actual_last: date | None = None
    days_left: int | None = None
    status: str = ""
    provisional: bool = False
    otherwise: str = (
        ""  # a provisional date's window or deadline if the guessed days off turn out otherwise
    )

    @property
    def when(self) -> str:
        """The window or deadline in words."""
        if self.kind == LATEST and self.latest:
            return f"不晚于 {fmt(self.latest)}"
        if self.kind == RANGE and self.latest:
            return (
                f"{fmt(self.earliest)} 至 {fmt(self.latest)}"
                if self.earliest
                else f"不晚于 {fmt(self.latest)}"
            )
        if self.kind in (SPAN, DAY) and self.earliest:
            if self.latest and self.latest != self.earliest:
                return f"{fmt(self.earliest)} 至 {fmt(self.latest)}"
            return fmt(self.earliest)
        return self.note

    @property
    def actual(self) -> str:
        if self.actual_first is None:
            return ""
        if self.actual_last and self.actual_last != self.actual_first:
            return f"{self.actual_first} 至 {self.actual_last}"
        return self.actual_first.isoformat() + (
            "（未登记结束日期）"
            if MILESTONES[self.key].kind == WINDOW and not self.actual_last
            else ""
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "kind": self.kind,
            "earliest": self.earliest,
            "latest": self.latest,
            "due": self.due,
            "when": self.when,
            "note": self.note,
            "rule": self.rule.text if self.rule else "",
            "source": self.rule.source if self.rule else "",
            "actual_first": self.actual_first,
            "actual_last": self.actual_last,
            "days_left": self.days_left,
            "status": self.status,
            "provisional": self.provisional,
            "otherwise": self.otherwise,
        }


def fmt(day: date | None) -> str:
    """2023-11-13（一）: the weekday matters where a weekend day is a make-up workday."""
    if day is None:
        return ""
    return f"{day.isoformat()}（{WEEKDAY_NAMES[day.weekday()][-1]}）"


@dataclass(frozen=True)
class Actual:
    first: date
    last: date | None = None


def pool_refiling_due(pool_filed: date | None, meeting_day: date) -> bool:
    """True when the pool's filing (valid ``POOL_FILING_YEARS``) has run out by the meeting day:
    the same last valid day as the draw's eligibility (``logic.terms.pool_valid_until``)."""
    if pool_filed is None:
        return False
    from qjtitle.logic.terms import pool_valid_until

    return meeting_day > pool_valid_until(pool_filed)


def _wd(rule: Rule) -> int:
    """A rule's number of working days."""
    return int(rule.value)


def layout(
    cal: WorkCalendar,
    first_day: date,
    last_day: date,
    level: str,
    pool_filed: date | None,
    actual: dict[str, Actual] | None = None,
) -> list[Item]:
    """The planned milestones of a meeting held from ``first_day`` to ``last_day``, in order.

    ``actual`` (recorded dates) moves the milestones that depend on another one:
    the pilot request on the real notice date, the post-meeting filing's earliest
    day on the real end of the result publicity, platform entry on the appointment.
    """
    actual = actual or {}
    publicity = _wd(rules.PUBLICITY_MIN)
    items: dict[str, Item] = {}

    def item(key: str, kind: str, **values: Any) -> Item:
        m = MILESTONES[key]
        items[key] = Item(key, m.label, kind, m.rule, **values)
        return items[key]

    notice_latest = cal.nth_before(first_day, _wd(rules.NOTICE_BEFORE_MEETING))
    # 正高级 committees apply for the online pilot; a committee whose pool filing ran out re-files.
    # Either milestone also shows when it was recorded (附件4 may list a committee whose filing date is not stored).
    if level == rules.LEVELS[0] or "pilot-request" in actual:
        notice_day = actual["notice"].first if "notice" in actual else notice_latest
        item(
            "pilot-request",
            LATEST,
            latest=cal.nth_before(notice_day, _wd(rules.FULL_SENIOR_PILOT_REQUEST_BEFORE)),
            note="原则上没有申报评审信息系统的正高级评委会均纳入试点",
        )
    if pool_refiling_due(pool_filed, first_day) or "refiling-request" in actual:
        expired = (
            f"专家库备案已满{_wd(rules.POOL_FILING_YEARS)}年（{pool_filed}）"
            if pool_filed
            else "专家库须重新备案"
        )
        item(
            "refiling-request",
            LATEST,
            latest=cal.nth_before(first_day, _wd(rules.POOL_REFILING_REQUEST_BEFORE)),
            note=expired,
        )
    item("notice", LATEST, latest=notice_latest)
    filing_latest = cal.nth_before(first_day, _wd(rules.PRE_FILING_BEFORE_MEETING))
    pre_last = cal.nth_before(filing_latest, 1)
    pre_first = cal.nth_before(pre_last, publicity - 1)
    rec_last = cal.nth_before(pre_first, 1)
    rec_first = cal.nth_before(rec_last, publicity - 1)
    item(
        "recommendation-publicity",
        SPAN,
        earliest=rec_first,
        latest=rec_last,
        note="最晚的安排：须在会前公示开始前结束",
    )
    item(
        "pre-publicity",
        SPAN,
        earliest=pre_first,
        latest=pre_last,
        note="最晚的安排：须在会前备案前结束",
    )
    item(
        "draw",
        RANGE,
        earliest=cal.nth_before(first_day, _wd(rules.DRAW_CONFIDENTIALITY_WARNING)),
        latest=cal.nth_before(first_day, _wd(rules.DRAW_BEFORE_MEETING)),
        note=f"早于会前{_wd(rules.DRAW_CONFIDENTIALITY_WARNING)}个工作日抽取会提示保密期过长",
    )
    item("pre-filing", LATEST, latest=filing_latest, note="须取得核准组建部门同意召开的书面意见")
    item("consent", LATEST, latest=first_day, note="会前备案之后、会议召开之前取得")
    item("meeting", DAY, earliest=first_day, latest=last_day)
    result_first = cal.nth_after(last_day, 1)
    result_last = cal.span_end(result_first, publicity)
    item(
        "result-publicity",
        SPAN,
        earliest=result_first,
        latest=result_last,
        note="会后最早的安排：须在会后备案前结束",
    )
    publicity_end = actual["result-publicity"].last if "result-publicity" in actual else None
    item(
        "post-filing",
        RANGE,
        earliest=cal.nth_after(publicity_end or result_last, 1),
        latest=cal.nth_after(last_day, _wd(rules.POST_FILING_AFTER_MEETING)),
        note="结果公示结束后",
    )
    item("appointment", PENDING, note="待人社部门印发任职文件")
    if "appointment" in actual:
        item(
            "platform-entry",
            LATEST,
            latest=cal.nth_after(
                actual["appointment"].first, _wd(rules.PLATFORM_ENTRY_AFTER_APPOINTMENT)
            ),
        )
    else:
        item(
            "platform-entry",
            PENDING,
            note=f"收到任职文件后{_wd(rules.PLATFORM_ENTRY_AFTER_APPOINTMENT)}个工作日内",
        )
    for it in items.values():
        it.due = it.earliest if it.kind == SPAN else it.latest
        it.provisional = bool(
            cal.provisional_years(first_day, *(d for d in (it.earliest, it.latest) if d))
        )
        if it.key in actual:
            it.actual_first, it.actual_last = actual[it.key].first, actual[it.key].last
    return list(items.values())
