"""The one masking of personal numbers: ID numbers and mobile numbers, in their own fields and
anywhere in free text (a message quoting a cell, a unit someone typed a number into, an audit
event's detail). Terminal lists, public documents and exports all mask through here.

Standard library only, and imported by the bottom layer (the audit chain) as well as the top.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["mask_id", "mask_phone", "mask_text", "mask_tree"]


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


# Never inside a word or a hex hash (an audit event's sha256 holds long runs of digits).
_EDGE_BEFORE, _EDGE_AFTER = r"(?<![0-9A-Za-z])", r"(?![0-9A-Za-z])"
# An ID number Excel turned into a number: 5.30302198503151E+17 (the digits after the point masked).
_EXCEL_NUMBER = re.compile(_EDGE_BEFORE + r"([0-9]\.)([0-9]{8,})([eE]\+[0-9]+)" + _EDGE_AFTER)
# An ID number, a malformed one (17 or 19 digits), or another long number as written (10+ digits).
_LONG_DIGITS = re.compile(_EDGE_BEFORE + r"[0-9]{10,}[0-9Xx]?" + _EDGE_AFTER)
# A mobile number written with spaces or dashes: 138-8800-0001, 138 8800 0001.
_MOBILE = re.compile(_EDGE_BEFORE + r"1[3-9][0-9](?:[ -]?[0-9]{4}){2}" + _EDGE_AFTER)


def _long(number: str) -> str:
    return mask_id(number) if len(number) > 11 else mask_phone(number)


def mask_text(text: str, secrets: tuple[str, ...] = ()) -> str:
    """``text`` with every ID number and mobile number in it masked, the rest kept.

    ``secrets`` are numbers known to belong to the person (their ID and phone as stored), masked
    wherever they appear even when written in a way the patterns do not catch. A landline with
    its area code (0874-3123456) is kept."""
    if not text or not any(ch.isdigit() for ch in text):
        return text
    for secret in secrets:
        if secret and len(secret) >= 7 and secret in text:
            text = text.replace(secret, mask_id(secret) if len(secret) > 12 else mask_phone(secret))
    text = _EXCEL_NUMBER.sub(lambda m: m[1] + mask_id(m[2]) + m[3], text)
    text = _LONG_DIGITS.sub(lambda m: _long(m[0]), text)
    return _MOBILE.sub(lambda m: mask_phone(m[0]), text)


def mask_tree(value: Any) -> Any:
    """Every string in a JSON-like value (an audit event's detail) masked with :func:`mask_text`."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, list):
        return [mask_tree(v) for v in value]
    if isinstance(value, dict):
        return {k: mask_tree(v) for k, v in value.items()}
    return value
