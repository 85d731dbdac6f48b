"""The draw's inputs (pure): the eligible candidates, the request, the seed and the pool hash.

Steps 1 and 2 of ``qjtitle-draw-v1`` (``docs/draw-spec.md``); the selection is
:mod:`qjtitle.logic.draw`.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from qjtitle.errors import InvalidValue
from qjtitle.findings import finding

ALGORITHM = "qjtitle-draw-v1"


class Role(StrEnum):
    """A drawn expert's role in the record (stored and fingerprinted as its value)."""

    MEMBER = "member"
    ALTERNATE = "alternate"


class SeedSource(StrEnum):
    """Where a draw's seed came from (stored as its value)."""

    DRAWERS = "drawers"  # entered by the drawers at the table
    SECRETS = "secrets"  # generated from the operating system's CSPRNG


MEMBER = Role.MEMBER
ALTERNATE = Role.ALTERNATE
ROLE_NAMES = {MEMBER: "委员", ALTERNATE: "备选"}
FREE_SLOT = ""  # the slot label of a member slot open to the specialties without a fixed count
MIN_SEED_CHARS = (
    6  # a shorter seed is accepted with a warning: too few possibilities to be unpredictable
)


# --- Inputs ------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """One eligible expert as the algorithm sees them."""

    id: int
    name: str
    specialty: str
    unit: str  # the unit name normalised for comparison

    def entry(self) -> list[Any]:
        return [self.id, self.name, self.specialty, self.unit]

    @classmethod
    def from_entry(cls, entry: Sequence[Any]) -> Candidate:
        if len(entry) != 4 or not isinstance(entry[0], int):
            raise InvalidValue(
                f"符合条件专家名单中的条目 {entry!r} 格式不对；应为 [编号, 姓名, 专业, 单位]"
            )
        return cls(int(entry[0]), str(entry[1]), str(entry[2]), str(entry[3]))


@dataclass(frozen=True)
class Request:
    """How many members and alternates, fixed member counts by specialty, fixed alternate counts
    by specialty (drawn before the alternates open to all), and the per-unit cap."""

    members: int
    alternates: int = 0
    quotas: tuple[tuple[str, int], ...] = ()  # (specialty, member count), sorted by specialty
    unit_cap: int | None = None
    alternate_quotas: tuple[tuple[str, int], ...] = ()  # (specialty, alternate count), sorted

    @classmethod
    def make(
        cls,
        members: int,
        alternates: int = 0,
        quotas: Mapping[str, int] | None = None,
        unit_cap: int | None = None,
        alternate_quotas: Mapping[str, int] | None = None,
    ) -> Request:
        """A validated request with its quotas in canonical order."""
        if members < 1:
            raise InvalidValue(f"委员人数 {members} 无效；应为正整数")
        if alternates < 0:
            raise InvalidValue(f"备选人数 {alternates} 无效；应为0或正整数")
        items = sorted((quotas or {}).items())
        for specialty, count in items:
            if count < 1:
                raise InvalidValue(f"专业“{specialty}”的人数 {count} 无效；应为正整数")
        spare = sorted((alternate_quotas or {}).items())
        for specialty, count in spare:
            if count < 1:
                raise InvalidValue(f"专业“{specialty}”的备选人数 {count} 无效；应为正整数")
        fixed = sum(count for _, count in items)
        if fixed > members:
            raise InvalidValue(
                finding(
                    "draw.quotas_over",
                    f"各专业指定人数之和 {fixed} 超过委员人数 {members}",
                    field="specialties",
                    members=members,
                    fixed=fixed,
                )
            )
        if unit_cap is not None and unit_cap < 1:
            raise InvalidValue(f"每个单位最多抽取人数 {unit_cap} 无效；应为正整数")
        return cls(members, alternates, tuple(items), unit_cap, tuple(spare))

    @property
    def all_alternates(self) -> int:
        return self.alternates + sum(n for _, n in self.alternate_quotas)

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "members": self.members,
            "alternates": self.alternates,
            "quotas": dict(self.quotas),
            "unit_cap": self.unit_cap,
        }
        if self.alternate_quotas:  # spec 1.2; absent when none, so earlier records read the same
            data["alternate_quotas"] = dict(self.alternate_quotas)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Request:
        return cls.make(
            int(data["members"]),
            int(data.get("alternates", 0)),
            dict(data.get("quotas") or {}),
            data.get("unit_cap"),
            dict(data.get("alternate_quotas") or {}),
        )


