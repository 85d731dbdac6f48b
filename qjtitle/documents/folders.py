"""Where a template comes from: the user's folder (as ``templates check`` accepted it) before the shipped ones.

Templates are looked up in the user's folder first (``--templates DIR`` or a ``templates/`` folder
beside the store), then among the shipped ones, file by file.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from pathlib import Path

from qjtitle.errors import NotFound, TemplateProblem
from qjtitle.findings import Severity, Step, finding
from qjtitle.paths import templates_dir, write_atomically

TEMPLATE_SUFFIXES = (".docx", ".html")
USER_TEMPLATES_FOLDER = (
    "templates"  # beside the store: overrides the shipped templates file by file
)


def find_template(name: str, user_dir: Path | None = None) -> Path:
    if user_dir is not None:
        candidate = Path(user_dir) / name
        if candidate.is_file():
            return candidate
    shipped = templates_dir() / name
    if shipped.is_file():
        return shipped
    raise TemplateProblem(
        f"找不到模板 {name}（已查找 {user_dir or '—'} 和 {templates_dir()}）；请重新安装 qjtitle 或检查模板文件夹"
    )


def user_templates_dir(templates: Path | None = None, store_dir: Path | None = None) -> Path | None:
    """The user's template folder: ``--templates DIR``, else a ``templates/`` folder beside the store.

    A folder named with ``--templates`` is used as it is (still sandboxed). Files in the folder beside
    the store are used only as ``qjtitle templates check`` accepted them (their SHA-256 recorded in
    ``.qjtitle-checked.json`` in the folder): a file dropped or changed there afterwards is refused."""
    if templates is not None:
        folder = Path(templates)
        if not folder.is_dir():
            raise NotFound(
                finding(
                    "template.no_folder",
                    f"自定义模板文件夹 {folder} 不存在",
                    field="templates",
                    hint="指定已有的文件夹",
                    folder=str(folder),
                ),
                finding(
                    "template.copy_into",
                    "或复制一套自带模板到该文件夹",
                    step=Step.COPY_TEMPLATES,
                    severity=Severity.NOTE,
                    folder=str(folder),
                ),
            )
        _GATED.discard(folder.resolve())
        return folder
    if store_dir is not None and (Path(store_dir) / USER_TEMPLATES_FOLDER).is_dir():
        folder = Path(store_dir) / USER_TEMPLATES_FOLDER
        _GATED.add(folder.resolve())
        return folder
    return None


# --- Templates accepted by `qjtitle templates check` ----------------------------------------------

CHECKED_FILE = (
    ".qjtitle-checked.json"  # in a user template folder: {template name: SHA-256 checked}
)
_GATED: set[Path] = (
    set()
)  # folders used without being named (beside the store): accepted files only


def accepted_hashes(folder: Path) -> dict[str, str]:
    """The templates of ``folder`` that ``templates check`` accepted, by name, with their SHA-256."""

    try:
        data = json.loads((Path(folder) / CHECKED_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    accepted = data.get("accepted") if isinstance(data, dict) else None
    if not isinstance(accepted, dict):
        return {}
    return {str(k): str(v.get("sha256", "")) for k, v in accepted.items() if isinstance(v, dict)}


def record_checked(folder: Path, results: dict[str, str | None]) -> Path:
    """Record in ``folder`` the templates accepted (name → SHA-256) and forget those that failed (None)."""

    folder = Path(folder)
    path = folder / CHECKED_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        accepted = (
            data["accepted"]
            if isinstance(data, dict) and isinstance(data.get("accepted"), dict)
            else {}
        )
    except (OSError, ValueError):
        accepted = {}
    checked_at = datetime.now().astimezone().replace(microsecond=0).isoformat()
    for name, sha in results.items():
        if sha is None:
            accepted.pop(name, None)
        else:
            accepted[name] = {"sha256": sha, "checked_at": checked_at}
    text = (
        json.dumps(
            {"format": "qjtitle-templates-checked/1", "accepted": dict(sorted(accepted.items()))},
            ensure_ascii=False,
            indent=2,
        )
        + "\n"
    )
    return write_atomically(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"), ".json")


def is_accepted(path: Path) -> bool:
    """Whether a user template may be used as it is now (always, when its folder was named)."""
    try:
        require_accepted(path, path.read_bytes())
    except (TemplateProblem, OSError):
        return False
    return True


def require_accepted(path: Path, data: bytes) -> None:
    """Refuse a template file beside the store that ``templates check`` has not accepted as it is now."""

    folder = path.parent
    if folder.resolve() not in _GATED:
        return
    if accepted_hashes(folder).get(path.name) != hashlib.sha256(data).hexdigest():
        raise TemplateProblem(
            finding(
                "template.unchecked",
                f"数据库旁模板文件夹中的 {path} 尚未通过检查，或检查后又被修改过；为安全起见不使用它",
                step=Step.CHECK_TEMPLATES,
                hint="请先检查（通过后自动登记）",
                template=path.stem,
            ),
            finding(
                "template.name_folder",
                "或在命令中明确指定该文件夹",
                field="templates",
                hint=str(folder),
                severity=Severity.NOTE,
            ),
        )


def shipped_templates() -> dict[str, Path]:
    return {
        p.name: p
        for p in sorted(templates_dir().iterdir())
        if p.suffix in TEMPLATE_SUFFIXES and not p.name.startswith((".", "~$"))
    }
