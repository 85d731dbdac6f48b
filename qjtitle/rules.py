"""Every number of the regulations qjtitle applies, each with the clause it comes from.

"通知" is 曲靖市人社局《关于做好2023年度全市高中级专业技术职称评审工作的通知》
(shared/seeds); "40号令" is 《职称评审管理暂行规定》(人社部令第40号); "民法典" the Civil
Code. No other module hard-codes these numbers: import them from here, and show
``Rule.source`` wherever a result depends on one.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction


@dataclass(frozen=True)
class Rule:
    """A number of the regulations and where it comes from."""

    value: int | Fraction
    unit: str
    text: str  # what the rule says, in Chinese, for messages and documents
    source: str  # the clause
    soft: bool = False  # 原则上 / uncertain: warn instead of failing

    @property
    def number(self) -> str:
        """The value as the regulation writes it: "2/3", "5"."""
        v = self.value
        return f"{v.numerator}/{v.denominator}" if isinstance(v, Fraction) else str(v)


# --- Deadlines, in working days (工作日) -------------------------------------------

NOTICE_BEFORE_MEETING = Rule(30, "工作日", "评审30个工作日前向社会发布评审通知", "通知 三（一）")
DRAW_BEFORE_MEETING = Rule(5, "工作日", "评审会5个工作日前抽取评委", "通知 三（一）")
PRE_FILING_BEFORE_MEETING = Rule(
    5, "工作日", "评委会在召开评审会议前5个工作日向核准组建部门进行会前备案", "通知 二"
)
PUBLICITY_MIN = Rule(
    5, "工作日", "推荐公示、会前公示、结果公示时间不少于5个工作日", "通知 三（一）"
)
POST_FILING_AFTER_MEETING = Rule(15, "工作日", "评审会后15个工作日内完成会后备案", "通知 三（一）")
PLATFORM_ENTRY_AFTER_APPOINTMENT = Rule(
    5, "工作日", "收到任职文件后5个工作日内登录信息平台录入", "通知 四"
)
POOL_REFILING_REQUEST_BEFORE = Rule(
    20, "工作日", "重新备案的评委会须在年度评审20个工作日前提出书面申请", "通知 六（二）"
)
FULL_SENIOR_PILOT_REQUEST_BEFORE = Rule(
    30,
    "工作日",
    "正高级在线评审试点在发布评审通知前30个工作日内向省人社厅提出申请",
    "通知 五（一）",
)
DRAW_CONFIDENTIALITY_WARNING = Rule(
    10,
    "工作日",
    "抽取时间早于评审会10个工作日以上，专家名单保密期过长",
    "实践（保密提示）",
    soft=True,
)
CORRECTION_DEFAULT = Rule(
    5,
    "工作日",
    "一次性告知补正，逾期未补正的视为放弃（补正期限由评委会确定，默认5个工作日）",
    "通知 六（五）",
)

# --- Order of the milestones of a meeting (schedule check) --------------------------
# A value of 0 means "on or before the day named" (no working days of margin).

CONSENT_BEFORE_MEETING = Rule(
    0, "工作日", "核准组建部门出具同意召开的书面意见后方可召开评审会议", "通知 二"
)
PRE_PUBLICITY_BEFORE_FILING = Rule(
    0, "工作日", "会前备案内容包括会前公示，会前公示宜在会前备案时已经结束", "通知 二", soft=True
)
PRE_PUBLICITY_BEFORE_MEETING = Rule(0, "工作日", "会前公示须在评审会议召开前结束", "通知 三（一）")
RESULT_PUBLICITY_BEFORE_POST_FILING = Rule(
    0, "工作日", "会后备案材料包括结果公示情况，结果公示须在会后备案前结束", "通知 四"
)
DRAW_WITH_PRE_FILING = Rule(
    0,
    "工作日",
    "会前备案材料包括专家抽取记录，抽取宜在会前备案之前完成",
    "实践（会前备案附抽取记录）",
    soft=True,
)
LOGICAL_ORDER = Rule(0, "", "时间节点须符合逻辑、程序符合要求（录入前再次核对）", "通知 四")
PLANNED_PERIOD = Rule(
    0, "", "严格按照年度评审计划（附件1）开展评审，无故延后开展评审的不予备案", "通知 一", soft=True
)

# --- Years in post ---------------------------------------------------------------

SERVICE_COUNTED_TO = (
    12,
    31,
)  # month, day of the evaluation year: 通知 三（一）申报人履职计算时间截至当年12月31日

# --- Committee, experts, pool ----------------------------------------------------

DRAWERS = Rule(3, "人", "抽取结果需由3名抽取人员签字确认", "通知 三（二）")
SUPERVISORS_MIN = Rule(1, "人", "专家在监督人员监督下从专家库中随机抽取", "通知 三（二）")
EXPERT_TERM_YEARS = Rule(3, "年", "评审专家每届任期不超过3年", "通知 六（二）")
POOL_FILING_YEARS = Rule(3, "年", "专家库备案有效期不得超过3年，届满应当重新备案", "通知 六（二）")
NEW_EXPERTS_ON_REFILING = Rule(
    Fraction(1, 3),
    "",
    "新入库评审专家人数原则上不得低于专家库人数的三分之一",
    "通知 六（二）",
    soft=True,
)
EXPERT_LEVELS = {
    "正高级": ("正高级",),
    "副高级": ("正高级", "副高级"),
    "中级": ("正高级", "副高级"),
}
"""Title levels an expert must hold to sit on a committee of each level (a senior committee needs senior experts)."""
EXPERT_LEVELS_SOURCE = (
    "40号令（二手资料）：评审专家应具有本专业高级职称，正高级评委会的评审专家应具有正高级职称"
)
SENIOR_MIN_SIZE_SPECIALTY = Rule(
    11, "人", "高级评委会按专业组建的不少于11人", "40号令（二手资料）", soft=True
)
COMMITTEE_SIZE_ODD = Rule(2, "", "评委会组成人员应当为单数", "通知 三（二）")  # odd: size % 2 == 1

# --- Meeting and vote ------------------------------------------------------------

QUORUM = Rule(
    Fraction(2, 3), "", "出席评审会议的评审专家人数应当不少于评委会人数的2/3", "通知 三（二）"
)
REVIEWERS_MIN = Rule(3, "人", "每名申报人申报材料经过3名以上专家独自审阅", "通知 三（二）")
PASS_RATE_CONTROL = Rule(
    0,
    "",
    "坚持“好中择优、注重质量”，严格控制评审通过率（未规定具体比例，可在评委会设置上限作为提示）",
    "通知 三（三）",
    soft=True,
)
PASS_THRESHOLD = Rule(
    Fraction(2, 3),
    "",
    "同意票数达到出席评审会议的评审专家总数2/3以上的为评审通过",
    "40号令（二手资料）；民法典 第一千二百五十九条",
)

METHODS = ("审阅材料", "个人述职", "面试答辩", "实践操作", "业绩展示")
"""评审方式 a committee may use (通知 三（三）: 可采用…等方式); the meeting plan names the ones chosen."""
METHODS_SOURCE = "通知 三（三）：评委会可采用审阅材料、个人述职、面试答辩、实践操作和业绩展示等方式进行多维度多方式科学评价"

# --- Applicants -----------------------------------------------------------------

ONE_APPLICATION_PER_YEAR = Rule(
    1, "次", "申报人一个年度内只能申报一次职称晋升评审", "通知 六（五）"
)

LEVELS = ("正高级", "副高级", "中级")
"""Levels a committee of the notice evaluates, highest first."""

TITLE_LADDER = ("初级", "中级", "副高级", "正高级")
"""Every title level, lowest first; a normal promotion goes one step up."""

ROUTES = ("正常", "破格", "转评")
"""申报方式: normal promotion, exceptional (skips the ladder), transfer (same level)."""


class Status(StrEnum):
    """An application's status (equal to the stored word: ``Applicant.status == Status.ACCEPTED``)."""

    ACCEPTED = "已受理"
    NEEDS_CORRECTION = "待补正"
    WITHDRAWN = "视为放弃"
    RETRACTED = "已撤回"  # the applicant withdrew, or the row was never an application


