"""ID photos (证件照) of those who passed, gathered from a folder: matched, never guessed.

A photo belongs to a person when its file name contains their 18-character ID
number, or, failing that, when its name is exactly theirs once digits, spaces,
punctuation and words such as 证件照/一寸/蓝底 are taken away (``01_张丽_证件照.jpg``
→ 张丽). A person with no such file is missing; a person with two candidate files,
or whose name another person who passed shares (and no ID-numbered file settles
it), is ambiguous. Both are listed for the secretary to sort out by hand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qjtitle.errors import NotFound
from qjtitle.findings import finding
from qjtitle.spreadsheets.text import compare_key

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".gif", ".webp"}
_ID = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")
_FILLER = (
    "证件照",
    "登记照",
    "免冠",
    "照片",
    "相片",
    "一寸",
    "二寸",
    "1寸",
    "2寸",
    "小一寸",
    "蓝底",
    "白底",
    "红底",
)
_NOISE = re.compile(r"[\s\d_\-.,，。、()（）\[\]【】#~·]+")


@dataclass(frozen=True)
class Person:
    key: int  # the applicant id
    name: str
    id_number: str


@dataclass
class PhotoReport:
    found: dict[int, Path] = field(default_factory=dict)  # person key → source file
    missing: list[Person] = field(default_factory=list)
    ambiguous: list[tuple[Person, list[Path]]] = field(default_factory=list)
    unused: list[Path] = field(default_factory=list)  # image files that matched nobody
    empty: list[Path] = field(default_factory=list)  # 0-byte files: never taken for anyone's photo

    def as_dict(self, folder: Path | None = None) -> dict[str, Any]:
        def rel(p: Path) -> str:
            return (
                str(p.relative_to(folder))
                if folder is not None and p.is_relative_to(folder)
                else p.name
            )

        return {
            "found": len(self.found),
            "missing": [p.name for p in self.missing],
            "ambiguous": [
                {"name": p.name, "files": [rel(f) for f in files]} for p, files in self.ambiguous
            ],
            "unused": [rel(f) for f in self.unused],
            "empty": [rel(f) for f in self.empty],
        }


def name_key(stem: str) -> str:
    """The name a photo's file name gives, for comparison: filler words, digits and punctuation removed."""
    text = stem
    for word in _FILLER:
        text = text.replace(word, "")
    return compare_key(_NOISE.sub("", text))


def images(folder: Path) -> list[Path]:
    folder = Path(folder)
    if not folder.is_dir():
        raise NotFound(
            finding("intake.no_photo_folder", f"证件照文件夹 {folder} 不存在", field="photos")
        )
    root = folder.resolve()
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file()
        and p.suffix.lower() in IMAGE_SUFFIXES
        and not p.name.startswith((".", "~$"))
        # a link (or a junction) that leads outside the folder is never followed into a filing package
        and not p.is_symlink()
        and p.resolve().is_relative_to(root)
    )


def match(folder: Path | None, people: list[Person]) -> PhotoReport:
    """Match each person to one photo in ``folder`` (None: everyone is missing)."""
    report = PhotoReport()
    if folder is None:
        report.missing = list(people)
        return report
    files = images(folder)
    report.empty = [f for f in files if f.stat().st_size == 0]
    files = [f for f in files if f not in report.empty]
    by_id: dict[str, list[Path]] = {}
    by_name: dict[str, list[Path]] = {}
    for f in files:
        numbers = {n.upper() for n in _ID.findall(f.stem)}
        if numbers:
            for n in numbers:
                by_id.setdefault(n, []).append(f)
        else:
            by_name.setdefault(name_key(f.stem), []).append(f)
    name_count: dict[str, int] = {}
    for p in people:
        name_count[compare_key(p.name)] = name_count.get(compare_key(p.name), 0) + 1
    claimed: dict[Path, list[int]] = {}
    for p in people:
        candidates = by_id.get(p.id_number.upper(), []) if p.id_number else []
        if not candidates:
            candidates = by_name.get(compare_key(p.name), []) if p.name else []
            if candidates and name_count[compare_key(p.name)] > 1:
                report.ambiguous.append((p, candidates))  # two people who passed share the name
                continue
        if len(candidates) == 1:
            report.found[p.key] = candidates[0]
            claimed.setdefault(candidates[0], []).append(p.key)
        elif candidates:
            report.ambiguous.append((p, candidates))
        else:
            report.missing.append(p)
    by_key = {p.key: p for p in people}
    for f, keys in claimed.items():
        if len(keys) > 1:  # one file names two people's ID numbers
            for k in keys:
                del report.found[k]
                report.ambiguous.append((by_key[k], [f]))
    used = set(report.found.values()) | {f for _, fs in report.ambiguous for f in fs}
    report.unused = [f for f in files if f not in used]
    return report
