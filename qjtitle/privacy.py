"""The one masking of personal numbers: ID numbers and mobile numbers, in their own fields and
anywhere in free text (a message quoting a cell, a unit someone typed a number into, an audit
event's detail). Terminal lists, public documents and exports all mask through here.

Standard library only, and imported by the bottom layer (the audit chain) as well as the top.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain
from typing import Any

__all__ = [
    "control_characters_in",
    "field_problems",
    "find_numbers",
    "json_safe",
    "mask_id",
    "mask_json",
    "mask_phone",
    "mask_text",
    "mask_tree",
    "may_have_field_problems",
    "personal_numbers_in",
    "without_controls",
]


def mask_id(number: str) -> str:
    """530302********1234: enough to tell people apart, not enough to misuse.

    Malformed numbers (17 digits, 5.30302198503151E+17) are masked the same way."""
    if len(number) <= 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def mask_phone(phone: str) -> str:
    """138****0001; 087*****3456 for a landline."""
    if len(phone) < 8:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


# --- The one recogniser of ID and phone numbers, however typed (issue 23.4) ------------------------
#
# Each character is read after NFKC (full-width and maths-bold digits become 0-9) and any decimal
# digit of another script (Arabic-Indic ٠-٩, Devanagari …) counts as its value. Separators people
# type between groups (spaces of every width, dashes, dots, slashes, brackets, zero-width marks)
# are skipped, up to three in a row; letters end a run but do not hide it (ID530302… is found).
# A run is an ID number (18 characters, the last a digit or X; or the old 15 digits), a mobile
# number (11 digits, 13-19…), or a long number typed without separators (10+ digits); a run whose
# groups hold one of these inside (第3 138 0013 8000) is found by its groups. A landline with its
# area code (0874-3123456) is an office number and is kept. Long hexadecimal digests (an audit
# event's hashes) are never read as numbers.

KIND_ID, KIND_MOBILE, KIND_LONG = "身份证号码", "手机号码", "长号码"
_SEPARATORS = frozenset(
    " \t\u00a0\u3000\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f"
    "-‐‑‒–—―−﹣－_.．·・。/／\\()（）[]［］【】{}｛｝〔〕<>《》〈〉"
    "\u200b\u200c\u200d\u2060\ufeff"
)
_MAX_GAP = 3  # separators in a row inside one number
# A quick look first: eleven digits of any script with at most three non-word characters between them.
_CANDIDATE = re.compile(r"\d(?:[\W_]{0,3}\d){9}")
_HEX_DIGEST = re.compile(r"[0-9a-fA-F]{24,}")
# An ID number Excel turned into a number: 5.30302198503151E+17 (the digits after the point masked).
_EXCEL_NUMBER = re.compile(r"(?<![0-9A-Za-z])([0-9]\.)([0-9]{8,})([eE]\+[0-9]+)(?![0-9A-Za-z])")


@dataclass(frozen=True)
class FoundNumber:
    """A personal number found in a text: where (``text[start:end]``), its digits and its kind."""

    start: int
    end: int
    digits: str
    kind: str  # KIND_ID | KIND_MOBILE | KIND_LONG

    def masked(self) -> str:
        return mask_id(self.digits) if self.kind == KIND_ID else mask_phone(self.digits)


@lru_cache(maxsize=4096)
def _char(ch: str) -> str:
    """'0'-'9' for a digit of any form, 'X' for an ID's check letter, ' ' for a separator, '' else."""
    if ch.isascii():
        if ch.isdigit():
            return ch
        if ch in "Xx":
            return "X"
        return " " if ch in _SEPARATORS else ""
    if ch.isdecimal():
        return str(unicodedata.decimal(ch))
    folded = unicodedata.normalize("NFKC", ch)
    if len(folded) == 1 and folded != ch:
        return _char(folded)
    return " " if ch in _SEPARATORS or ch.isspace() else ""


def _kind(digits: str, groups: int) -> str | None:
    joined = groups == 1
    if len(digits) == 18 and digits[:17].isdigit():
        # typed in groups: only when it reads as one (a birth date inside), not as dates in a row
        return KIND_ID if joined or _birth(digits[6:10], digits[10:14]) else None
    if "X" in digits:
        return KIND_LONG if joined and len(digits) >= 11 else None
    if len(digits) == 15 and (joined or (groups <= 3 and _birth("19" + digits[6:8], digits[8:12]))):
        return KIND_ID  # the old 15-digit ID
    if len(digits) == 11 and digits[0] == "1" and digits[1] in "3456789":
        # typed in groups: as people group a mobile number (3-4-4, 3-3-5 …) or digit by digit
        return KIND_MOBILE if groups <= 4 or groups == 11 else None
    if len(digits) >= 10 and joined:
        return KIND_LONG  # a long number as written (a malformed ID, a bank card)
    return None


