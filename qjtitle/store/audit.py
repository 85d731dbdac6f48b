"""The append-only audit log: every change is an event chained by SHA-256 to the one before.

An event holds the time (UTC), who (the name given with ``qjtitle --as``, else the
operating-system account, which is kept as well in ``os_user``), the command, the
action and what changed (JSON), the SHA-256 of the previous event (``prev_hash``; 64
zeros for the first) and its own SHA-256 over all of these (:func:`digest`).

The database refuses UPDATE, DELETE and TRUNCATE on the table (triggers, see
:mod:`qjtitle.store`), and a unique index on ``prev_hash`` refuses a fork of the chain.
Someone who bypasses the database (edits the file with another tool) is caught by
:func:`check`: an edited event no longer matches its hash, a deleted one leaves the next
event pointing at a hash that is not there, and a moved one points at an event other
than the one before it. A chain recomputed from an edit onwards is caught only against a
hash noted down earlier (``qjtitle audit verify --anchor HASH``): print the last hash
(``qjtitle audit verify`` shows it) on the filing you send, and it can be checked later.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import text
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, col, select

from qjtitle.errors import AlreadyExists, InvalidValue, QjtitleError
from qjtitle.findings import finding
from qjtitle.models import AuditEvent, utcnow
from qjtitle.store import sealing, ties
from qjtitle.store.audit_list import ListedEvent, read_events
from qjtitle.store.audit_list import local_time as _local
from qjtitle.store.engine import Store
from qjtitle.store.reading import CoreReader

GENESIS = "0" * 64
USER_ENV = "QJTITLE_USER"  # set by ``qjtitle --as NAME``
_PG_LOCK_KEY = 0x716A746974_02  # pg_advisory_xact_lock key: one appender at a time ("qjtit" + 2)
EXPORT_SUFFIXES = (".jsonl", ".xlsx")


def os_user() -> str:
    """The operating-system account running qjtitle."""
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name on some Windows services
        return "unknown"


def current_user() -> str:
    """Who is making the change: the name given with ``--as`` (``$QJTITLE_USER``), else the OS account."""
    given = " ".join(os.environ.get(USER_ENV, "").split())
    return given or os_user()


def digest(event: AuditEvent) -> str:
    """SHA-256 of the event's fields and the previous hash (``os_user`` only when set: events
    recorded before it existed keep their hashes)."""
    fields = {
        "at": event.at.isoformat(),
        "user": event.user,
        "command": event.command,
        "action": event.action,
        "detail": event.detail,
        "prev": event.prev_hash,
    }
    if event.os_user:
        fields["os_user"] = event.os_user
    body = json.dumps(fields, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def record(
    session: Session, command: str, action: str, detail: dict[str, Any], user: str | None = None
) -> AuditEvent:
    """Append one event in the caller's transaction.

    The rows of tied tables (:data:`qjtitle.store.ties.TIED`) this transaction added since
    the last event are tied to this one: it lists their digests (``tied_rows``) and each row
    then keeps the event's id and its digest (set once, which the store allows only then), so
    ``audit verify`` checks both ways. Rows added after the command's last event stay untied
    and are named by ``audit verify``."""
    rows = _untied(session)
    if rows:
        session.flush()  # the rows as stored, before their digests are taken
        tied: dict[str, list[str]] = {}
        for table, row in rows:
            tied.setdefault(table, []).append(ties.tie_digest(table, row))
        detail = {**detail, ties.TIE_KEY: tied}
    if session.get_bind().dialect.name == "postgresql":
        # Appenders queue here until the holder commits, so each reads the true last hash
        # (SQLite's BEGIN IMMEDIATE already serialises writers).
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
    last = session.exec(
        select(AuditEvent.hash).order_by(col(AuditEvent.id).desc()).limit(1)
    ).first()
    event = AuditEvent(
        at=utcnow(),
        user=user or current_user(),
        os_user=os_user(),
        command=command,
        action=action,
        detail=json.loads(json.dumps(detail, ensure_ascii=False, default=str)),
        prev_hash=last or GENESIS,
    )
    event.hash = digest(event)
    session.add(event)
    if rows:
        session.flush()  # the rows and the event, then the tie (the event's id)
        for table, row in rows:
            row.event_id = event.id
            row.event_digest = ties.tie_digest(table, row)
            session.add(row)
        session.flush()
        _written(session).clear()
    return event


_UNTIED = "qjtitle_untied_rows"


def _written(session: Session) -> list[Any]:
    found: list[Any] = session.info.setdefault(_UNTIED, [])
    return found


def _note_new_rows(session: Session, flush_context: Any, instances: Any) -> None:
    """Before each flush: keep the tied rows about to be written, in the order they were added."""
    from sqlalchemy import inspect

    new = [row for row in session.new if ties.tied_table(row) is not None]
    new.sort(key=lambda row: inspect(row).insert_order or 0)
    _written(session).extend(new)


def _untied(session: Session) -> list[tuple[str, Any]]:
    """The tied rows this transaction added since its last event (written or not), in order."""
    from sqlalchemy import inspect

    pending = [row for row in session.new if ties.tied_table(row) is not None]
    pending.sort(key=lambda row: inspect(row).insert_order or 0)
    seen: set[int] = set()
    out = []
    for row in [*_written(session), *pending]:
        table = ties.tied_table(row)
        if table is not None and id(row) not in seen and getattr(row, "event_id", None) is None:
            seen.add(id(row))
            out.append((table, row))
    return out


sa_event.listen(OrmSession, "before_flush", _note_new_rows)


# --- Checking the chain -----------------------------------------------------------------------------
EDITED, DELETED, REORDERED, ANCHOR_MISSING = "edited", "deleted", "reordered", "anchor_missing"
SEALED_CHANGED = (
    "sealed_changed"  # the chain is whole, but a sealed meeting's rows differ from its seal
)


@dataclass
class ChainCheck:
    """The result of checking the whole log."""

    count: int
    broken_id: int | None = None  # the first event whose link is broken
    kind: str | None = None  # EDITED | DELETED | REORDERED | ANCHOR_MISSING
    message: str = ""
    head_id: int | None = None
    head_hash: str = GENESIS
    anchor_id: int | None = None  # the event whose hash the --anchor named
    anchor_events_after: int = 0  # events recorded after the anchored one
    sealed_problems: list[str] = field(
        default_factory=list
    )  # rows of sealed meetings changed (sealing.verify)

    @property
    def ok(self) -> bool:
        return self.kind is None

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "events": self.count,
            "broken_id": self.broken_id,
            "kind": self.kind,
            "message": self.message,
            "head_id": self.head_id,
            "head_hash": self.head_hash,
            "anchor_id": self.anchor_id,
            "anchor_events_after": self.anchor_events_after,
            "sealed_problems": self.sealed_problems,
        }


def _label(e: AuditEvent) -> str:
    return f"第{e.id}号事件（{_local(e.at)}，{e.action}）"


def check(session: Session, anchor: str | None = None) -> ChainCheck:
    """Walk the log in id order and name the first broken event, and how it broke."""
    by_hash = {h: i for i, h in session.exec(select(AuditEvent.id, AuditEvent.hash))}
    result = ChainCheck(count=len(by_hash))
    prev_hash, prev_event = GENESIS, None
    for event in session.exec(select(AuditEvent).order_by(col(AuditEvent.id))):
        if digest(event) != event.hash:
            result.broken_id, result.kind = event.id, EDITED
            result.message = f"{_label(event)}的内容与其哈希不符：该事件记录后被改动过"
            return result
        if event.prev_hash != prev_hash:
            result.broken_id = event.id
            after = f"第{prev_event.id}号事件" if prev_event else "日志开头"
            follows = by_hash.get(event.prev_hash)
            if event.prev_hash == GENESIS:
                result.kind = REORDERED
                result.message = (
                    f"{_label(event)}本是日志的第一条，却排在{after}之后：事件的顺序被调换过"
                )
            elif follows is not None:
                result.kind = REORDERED
                result.message = f"{_label(event)}本应接在第{follows}号事件之后，却排在{after}之后：事件的顺序被调换过"
            else:
                result.kind = DELETED
                between = f"{after}与第{event.id}号之间" if prev_event else f"第{event.id}号之前"
                result.message = (
                    f"{_label(event)}所接的前一事件（哈希 {event.prev_hash[:16]}…）已不在日志中："
                    f"{between}的事件被删除了（或被改动后重算了哈希）"
                )
            return result
        prev_hash, prev_event = event.hash, event
    if prev_event is not None:
        result.head_id, result.head_hash = prev_event.id, prev_event.hash
    if anchor:
        anchor = anchor.strip().lower()
        matches = [h for h in by_hash if h.startswith(anchor)] if len(anchor) >= 12 else []
        if len(matches) == 1:
            anchored = result.anchor_id = by_hash[matches[0]]
            result.anchor_events_after = sum(
                1
                for i in by_hash.values()
                if i is not None and anchored is not None and i > anchored
            )
        else:
            result.kind = ANCHOR_MISSING
            result.message = (
                f"先前记下的哈希 {anchor[:16]}… 不在日志中：日志在那之后被改写（事件被删除或改动后重算了哈希）"
                if len(anchor) >= 12 and not matches
                else "所给的哈希太短或不唯一；请给出先前记下的完整哈希（64位）"
            )
            return result
    result.sealed_problems = sealing.verify(session) + ties.verify_ties(session)
    if result.sealed_problems:
        result.kind = SEALED_CHANGED
        result.message = "哈希链完整，但以下记录与封存时或与写入它们的审计事件不符：\n" + "\n".join(
            result.sealed_problems
        )
    return result


@dataclass(frozen=True)
class ChainHead:
    """Where the audit chain ends: the last event's hash and id, and how many events there are."""

    hash: str
    event_id: int | None
    events: int

    def as_dict(self) -> dict[str, Any]:
        """The form a filing's manifest.json keeps (``audit_head``)."""
        return {"hash": self.hash, "event_id": self.event_id, "events": self.events}


