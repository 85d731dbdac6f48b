"""Where the shipped templates and sample data are, installed or in a checkout.

In a wheel, ``templates/`` and ``sample_data/`` are copied into the package
(pyproject ``force-include``); in a checkout or an editable install they stay at
the repository's top level. Standard library only.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Self

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent

DEFAULT_STORE = "qjtitle.db"  # the store's file name, in the user data folder (and of old stores, in a working folder)
STORE_ENV = "QJTITLE_DB"
CALENDAR_FILE_NAME = (
    "qjtitle.calendar.toml"  # the local 调休 overrides, beside the store (workdays)
)
DATA_ENV = "QJTITLE_DATA_DIR"  # another user data folder (tests point it at a temporary one)
APP_NAME = "qjtitle"


def user_data_dir() -> Path:
    """The folder of this person's store: the platform's user data folder
    (``%LOCALAPPDATA%\\qjtitle`` on Windows, ``~/.local/share/qjtitle`` on Linux,
    ``~/Library/Application Support/qjtitle`` on macOS), or ``$QJTITLE_DATA_DIR``."""
    override = os.environ.get(DATA_ENV, "").strip()
    if override:
        return Path(override).expanduser().resolve()
    from platformdirs import user_data_dir as platform_data_dir

    return Path(platform_data_dir(APP_NAME, appauthor=False, roaming=False))


def user_store_path() -> Path:
    """The default store: one SQLite file per person, found from any working folder."""
    return user_data_dir() / DEFAULT_STORE


class StoreChoice(str):
    """A ``--db`` value as the command line resolved it: the value itself (a path or URL, or ""
    for the default store), where it came from, whether the command may create a missing store
    and what to call once the store is open (the CLI names the store there)."""

    source: str  # "--db", "QJTITLE_DB" or "默认"
    create: bool
    on_open: object  # Callable[[Store], None] | None

    def __new__(cls, value: str, source: str, create: bool = True, on_open: object = None) -> Self:
        self = super().__new__(cls, value)
        self.source, self.create, self.on_open = source, create, on_open
        return self


def _shipped(name: str) -> Path:
    inside = PACKAGE_DIR / name
    if inside.is_dir():
        return inside
    beside = REPO_DIR / name
    if beside.is_dir():
        return beside
    raise FileNotFoundError(
        f"找不到随软件发布的 {name} 目录（已查找 {inside} 和 {beside}）；请重新安装 qjtitle。"
    )


def templates_dir() -> Path:
    """The folder of the shipped document templates."""
    return _shipped("templates")


def sample_data_dir() -> Path:
    """The folder of the shipped sample data."""
    return _shipped("sample_data")


def make_private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) readable by the owner only, where the OS supports it."""
    path.mkdir(parents=True, exist_ok=True)
    if os.name == "posix":
        path.chmod(0o700)
    return path


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file, read in blocks (a roster or a package can be large)."""
    import hashlib

    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_atomically(out_path: Path, save: Callable[[str], object], suffix: str) -> Path:
    """Call ``save(temp_path)`` on a temporary file beside ``out_path`` (owner-only), then move it into
    place: an interrupted write never leaves half a file. A target held open by Word or WPS on
    Windows gives a clear message instead of a traceback."""
    import tempfile

    from qjtitle.errors import QjtitleError

    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out_path.parent, prefix=".tmp-", suffix=suffix)
    os.close(fd)
    try:
        save(tmp)
        os.replace(tmp, out_path)
    except PermissionError:
        Path(tmp).unlink(missing_ok=True)
        raise QjtitleError(
            f"无法写入 {out_path}：文件可能正在 Word、WPS 或 Excel 中打开；请关闭后重试"
        ) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out_path
