"""File names made from data: safe on Windows and Linux, Chinese kept, shortened by UTF-8 bytes."""

from __future__ import annotations

import re
import unicodedata

_UNSAFE_FILENAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


# One path component: 255 bytes on Linux (ext4: UTF-8 bytes), 255 UTF-16 units on Windows (never more
# than the UTF-8 bytes). qjtitle's names stay well under it, leaving room for what is added to a name
# later (".zip" beside a package folder, ".pdf" for a .docx) and for Windows' 260-character paths.
NAME_MAX_BYTES = 200
_RESERVED_NAMES = frozenset(
    {
        "CON",
        "PRN",
        "AUX",
        "NUL",
        "CONIN$",
        "CONOUT$",
        *(f"{d}{i}" for d in ("COM", "LPT") for i in [*"123456789", "¹", "²", "³"]),
    }
)


def _cut_bytes(text: str, limit: int) -> str:
    """``text`` in at most ``limit`` UTF-8 bytes, cut between characters, "…" marking a cut."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[: max(limit - 3, 0)].decode("utf-8", "ignore").rstrip(" .") + "…"


def safe_filename(text: str, limit: int = NAME_MAX_BYTES, whole: bool = True) -> str:
    """A file name made from data, safe on Windows and Linux, Chinese kept, at most ``limit`` UTF-8 bytes.

    Characters Windows forbids and control characters become "_"; invisible format characters (zero
    width, right-to-left overrides that disguise ".exe" as ".docx") are dropped; leading and trailing
    dots and spaces go; a Windows device name (CON, NUL, COM1 …, also as "con.docx") gets a "_" before it
    (unless ``whole`` is False: the text goes after a prefix)."""
    text = unicodedata.normalize("NFC", str(text))
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cf", "Co", "Cs"))
    cleaned = _UNSAFE_FILENAME.sub("_", text).strip(" .") or "未命名"
    if whole and cleaned.split(".")[0].strip(" ").upper() in _RESERVED_NAMES:
        cleaned = "_" + cleaned
    return _cut_bytes(cleaned, limit)


def file_name(prefix: str, text: str, suffix: str = "", limit: int = NAME_MAX_BYTES) -> str:
    """``prefix`` + ``text`` made safe + ``suffix``, the whole in at most ``limit`` UTF-8 bytes
    (``text`` shortened: the prefix numbers the file, the suffix is its type)."""
    room = limit - len(prefix.encode("utf-8")) - len(suffix.encode("utf-8"))
    return f"{prefix}{safe_filename(text, max(room, 12), whole=not prefix)}{suffix}"