def head(session: Session) -> ChainHead:
    """Where the chain ends now: the last event's hash and id, and how many events there are
    (kept outside the store, e.g. in a filing's manifest, it lets ``audit verify --anchor``
    detect events cut from the end)."""
    last = session.exec(select(AuditEvent).order_by(col(AuditEvent.id).desc()).limit(1)).first()
    count = len(list(session.exec(select(AuditEvent.id))))
    return ChainHead(last.hash if last else GENESIS, last.id if last else None, count)


def verify_store(store: Store, anchor: str | None = None) -> ChainCheck:
    with store.transaction() as session:
        return check(session, anchor)


# --- Listing and exporting ---------------------------------------------------------------------------


def event_dict(e: AuditEvent) -> dict[str, Any]:
    """An event as exported: every field the hash covers, exactly (``at`` in UTC ISO form)."""
    return {
        "id": e.id,
        "at": e.at.isoformat(),
        "user": e.user,
        "os_user": e.os_user,
        "command": e.command,
        "action": e.action,
        "detail": e.detail,
        "prev_hash": e.prev_hash,
        "hash": e.hash,
    }


def list_events(
    store: Store,
    since: date | None = None,
    until: date | None = None,
    command: str | None = None,
    user: str | None = None,
    limit: int | None = None,
    show_pii: bool = False,
) -> list[ListedEvent]:
    """Events oldest first (the latest ``limit`` when given); ID and phone numbers masked unless
    ``show_pii``: :func:`qjtitle.store.audit_list.read_events` in a transaction of ``store``
    (``audit list`` reads it the quick way, :func:`qjtitle.store.read_store`)."""
    with store.transaction() as session:
        return read_events(
            CoreReader(session.connection()), since, until, command, user, limit, show_pii
        )