def _birth(year: str, month_day: str) -> bool:
    return year[:2] in ("19", "20") and "0101" <= month_day <= "1231" and month_day[2:] <= "31"


def _runs(text: str) -> list[list[tuple[int, int, str]]]:
    """Runs of digit groups joined by separators: per run, its groups (start, end, digits)."""
    runs: list[list[tuple[int, int, str]]] = []
    groups: list[tuple[int, int, str]] = []
    gap, i, n = 0, 0, len(text)
    while i < n:
        c = _char(text[i])
        if c and c not in " X":
            start, digits = i, []
            while i < n and (c := _char(text[i])) and c != " ":
                if c == "X":
                    digits.append(c)
                    i += 1
                    break
                digits.append(c)
                i += 1
            groups.append((start, i, "".join(digits)))
            gap = 0
            continue
        if c == " " and groups and gap < _MAX_GAP:
            gap += 1
        elif groups:
            runs.append(groups)
            groups, gap = [], 0
        i += 1
    if groups:
        runs.append(groups)
    return runs


def _match(groups: list[tuple[int, int, str]], k: int) -> FoundNumber | None:
    """The longest number starting at group ``k``: whole groups first, then with the first group's
    leading or the last group's trailing digits left out (a number touching other digits)."""
    for j in range(len(groups), k, -1):
        digits = "".join(g[2] for g in groups[k:j])
        kind = _kind(digits, j - k)
        if kind is not None:
            return FoundNumber(groups[k][0], groups[j - 1][1], digits, kind)
    for j in range(min(len(groups), k + 3), k, -1):  # as typed: three groups at most
        first, last = groups[k], groups[j - 1]
        middle = "".join(g[2] for g in groups[k + 1 : j - 1]) if j - k > 1 else ""
        for lead in range(len(first[2])):
            head = first[2][lead:]
            for trail in range(len(last[2]) if j - k > 1 else len(first[2]) - lead):
                if j - k > 1:
                    tail = last[2][: len(last[2]) - trail]
                    digits, end = head + middle + tail, last[1] - trail
                else:
                    digits, end = head[: len(head) - trail], first[1] - trail
                if (lead or trail) and _kind(digits, j - k) in (KIND_ID, KIND_MOBILE):
                    return FoundNumber(first[0] + lead, end, digits, _kind(digits, j - k) or "")
    return None


def find_numbers(text: str) -> list[FoundNumber]:
    """Every ID, mobile or long number in ``text``, however typed, in order."""
    if not text or not _CANDIDATE.search(text):
        return []
    hidden = _HEX_DIGEST.sub(lambda m: "#" * len(m[0]) if _mixed(m[0]) else m[0], text)
    found: list[FoundNumber] = []
    for groups in _runs(hidden):
        k = 0
        while k < len(groups):
            match = _match(groups, k)
            if match is None:
                k += 1
                continue
            found.append(match)
            k += 1
            while k < len(groups) and groups[k][0] < match.end:
                k += 1
    return found


def _mixed(token: str) -> bool:
    """A hexadecimal digest: digits and letters a-f mixed (not a run of digits alone)."""
    return not token.isdigit()


def personal_numbers_in(text: str) -> tuple[str, ...]:
    """What personal numbers ``text`` holds, as problem texts name them: 身份证号码, 手机号码, or both
    (a long number that is neither is masked in output but not a problem)."""
    kinds = {f.kind for f in find_numbers(text)}
    return tuple(k for k in (KIND_ID, KIND_MOBILE) if k in kinds)


def mask_text(text: str, secrets: tuple[str, ...] = ()) -> str:
    """``text`` with every ID number and mobile number in it masked, however typed, the rest kept.

    ``secrets`` are numbers known to belong to the person (their ID and phone as stored), masked
    wherever they appear even when written in a way the recogniser does not catch. A landline
    with its area code (0874-3123456) is kept."""
    if not text or not any(ch.isdigit() for ch in text):
        return text
    for secret in secrets:
        if secret and len(secret) >= 7 and secret in text:
            text = text.replace(secret, mask_id(secret) if len(secret) > 12 else mask_phone(secret))
    text = _EXCEL_NUMBER.sub(lambda m: m[1] + mask_id(m[2]) + m[3], text)
    for f in reversed(find_numbers(text)):
        text = text[: f.start] + f.masked() + text[f.end :]
    return text


# --- Control and escape characters (issue 23.5) -----------------------------------------------------

