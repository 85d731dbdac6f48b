"""Quorum and votes: the arithmetic of 通知 三（二） and the pass rule of 40号令. Pure: no store.

- quorum: attending experts ≥ 2/3 of the committee size (``attending*3 >= size*2``);
- every attending expert votes on every applicant they may vote on; no proxy, no
  votes from absent experts, recused experts do not vote on that applicant;
- pass: agree ≥ 2/3 of the denominator (以上 includes the bound, 民法典 1259);
  abstaining and an invalid ballot (废票: spoilt, blank, unreadable) count as not
  agreeing: the threshold counts agree votes against the experts, whatever the
  others wrote. The denominator is, by committee setting,
  all attending experts (the regulation's words, the default) or the attending
  experts not recused from that applicant.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from math import ceil

from qjtitle import rules

AGREE, DISAGREE, ABSTAIN, INVALID = "同意", "不同意", "弃权", "废票"
CHOICES = (AGREE, DISAGREE, ABSTAIN, INVALID)
_CHOICE_ALIASES = {
    "同意": AGREE,
    "赞成": AGREE,
    "√": AGREE,
    "不同意": DISAGREE,
    "反对": DISAGREE,
    "×": DISAGREE,
    "弃权": ABSTAIN,
    "o": ABSTAIN,
    "○": ABSTAIN,
    "废票": INVALID,
    "无效": INVALID,
    "无效票": INVALID,
}
CHOICES_TEXT = "同意、不同意、弃权 或 废票（无效）"

DENOMINATOR_ALL = "all_attending"
DENOMINATOR_ELIGIBLE = "eligible"
DENOMINATORS = {
    DENOMINATOR_ALL: "以出席评审会议的全部专家为基数（按40号令原文）",
    DENOMINATOR_ELIGIBLE: "以出席且无须回避的专家为基数",
}


def normalise_choice(text: str) -> str | None:
    return _CHOICE_ALIASES.get(str(text).strip().lower())


@dataclass(frozen=True)
class Quorum:
    size: int
    attending: int

    @property
    def needed(self) -> int:
        frac = Fraction(rules.QUORUM.value)
        return ceil(self.size * frac)

    @property
    def met(self) -> bool:
        return rules.meets_fraction(self.attending, self.size, rules.QUORUM)

    def describe(self) -> str:
        verdict = "达到" if self.met else "未达到"
        return (
            f"评委会{self.size}人，出席{self.attending}人，至少需{self.needed}人（{rules.QUORUM.text}，"
            f"{rules.QUORUM.source}）：{verdict}法定人数"
        )


@dataclass
class Result:
    applicant_id: int
    agree: int
    disagree: int
    abstain: int
    denominator: int
    problems: list[str] = field(default_factory=list)
    invalid: int = 0  # 废票: counted as not agreeing

    @property
    def needed(self) -> int:
        return ceil(self.denominator * Fraction(rules.PASS_THRESHOLD.value))

    @property
    def passed(self) -> bool:
        return not self.problems and rules.meets_fraction(
            self.agree, self.denominator, rules.PASS_THRESHOLD
        )

    @property
    def margin(self) -> int:
        """Agree votes above (positive) or below (negative) the number needed."""
        return self.agree - self.needed


def tally_ballots(
    applicant_id: int,
    ballots: Mapping[int, str],
    attending: Iterable[int],
    recused: Iterable[int] = (),
    denominator: str = DENOMINATOR_ALL,
) -> Result:
    """Votes expert by expert: how the named ballots of a store before revision 0006 are still read
    (new votes are a secret ballot, entered as counts: :func:`tally_counts`)."""
    present = set(attending)
    barred = set(recused) & present
    problems = []
    for expert, choice in ballots.items():
        if expert not in present:
            problems.append(f"专家 {expert} 未出席评审会议，其投票无效（不得委托投票）")
        elif expert in barred:
            problems.append(f"专家 {expert} 须回避，不得对该申报人投票")
        if choice not in CHOICES:
            problems.append(f"专家 {expert} 的投票“{choice}”不是 {CHOICES_TEXT} 之一")
    missing = sorted(present - barred - set(ballots))
    if missing:
        problems.append(
            f"出席专家 {', '.join(map(str, missing))} 未投票：应由出席评审会议的专家共同投票产生"
        )
    valid = {e: c for e, c in ballots.items() if e in present and e not in barred}
    counts = {c: sum(1 for v in valid.values() if v == c) for c in CHOICES}
    base = len(present) if denominator == DENOMINATOR_ALL else len(present - barred)
    return Result(
        applicant_id,
        counts[AGREE],
        counts[DISAGREE],
        counts[ABSTAIN],
        base,
        problems,
        counts[INVALID],
    )


def tally_counts(
    applicant_id: int,
    agree: int,
    disagree: int,
    abstain: int,
    attending: int,
    recused: int = 0,
    denominator: str = DENOMINATOR_ALL,
    invalid: int = 0,
) -> Result:
    """Votes as counts (secret ballot): the counts must add up to the experts entitled to vote."""
    problems = []
    if min(agree, disagree, abstain, invalid) < 0:
        problems.append("票数不能为负数")
    voters = attending - recused
    total = agree + disagree + abstain + invalid
    if total != voters:
        spoilt = f"+废票{invalid}" if invalid else ""
        problems.append(
            f"同意{agree}+不同意{disagree}+弃权{abstain}{spoilt}={total}票，与应投票专家{voters}人（出席{attending}人"
            + (f"，回避{recused}人" if recused else "")
            + "）不符"
        )
    base = attending if denominator == DENOMINATOR_ALL else voters
    return Result(applicant_id, agree, disagree, abstain, base, problems, invalid)
