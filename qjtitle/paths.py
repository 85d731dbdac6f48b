"""Where the shipped templates and sample data are, installed or in a checkout.

In a wheel, ``templates/`` and ``sample_data/`` are copied into the package
(pyproject ``force-include``); in a checkout or an editable install they stay at
the repository's top level. Standard library only.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent

DEFAULT_STORE = "qjtitle.db"
STORE_ENV = "QJTITLE_DB"


def _shipped(name: str) -> Path:
    inside = PACKAGE_DIR / name
    if inside.is_dir():
        return inside
    beside = REPO_DIR / name
    if beside.is_dir():
        return beside
    raise FileNotFoundError(f"找不到随软件发布的 {name} 目录（已查找 {inside} 和 {beside}）；请重新安装 qjtitle。")


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
