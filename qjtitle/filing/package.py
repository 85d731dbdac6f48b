"""A package of documents: written into a temporary folder, listed in a manifest, moved into place.

The folder is built beside its final place (same file system), so the last step
is one rename: an interrupted export leaves a hidden ``.tmp-…`` folder that the
next export removes, never a half package under the real name. The manifest
lists every file with its title, whether it may be published, its SHA-256, size
and the time it was written, twice: ``清单.xlsx`` for people, ``manifest.json``
(which also covers ``清单.xlsx``) for programs. A zip of the folder and PDFs
made by LibreOffice are optional.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Self

from qjtitle import __version__
from qjtitle.errors import AlreadyExists, QjtitleError
from qjtitle.findings import Severity, finding
from qjtitle.paths import file_sha256

MANIFEST_JSON = "manifest.json"
MANIFEST_XLSX = "清单.xlsx"
MANIFEST_FORMAT = "qjtitle-filing-manifest/1"
TMP_PREFIX = ".tmp-"
SOFFICE_TIMEOUT_S = 600
SOFFICE_BATCH = 200  # files per soffice call (command-line length on Windows)
SOFFICE_HELP = (
    "请安装后重试："
    "Windows/macOS 从 https://zh-cn.libreoffice.org/download/ 下载安装（Windows 默认装在 C:\\Program Files\\LibreOffice）；"
    "Ubuntu/Debian：sudo apt install libreoffice-writer；统信 UOS/麒麟：在应用商店安装 LibreOffice 或 WPS 后另存为 PDF"
)
# the other way on when LibreOffice cannot be used: the package without PDF copies
WITHOUT_PDF = finding(
    "filing.without_pdf", "或去掉该选项，不转换 PDF", field="pdf", severity=Severity.NOTE
)


class PackageError(QjtitleError):
    """A filing package cannot be written (folder exists, disk, LibreOffice); the message says what to do."""


sha256_of = file_sha256


def now_text() -> str:
    """Local time with its offset, to the second (what a secretary's clock says)."""
    return datetime.now().astimezone().replace(microsecond=0).isoformat()


@dataclass
class Entry:
    """One file of the package."""

    file: str  # path inside the package, with /
    title: str
    public: bool
    sha256: str = ""
    size: int = 0
    generated_at: str = ""


STAGE_PREFIX = (
    f"{TMP_PREFIX}qjpkg-"  # .tmp-qjpkg-<pid>-<random>/: one export in progress (or interrupted)
)
PREPARED = "prepared.json"  # in a stage: written before the audit event is committed
OLD = "old"  # in a stage: what the package replaced, until the stage is removed
COMMIT_ATTEMPTS = 3
STALE_TMP_S = 600  # other .tmp-* files (a document being written) are removed when older than this


_ACTIVE: set[Path] = set()  # stages of this process still being built


def _recently_touched(stage: Path) -> bool:
    newest = 0.0
    for path in (stage, *stage.iterdir()):
        try:
            newest = max(newest, path.stat().st_mtime)
        except OSError:
            continue
    return time.time() - newest < STALE_TMP_S


def _pid_alive(pid: int, stage: Path) -> bool:
    if pid == os.getpid():
        return False  # this process's own stages: only those in _ACTIVE are in use
    if os.name != "posix":
        return _recently_touched(
            stage
        )  # no cheap check of another process: leave recent stages alone
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _stage_pid(stage: Path) -> int | None:
    try:
        return int(stage.name[len(STAGE_PREFIX) :].split("-", 1)[0])
    except ValueError:
        return None


def _roll_forward(stage: Path, parent: Path, plan: dict[str, Any]) -> None:
    """Put the staged package in place: for each of its names (folder, zip), what is there moves into
    ``stage/old``, then the new one moves in. Idempotent, so an interrupted roll-forward is finished by
    running it again; then the stage (and the old package in it) is removed."""
    old = stage / OLD
    old.mkdir(exist_ok=True)
    for name in plan["names"]:
        new, dest = stage / name, parent / name
        if new.exists() or new.is_symlink():
            if dest.exists() or dest.is_symlink():
                os.replace(dest, old / name)
            os.replace(new, dest)
        elif name not in plan["new"] and (dest.exists() or dest.is_symlink()):
            os.replace(
                dest, old / name
            )  # e.g. the zip of the old package when the new one has none
    shutil.rmtree(stage, ignore_errors=True)


def _roll_back(stage: Path, parent: Path) -> None:
    """Undo an export whose audit event was never committed: anything moved aside goes back, the stage goes."""
    old = stage / OLD
    if old.is_dir():
        for item in old.iterdir():
            if not (parent / item.name).exists():
                os.replace(item, parent / item.name)
    shutil.rmtree(stage, ignore_errors=True)


def recover(parent: Path, is_recorded: Callable[[str], bool] | None = None) -> list[str]:
    """Finish or undo the exports interrupted in ``parent``; remove stale temporary files. A stage whose
    audit event was committed (``is_recorded(manifest SHA-256)``) is moved into place; any other is
    removed, the old package staying (or going back) where it was. Returns what was done, in Chinese."""
    parent = Path(parent)
    done: list[str] = []
    if not parent.is_dir():
        return done
    for entry in sorted(parent.iterdir()):
        if not entry.name.startswith(TMP_PREFIX):
            continue
        if entry.is_dir() and entry.name.startswith(STAGE_PREFIX):
            pid = _stage_pid(entry)
            if entry in _ACTIVE or (pid is not None and _pid_alive(pid, entry)):
                continue  # an export running now (this one, or another qjtitle)
            try:
                plan = json.loads((entry / PREPARED).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                plan = None
            if plan and is_recorded is not None and is_recorded(plan["manifest_sha256"]):
                _roll_forward(entry, parent, plan)
                done.append(f"上次中断的导出已记入审计日志，已完成：{'、'.join(plan['new'])}")
            else:
                _roll_back(entry, parent)
                done.append(f"已清理上次中断的导出留下的临时文件夹 {entry.name}")
            continue
        try:
            age = time.time() - entry.lstat().st_mtime
        except OSError:
            continue
        if age < STALE_TMP_S:
            continue  # may be a file being written right now
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
        done.append(f"已清理残留的临时文件 {entry.name}")
    return done


class PackageFolder:
    """``with PackageFolder(final) as pkg:`` … ``pkg.prepare(sha)``, commit the audit event, ``pkg.commit()``.

    The package is built in a hidden stage beside its place (``.tmp-qjpkg-<pid>-…/<name>/``, its zip
    beside it), so the last steps are renames on one file system. Order: build → ``prepare`` (a note
    in the stage: the manifest's SHA-256 and the names) → the caller commits the audit event →
    ``commit`` moves the old package aside and the new one in. An export interrupted before the event
    leaves the old package as it was; one interrupted after it is finished by the next export into the
    same folder (:func:`recover`, which also removes stale temporary files)."""

    def __init__(
        self, final: Path, overwrite: bool = False, is_recorded: Callable[[str], bool] | None = None
    ):
        self.final = Path(final)
        self.overwrite = overwrite
        self.final.parent.mkdir(parents=True, exist_ok=True)
        self.recovered = recover(self.final.parent, is_recorded)
        if self.final.exists() and not overwrite:
            raise AlreadyExists(
                finding(
                    "filing.exists",
                    f"{self.final} 已存在；请换一个保存材料的文件夹",
                    field="overwrite",
                    hint="用新生成的材料替换它",
                    folder=str(self.final),
                )
            )
        self.stage = Path(
            tempfile.mkdtemp(dir=self.final.parent, prefix=f"{STAGE_PREFIX}{os.getpid()}-")
        )
        _ACTIVE.add(self.stage)
        self.root = self.stage / self.final.name
        self.root.mkdir(mode=0o700)  # owner-only, like the stage made by mkdtemp
        self.zip_name = f"{self.final.name}.zip"
        self.zipped = False
        self.entries: list[Entry] = []
        self.prepared = False
        self.recorded = False  # set by the caller once the audit event is committed
        self.committed = False

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        _ACTIVE.discard(self.stage)
        if not self.committed and not self.recorded:
            self.discard()
        # recorded but not committed: the stage stays for recover() (the event says the package exists)

    def path(self, relative: str) -> Path:
        """Where to write ``relative`` (its folders are made)."""
        target = self.root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def add(self, relative: str, title: str, public: bool, sha256: str | None = None) -> Entry:
        """Record a file already written at ``path(relative)`` (``sha256``: its hash, if known)."""
        target = self.root / relative
        stat = target.stat()
        entry = Entry(
            relative,
            title,
            public,
            sha256 or sha256_of(target),
            stat.st_size,
            datetime.fromtimestamp(stat.st_mtime).astimezone().replace(microsecond=0).isoformat(),
        )
        self.entries.append(entry)
        return entry

    def write(self, relative: str, data: bytes, title: str, public: bool) -> Entry:
        """Write ``data`` at ``relative`` and record it. The stage is hidden until ``commit`` and is
        discarded unless prepared, so a file cut short here is never seen: no temporary file."""
        import hashlib

        target = self.path(relative)
        # owner-only, as write_atomically's temporary files are
        with open(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as fh:
            fh.write(data)
        return self.add(relative, title, public, hashlib.sha256(data).hexdigest())

    def write_manifest(self, meta: dict[str, Any], heading: str) -> None:
        """清单.xlsx (every file but itself and manifest.json), then manifest.json (every file but itself)."""
        generated = now_text()
        _write_manifest_xlsx(self.path(MANIFEST_XLSX), heading, meta, self.entries, self.root)
        self.add(MANIFEST_XLSX, "材料清单", False)
        data = {
            "format": MANIFEST_FORMAT,
            "qjtitle_version": __version__,
            "generated_at": generated,
            **meta,
            "files": [asdict(e) for e in self.entries],
        }
        with open(self.path(MANIFEST_JSON), "w", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False, indent=2, default=str)
            fh.write("\n")

    def make_zip(self) -> None:
        """The zip of the finished folder, staged beside it (it appears with the folder)."""
        make_zip(self.root, self.stage / self.zip_name)
        self.zipped = True

    @property
    def final_zip(self) -> Path:
        return self.final.with_name(self.zip_name)

    def prepare(self, manifest_sha256: str) -> None:
        """Note in the stage what it holds, before the audit event is committed (see :func:`recover`)."""
        if self.final.exists() and not self.overwrite:
            raise AlreadyExists(
                finding(
                    "filing.exists",
                    f"{self.final} 已存在；请换一个保存材料的文件夹",
                    field="overwrite",
                    hint="用新生成的材料替换它",
                    folder=str(self.final),
                )
            )
        names = [self.final.name, self.zip_name]
        plan = {
            "manifest_sha256": manifest_sha256,
            "names": names,
            "new": [self.final.name, *([self.zip_name] if self.zipped else [])],
        }
        note = self.stage / PREPARED
        with open(note, "w", encoding="utf-8") as fh:
            json.dump(plan, fh, ensure_ascii=False)
            fh.flush()
            os.fsync(fh.fileno())
        self.plan = plan
        self.prepared = True

    def commit(self) -> Path:
        """After the audit event is committed: move the old package (folder and zip) aside and the new one in."""
        if not self.prepared:
            raise RuntimeError("prepare() before commit()")
        for attempt in range(
            COMMIT_ATTEMPTS
        ):  # a virus scanner or an Explorer window may hold a file briefly
            try:
                _roll_forward(self.stage, self.final.parent, self.plan)
                break
            except OSError:
                if attempt == COMMIT_ATTEMPTS - 1:
                    raise  # the stage stays; the next export into this folder finishes the move (recover)
                time.sleep(0.2 * (attempt + 1))
        self.committed = True
        return self.final

    def discard(self) -> None:
        _roll_back(self.stage, self.final.parent)


def pdf_pages(path: Path) -> int | None:
    """The number of pages of a PDF (its page objects), or None when it cannot be read."""
    import re

    try:
        data = path.read_bytes()
    except OSError:
        return None
    found = len(re.findall(rb"/Type\s*/Page(?![a-z])", data))
    return found or None


def _pages(root: Path, entry: Entry) -> int | str:
    """A file's pages as the 清单 states them: a PDF's own count, a document's from its PDF beside it,
    one for a photo; else blank, to be written in once printed."""
    path = root / entry.file
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        return pdf_pages(path) or ""
    if suffix == ".docx" and path.with_suffix(".pdf").is_file():
        return pdf_pages(path.with_suffix(".pdf")) or ""
    if suffix in (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".gif", ".webp"):
        return 1
    return ""


def item_numbers(files: list[str]) -> list[int | str]:
    """Each file's 序号 in the 清单: the number of the material it belongs to, as the report lists the
    materials and the file names begin (07_…/001_….docx is 7); the files of a material of several
    files numbered 7-1, 7-2 …; a file without a number keeps its place in the list."""
    import re

    material = [re.match(r"(\d+)_", f) for f in files]
    counts: dict[int, int] = {}
    for m in material:
        if m:
            counts[int(m[1])] = counts.get(int(m[1]), 0) + 1
    seen: dict[int, int] = {}
    out: list[int | str] = []
    for i, m in enumerate(material, start=1):
        if m is None:
            out.append(i)
            continue
        n = int(m[1])
        seen[n] = seen.get(n, 0) + 1
        out.append(n if counts[n] == 1 else f"{n}-{seen[n]}")
    return out


def _write_manifest_xlsx(
    path: Path, heading: str, meta: dict[str, Any], entries: list[Entry], root: Path
) -> None:
    """The list for people: 序号, 材料名称, 文件名, 页数, 份数, under the package's date in Chinese. The
    SHA-256, sizes and times are in manifest.json, for programs."""
    from copy import copy

    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side

    from qjtitle.spreadsheets.writing import set_cell

    wb = Workbook()
    ws = wb.active
    ws.title = "材料清单"
    set_cell(ws.cell(row=1, column=1), heading)
    ws.cell(row=1, column=1).font = Font(name="黑体", size=14, bold=True)
    ws.cell(row=1, column=1).alignment = Alignment(horizontal="center")
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=5)
    issued = meta.get("issued_text") or ""
    set_cell(
        ws.cell(row=2, column=1),
        ("【草稿】" if meta.get("draft") else "")
        + (f"编制日期：{issued}" if issued else "")
        + "　页数空白的，打印后填写",
    )
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=5)
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    headers = ["序号", "材料名称", "文件名", "页数", "份数"]
    for i, h in enumerate(headers, start=1):
        cell = ws.cell(row=3, column=i, value=h)
        cell.font = Font(name="黑体", bold=True)
        cell.alignment = Alignment(horizontal="center")
        cell.border = box
    numbers = item_numbers([e.file for e in entries])
    boxed = (
        None  # a boxed, wrapped cell's style, made once (openpyxl hashes the styles at each set)
    )
    for r, e in enumerate(entries, start=4):
        for c, value in enumerate(
            [numbers[r - 4], e.title, e.file, _pages(root, e), 1],
            start=1,
        ):
            cell = ws.cell(row=r, column=c)
            if boxed is None:
                cell.border = box
                cell.alignment = Alignment(wrap_text=True, vertical="center")
                boxed = copy(cell._style)
            else:
                cell._style = copy(boxed)
            set_cell(cell, value)
    for letter, width in zip("ABCDE", (6, 40, 44, 8, 8), strict=True):
        ws.column_dimensions[letter].width = width
    ws.print_title_rows = "3:3"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    wb.properties.title = heading
    wb.properties.creator = ""
    mark_sheets(wb, draft=bool(meta.get("draft")), confidential=True)
    wb.save(path)


def mark_sheets(wb: Any, draft: bool, confidential: bool) -> None:
    """Page header of every sheet: 【草稿】 when ``draft``, 内部资料 when ``confidential``; page numbers in the footer."""
    for ws in wb.worksheets:
        left = "【草稿】" if draft else ""
        right = "内部资料　注意保密" if confidential else ""
        for header in (ws.oddHeader, ws.evenHeader, ws.firstHeader):
            header.left.text = left or None
            header.right.text = right or None
        ws.oddFooter.center.text = "第 &P 页 共 &N 页"


def verify(folder: Path) -> list[str]:
    """Files of a package whose hash or size no longer match manifest.json (empty when all match)."""
    data = json.loads((Path(folder) / MANIFEST_JSON).read_text(encoding="utf-8"))
    problems = []
    for item in data["files"]:
        path = Path(folder) / item["file"]
        if not path.is_file():
            problems.append(f"缺少文件 {item['file']}")
        elif path.stat().st_size != item["size"] or sha256_of(path) != item["sha256"]:
            problems.append(f"{item['file']} 与清单中的 SHA-256 不符（已被修改）")
    return problems


# Files that are compressed already (a .docx or .xlsx is a zip, PNG and JPEG are deflated or
# quantised): stored as they are, since deflating them again gains a few per cent for the time of
# all the rest of the zip (2,000 review forms: about 2 s).
STORED_SUFFIXES = frozenset({".docx", ".xlsx", ".png", ".jpg", ".jpeg"})


def make_zip(folder: Path, zip_path: Path) -> Path:
    """Zip ``folder`` (entries under its name, UTF-8 file names) to ``zip_path``, atomically; files
    compressed already are stored (STORED_SUFFIXES), the others deflated."""
    folder, zip_path = Path(folder), Path(zip_path)
    fd, tmp = tempfile.mkstemp(dir=zip_path.parent, prefix=TMP_PREFIX, suffix=".zip")
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as z:
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    stored = path.suffix.lower() in STORED_SUFFIXES
                    z.write(
                        path,
                        f"{folder.name}/{path.relative_to(folder).as_posix()}",
                        zipfile.ZIP_STORED if stored else None,
                    )
        os.replace(tmp, zip_path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return zip_path


# --- PDF through LibreOffice --------------------------------------------------------------------


def find_soffice() -> str | None:
    """The LibreOffice command, or None."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    for candidate in (
        Path(os.environ.get("PROGRAMFILES", r"C:\Program Files"))
        / "LibreOffice"
        / "program"
        / "soffice.exe",
        Path(os.environ.get("PROGRAMFILES(X86)", r"C:\Program Files (x86)"))
        / "LibreOffice"
        / "program"
        / "soffice.exe",
        Path("/Applications/LibreOffice.app/Contents/MacOS/soffice"),
    ):
        if candidate.is_file():
            return str(candidate)
    return None


def require_soffice() -> str:
    found = find_soffice()
    if found is None:
        raise PackageError(
            finding(
                "filing.no_soffice",
                f"未找到 LibreOffice（soffice），无法转换为 PDF。{SOFFICE_HELP}",
            ),
            WITHOUT_PDF,
        )
    return found


def convert_to_pdf(
    documents: Iterable[Path],
    soffice: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[Path]:
    """Convert .docx files to PDF beside them (one LibreOffice run per folder and batch); return the PDFs."""
    soffice = soffice or require_soffice()
    by_folder: dict[Path, list[Path]] = {}
    for doc in documents:
        by_folder.setdefault(Path(doc).parent, []).append(Path(doc))
    made: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="qjtitle-soffice-") as profile:
        profile_url = (
            Path(profile).resolve().as_uri()
        )  # a private profile: works beside an open LibreOffice
        for folder, docs in by_folder.items():
            for start in range(0, len(docs), SOFFICE_BATCH):
                batch = docs[start : start + SOFFICE_BATCH]
                command = [
                    soffice,
                    f"-env:UserInstallation={profile_url}",
                    "--headless",
                    "--norestore",
                    "--convert-to",
                    "pdf",
                    "--outdir",
                    str(folder),
                    *map(str, batch),
                ]
                try:
                    done = subprocess.run(
                        command, capture_output=True, timeout=SOFFICE_TIMEOUT_S, check=False
                    )
                except subprocess.TimeoutExpired:
                    raise PackageError(
                        finding(
                            "filing.soffice_timeout",
                            f"LibreOffice 转换 PDF 超时（{SOFFICE_TIMEOUT_S} 秒）；请关闭其他 LibreOffice 窗口后重试",
                        ),
                        WITHOUT_PDF,
                    ) from None
                except OSError as exc:
                    raise PackageError(
                        finding(
                            "filing.soffice_failed",
                            f"无法运行 LibreOffice（{soffice}）：{exc.strerror}；{SOFFICE_HELP}",
                        ),
                        WITHOUT_PDF,
                    ) from None
                for doc in batch:
                    pdf = doc.with_suffix(".pdf")
                    if not pdf.is_file():
                        detail = (
                            (done.stderr or done.stdout or b"")
                            .decode("utf-8", "replace")
                            .strip()[-300:]
                        )
                        raise PackageError(
                            f"LibreOffice 没有把 {doc.name} 转换为 PDF（退出码 {done.returncode}）：{detail or '无输出'}"
                        )
                    made.append(pdf)
                if progress:
                    progress(len(batch))
    return made