# --- Seed and pool hash --------------------------------------------------------------

_SEED_CHARS = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
SEED_SEPARATOR = "/"


def _seed_char_kind(ch: str) -> str:
    """What a refused seed character is, in the words the message uses (spec §3)."""
    name = unicodedata.name(ch, "")
    if unicodedata.category(ch) in ("Cf", "Cc", "Mn", "Me", "Zl", "Zp") or "ZERO WIDTH" in name:
        return "看不见的字符"
    if "SLASH" in name or "SOLIDUS" in name:
        return "像斜线“/”而不是“/”的字符"
    if unicodedata.category(ch) == "Pd" or "DASH" in name or "HYPHEN" in name or "MINUS" in name:
        return "横线类字符"
    if ch.isdigit() or ch.isalpha():
        return "不是 0–9 或英文字母的数字或字母（可能与之形似）"
    return "不允许的字符"


def canonical_seed(parts: Iterable[str]) -> str:
    """The drawers' contributions in canonical form: ``4721/9903/1586/`` (spec §3).

    Each part is NFKC-normalised (full-width digits become ASCII); ``/`` separates pieces and
    whitespace (``str.isspace``) is removed; every other character must be an ASCII digit or
    letter, so that the seed on the signed paper is the seed that was used: a zero-width
    character, a fraction slash (from “½”), another dash or slash, or a look-alike is refused."""
    cleaned: list[str] = []
    for part in parts:
        text = unicodedata.normalize("NFKC", str(part))
        for ch in text:
            if ch in _SEED_CHARS or ch == SEED_SEPARATOR or ch.isspace():
                continue
            raise InvalidValue(
                f"随机种子“{part.encode('unicode_escape').decode('ascii') if not part.isprintable() else part}”"
                f"中有{_seed_char_kind(ch)} U+{ord(ch):04X}（{unicodedata.name(ch, '无名称')}）：随机种子只能由数字"
                "（或英文字母）组成，几组之间用空格或“/”分开；请抽取人员照签字纸上的数字重新输入"
            )
        for piece in text.split(SEED_SEPARATOR):
            piece = "".join(piece.split())
            if piece:
                cleaned.append(piece)
    if not cleaned:
        raise InvalidValue(
            finding(
                "draw.seed_empty",
                "随机种子为空：请由抽取人员各输入一组数字，或不给种子由程序生成",
                field="seed",
                hint="每人写一组（如 4721、9903、1586 各写一次）",
            )
        )
    return "".join(f"{piece}/" for piece in cleaned)


def canonical_seed_pieces(part: str) -> list[str]:
    """The non-empty pieces one entered part contributes (``canonical_seed``'s own splitting)."""
    try:
        return canonical_seed([part]).split("/")[:-1]
    except InvalidValue:
        return []


def random_seed() -> str:
    """A seed from the operating system's CSPRNG, when the drawers give none."""
    return canonical_seed([secrets.token_hex(16)])


def seed_warning(seed: str) -> str | None:
    if len(seed.replace("/", "")) < MIN_SEED_CHARS:
        return f"随机种子“{seed}”过短（不足{MIN_SEED_CHARS}个字符），可能被猜到；建议每位抽取人员各输入4位以上数字"
    return None


def canonical_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def pool_digest(candidates: Iterable[Candidate]) -> str:
    """SHA-256 of the eligible list sorted by id (step 1 of the algorithm)."""
    entries = [c.entry() for c in sorted(candidates, key=lambda c: c.id)]
    return hashlib.sha256(canonical_json(entries).encode("utf-8")).hexdigest()