STATUS_ACCEPTED = Status.ACCEPTED
STATUS_NEEDS_CORRECTION = Status.NEEDS_CORRECTION
STATUS_WITHDRAWN = Status.WITHDRAWN
STATUS_RETRACTED = Status.RETRACTED
STATUSES = tuple(Status)
INACTIVE_STATUSES = (STATUS_WITHDRAWN, STATUS_RETRACTED)
"""Applications no longer before the committee (a reinstatement brings them back before the seal)."""


# --- Citations in signed documents ------------------------------------------------

DOCUMENT_NAMES = {
    "通知": "《曲靖市人力资源和社会保障局关于做好2023年度全市高中级专业技术职称评审工作的通知》",
    "40号令": "《职称评审管理暂行规定》（人社部令第40号）",
    "民法典": "《中华人民共和国民法典》",
}
SHORT_NAMES = {"通知": "《通知》", "40号令": "《职称评审管理暂行规定》", "民法典": "《民法典》"}
PRACTICE = "实践"


def cite(source: str, short: bool = False) -> str:
    """``Rule.source`` as a signed document cites it: by the document's name and clause, without the
    notes this module keeps on how a text was obtained ("通知 三（一）" → "《…通知》三（一）")."""
    names = SHORT_NAMES if short else DOCUMENT_NAMES
    parts = []
    for part in source.split("；"):
        part = part.split("：")[0].replace("（二手资料）", "").strip()
        if part.startswith(PRACTICE):
            parts.append("工作惯例")
            continue
        for key, name in names.items():
            if part.startswith(key):
                part = name + part[len(key) :].strip()
                break
        parts.append(part)
    return "；".join(dict.fromkeys(p for p in parts if p))


def meets_fraction(count: int, total: int, rule: Rule) -> bool:
    """``count >= total * rule.value`` in exact arithmetic (以上/不少于 include the bound)."""
    frac = Fraction(rule.value)
    return count * frac.denominator >= total * frac.numerator