XLSX_HEADERS = [
    "编号",
    "时间（UTC）",
    "操作人",
    "系统账户",
    "命令",
    "动作",
    "内容（JSON）",
    "前一事件哈希",
    "本事件哈希",
]


@dataclass(frozen=True)
class ExportResult:
    """What ``audit export`` wrote, and the chain's state at the time."""

    file: Path
    events: int
    sha256: str
    head_hash: str
    chain_ok: bool
    chain_message: str


def export_events(store: Store, out_path: Path, force: bool = False) -> ExportResult:
    """Write the whole log to ``out_path`` (``.jsonl``: one event a line, exactly as hashed, so
    anyone can re-check the chain; ``.xlsx``: for reading, formula-safe), owner-only and
    atomically; the export itself is recorded as an event."""
    out_path = Path(out_path)
    suffix = out_path.suffix.lower()
    if suffix not in EXPORT_SUFFIXES:
        raise InvalidValue(
            f"导出文件 {out_path.name} 的格式不支持；请用 .jsonl（可复核）或 .xlsx（便于阅读）"
        )
    if out_path.exists() and not force:
        raise AlreadyExists(
            finding(
                "audit.export_exists",
                f"{out_path} 已存在",
                field="force",
                hint="确认覆盖",
                path=str(out_path),
            )
        )
    if not out_path.parent.is_dir():
        from qjtitle.paths import make_private_dir

        make_private_dir(out_path.parent)
    with store.transaction() as session:
        chain = check(session)
        events = [
            event_dict(e) for e in session.exec(select(AuditEvent).order_by(col(AuditEvent.id)))
        ]
        fd, tmp = tempfile.mkstemp(dir=out_path.parent, prefix=".tmp-", suffix=suffix)  # mode 0600
        try:
            os.close(fd)
            if suffix == ".jsonl":
                _write_jsonl(Path(tmp), events)
            else:
                _write_xlsx(Path(tmp), events)
            sha = hashlib.sha256(Path(tmp).read_bytes()).hexdigest()
            record(
                session,
                "audit export",
                "audit.exported",
                {
                    "file": out_path.name,
                    "events": len(events),
                    "head_hash": chain.head_hash,
                    "sha256": sha,
                    "chain_ok": chain.ok,
                },
            )
            session.flush()
            os.replace(tmp, out_path)
        except OSError as exc:
            Path(tmp).unlink(missing_ok=True)
            raise QjtitleError(
                f"无法写入 {out_path}（{exc.strerror or exc}）；请检查文件夹权限和磁盘空间"
            ) from None
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    return ExportResult(out_path, len(events), sha, chain.head_hash, chain.ok, chain.message)


def _write_jsonl(path: Path, events: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        for e in events:
            fh.write(json.dumps(e, ensure_ascii=False, sort_keys=True) + "\n")


def _write_xlsx(path: Path, events: list[dict[str, Any]]) -> None:
    from openpyxl import Workbook

    from qjtitle.spreadsheets.writing import set_cell

    wb = Workbook()
    ws = wb.active
    ws.title = "审计日志"
    for column, header in enumerate(XLSX_HEADERS, start=1):
        set_cell(ws.cell(row=1, column=column), header)
    for row, e in enumerate(events, start=2):
        values = [
            e["id"],
            e["at"],
            e["user"],
            e["os_user"],
            e["command"],
            e["action"],
            json.dumps(e["detail"], ensure_ascii=False, sort_keys=True),
            e["prev_hash"],
            e["hash"],
        ]
        for column, value in enumerate(values, start=1):
            set_cell(ws.cell(row=row, column=column), value)
    for letter, width in zip("ABCDEFGHI", (8, 28, 12, 12, 20, 24, 80, 20, 20), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
    wb.save(path)