# C0 and C1 controls (tab and line breaks too: no field of a roster holds them once cleaned), DEL,
# bidirectional overrides and isolates, and zero-width marks: they hide or reorder text in a
# terminal or a document, and openpyxl refuses most of them.
_CONTROL = re.compile(
    "[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]"
)


def control_characters_in(text: str) -> tuple[str, ...]:
    """The control and escape characters in ``text``, each written as U+XXXX (empty: none)."""
    if not text or not _CONTROL.search(text):
        return ()
    return tuple(dict.fromkeys(f"U+{ord(ch):04X}" for ch in _CONTROL.findall(text)))


def without_controls(text: str, keep_lines: bool = False) -> str:
    """``text`` with every control and escape character shown as ⟨U+XXXX⟩ (never printed raw);
    ``keep_lines``: line breaks and tabs kept (a message of several lines)."""
    if not text or not _CONTROL.search(text):
        return text

    def shown(m: re.Match[str]) -> str:
        return m[0] if keep_lines and m[0] in "\n\t" else f"⟨U+{ord(m[0]):04X}⟩"

    return _CONTROL.sub(shown, text)


def json_safe(text: str) -> str:
    """JSON text with the control and escape characters its strings hold written as \\uXXXX
    escapes (the same data, never raw on a terminal)."""
    if not _CONTROL.search(text):
        return text
    return _CONTROL.sub(lambda m: m[0] if m[0] in "\n" else f"\\u{ord(m[0]):04x}", text)


# --- Problems of a roster row's text fields (intake.roster_checks calls this once a row) ---------------

KIND_PRIVATE = "个人号码"  # an ID or mobile number typed into a free-text column
KIND_CONTROL = "控制字符"  # a control or escape character in any text column
PRIVATE_FIX = "请删去该号码（身份证号码、联系电话各有其列），以免在公示材料中泄露个人信息"
CONTROL_FIX = "请删去这些看不见的控制字符（多由复制粘贴带入），重新填写该栏"


def field_problems(
    values: dict[str, str], free_text: tuple[str, ...], label: Callable[[str], str]
) -> list[tuple[str, str, str, str]]:
    """(key, message, fix, kind) for each text field holding a control or escape character, and
    for each free-text field (``free_text``) holding an ID or mobile number; the numbers are not
    repeated in the message. One quick look at the whole row first."""
    found: list[tuple[str, str, str, str]] = []
    if _CONTROL.search("".join([v for v in values.values() if type(v) is str])):
        for key, value in values.items():
            if type(value) is str and (codes := control_characters_in(value)):
                message = f"“{label(key)}”中含有控制字符或转义字符（{'、'.join(codes)}）"
                found.append((key, message, CONTROL_FIX, KIND_CONTROL))
    if free_text and _CANDIDATE.search("，".join([values.get(key) or "" for key in free_text])):
        for key in free_text:
            if kinds := personal_numbers_in(values.get(key) or ""):
                found.append(
                    (key, f"“{label(key)}”中含有{'和'.join(kinds)}", PRIVATE_FIX, KIND_PRIVATE)
                )
    return found


def may_have_field_problems(
    texts: Iterable[Sequence[str]], free_texts: Iterable[Sequence[str]]
) -> bool:
    """False when :func:`field_problems` can find nothing in any row of these columns (``texts``:
    every text column, ``free_texts``: the free-text ones): one search over a whole file instead
    of two a row. A number or control character in any one field is found in the texts joined."""
    if _CONTROL.search("".join(chain.from_iterable(texts))):
        return True
    return bool(_CANDIDATE.search("，".join(chain.from_iterable(free_texts))))


# Keys whose values are machine values, never a person's number: a draw's seed (its drawers'
# digits), hashes and digests. Everything else in a --json output is masked.
_MACHINE_KEYS = ("seed", "hash", "sha256", "digest", "anchor", "tied_rows")


def mask_json(value: Any, key: str = "") -> Any:
    """A --json output with every ID and phone number in its texts masked (:func:`mask_text`),
    except under the keys of machine values (seeds, hashes, digests)."""
    if any(k in key.lower() for k in _MACHINE_KEYS):
        return value
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, list):
        return [mask_json(v, key) for v in value]
    if isinstance(value, dict):
        return {k: mask_json(v, str(k)) for k, v in value.items()}
    return value


def mask_tree(value: Any) -> Any:
    """Every string in a JSON-like value (an audit event's detail) masked with :func:`mask_text`."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, list):
        return [mask_tree(v) for v in value]
    if isinstance(value, dict):
        return {k: mask_tree(v) for k, v in value.items()}
    return value
