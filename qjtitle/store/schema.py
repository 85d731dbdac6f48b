"""Schema versions: Alembic revisions shipped in ``qjtitle/store/migrations``, applied when a store opens.

Run in code, with no ``alembic.ini``: the configuration is built here and points at the
package's ``migrations`` folder. Each revision runs in its own transaction (on SQLite
too, thanks to the store's ``BEGIN IMMEDIATE`` recipe, so a failing revision leaves no
half-made table behind), and the version is kept in ``qjtitle_alembic_version``.

- A new store is built by running every revision from the first.
- A store made before Alembic (by qjtitle's own ``m001_initial``, recorded in
  ``_qjtitle_migrations``) has exactly the baseline's schema: it is stamped at ``0001``,
  not created again, and then upgraded.
- Before an SQLite store is upgraded, it is copied with SQLite's online backup API
  beside itself (``qjtitle.db.before-0002-20231120T093000.bak``).
- On PostgreSQL an advisory lock keeps two processes from upgrading at once.

Opening a store that is up to date costs one small query: :data:`HEAD` is compared
with the store's version, and Alembic is only imported when they differ.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qjtitle.errors import StoreError
from qjtitle.findings import finding

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy.engine import Connection

    from qjtitle.store.engine import Store

# SQLAlchemy is imported by the functions that use it, so that HEAD can be read without it
# (qjtitle.store.reading checks a store's version with the standard library's sqlite3).

HEAD = "0013"  # the newest revision in migrations/versions (tests/test_migrations.py checks)
BASELINE = "0001"  # the schema of stores made by the homemade m001_initial
VERSION_TABLE = "qjtitle_alembic_version"
SCRIPT_LOCATION = "qjtitle.store:migrations"
_PG_LOCK_KEY = 0x716A746974_01  # pg_advisory_lock key of schema upgrades ("qjtit" + 1)


@dataclass
class SchemaState:
    """Where a store's schema stands."""

    current: str | None  # the Alembic revision, None when not stamped
    legacy: bool = False  # made by the homemade m001_initial (no Alembic version yet)
    empty: bool = False  # no table at all: a new store
    foreign_tables: list[str] = field(
        default_factory=list
    )  # tables, but neither Alembic's nor ours

    @property
    def effective(self) -> str | None:
        """The revision the schema is at (the baseline for a legacy store)."""
        return BASELINE if self.legacy and self.current is None else self.current


def _state(conn: Connection) -> SchemaState:
    from sqlalchemy import inspect, text

    from qjtitle.store.engine import MIGRATIONS_TABLE

    insp = inspect(conn)
    tables = set(insp.get_table_names())
    if VERSION_TABLE in tables:
        rows = [r[0] for r in conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}"))]
        if len(rows) > 1:
            raise StoreError(
                f"数据库的版本记录有 {len(rows)} 条（{'、'.join(rows)}），无法判断版本；请联系技术人员"
            )
        if rows:
            return SchemaState(rows[0])
        tables.discard(VERSION_TABLE)
    if MIGRATIONS_TABLE in tables:
        done = {r[0] for r in conn.execute(text(f"SELECT name FROM {MIGRATIONS_TABLE}"))}
        if "m001_initial" in done:
            return SchemaState(None, legacy=True)
        tables.discard(MIGRATIONS_TABLE)
    if not tables:
        return SchemaState(None, empty=True)
    return SchemaState(None, foreign_tables=sorted(tables))


def state(store: Store) -> SchemaState:
    from qjtitle.store.engine import translate_db_errors

    with translate_db_errors(store), store.engine.connect() as conn:
        return _state(conn)


def ensure_current(store: Store) -> list[str]:
    """Upgrade ``store`` when it is behind (the fast path: one query when it is not)."""
    if state(store).current == HEAD:
        return []
    return upgrade(store).applied


# --- Alembic -------------------------------------------------------------------------------


def config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", SCRIPT_LOCATION)
    return cfg


@dataclass(frozen=True)
class Revision:
    """A shipped schema revision: its id and the first line of its docstring."""

    revision: str
    description: str

    def as_dict(self) -> dict[str, str]:
        return {"revision": self.revision, "description": self.description}


def revisions() -> list[Revision]:
    """Every shipped revision, oldest first."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(config())
    found = [
        Revision(s.revision, (s.doc or "").strip().splitlines()[0] if s.doc else "")
        for s in script.walk_revisions("base", "heads")
    ]
    return list(reversed(found))


def _pending(current: str | None) -> list[Revision]:
    all_revisions = revisions()
    ids = [r.revision for r in all_revisions]
    if current is None:
        return all_revisions
    if current not in ids:
        raise StoreError(
            f"数据库的版本 {current} 比本程序认识的最新版本 {ids[-1]} 还新，是用更新版本的 qjtitle 建立或升级的；"
            "请先升级 qjtitle，不要用旧版本写入"
        )
    return all_revisions[ids.index(current) + 1 :]


@dataclass(frozen=True)
class SchemaStatus:
    """``db status``: the store's revision, the newest one, and those still to apply."""

    store: str  # where the store is (password hidden)
    backend: str
    current: str | None
    legacy: bool
    new: bool  # no table yet
    head: str
    pending: tuple[Revision, ...]

    @property
    def up_to_date(self) -> bool:
        return not self.pending

    def as_dict(self) -> dict[str, Any]:
        return {
            "store": self.store,
            "backend": self.backend,
            "current": self.current,
            "legacy": self.legacy,
            "new": self.new,
            "head": self.head,
            "pending": [p.as_dict() for p in self.pending],
            "up_to_date": self.up_to_date,
        }


def status(store: Store) -> SchemaStatus:
    """The store's revision, the newest one, and those still to apply."""
    st = state(store)
    if st.foreign_tables:
        raise _foreign(store, st)
    pending = _pending(st.effective)
    return SchemaStatus(
        store.where, store.backend, st.current, st.legacy, st.empty, HEAD, tuple(pending)
    )


def _foreign(store: Store, st: SchemaState) -> StoreError:
    shown = "、".join(st.foreign_tables[:8]) + ("等" if len(st.foreign_tables) > 8 else "")
    return StoreError(
        finding(
            "store.foreign",
            f"{store.where} 中已有其他程序的表（{shown}），不是 qjtitle 的数据库",
            field="db",
            hint="指定新的数据库文件，或在 PostgreSQL 上为 qjtitle 单独建一个数据库",
            where=store.where,
        )
    )


@dataclass
class UpgradeResult:
    before: str | None
    after: str | None
    applied: list[str]
    backup: Path | None = None
    stamped_legacy: bool = False


def upgrade(store: Store, backup: bool = True) -> UpgradeResult:
    """Apply the pending revisions, each in its own transaction; SQLite stores are backed up first."""
    from sqlalchemy import text

    from qjtitle.store.engine import translate_db_errors

    with translate_db_errors(store), store.engine.connect() as conn:
        pg = conn.dialect.name == "postgresql"
        if pg:  # one upgrader at a time; the others wait here, then find nothing left to do
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _PG_LOCK_KEY})
            conn.commit()
        try:
            for attempt in range(_ATTEMPTS):
                before = _state(conn).current
                conn.rollback()
                try:
                    result = _upgrade(store, conn, backup)
                    break
                except Exception:
                    conn.rollback()
                    now = _state(conn).current
                    conn.rollback()
                    # SQLite has no lock across transactions: another process opening the same store
                    # may have applied the revision we tried. Go on from where it is now.
                    if now == before or attempt == _ATTEMPTS - 1:
                        raise
        finally:
            if pg:
                conn.rollback()
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_LOCK_KEY})
                conn.commit()
    if (
        result.applied and result.before is not None
    ):  # a new store's history starts with its first real change
        _record(store, result)
    return result


_ATTEMPTS = 5


def _upgrade(store: Store, conn: Connection, backup: bool) -> UpgradeResult:
    st = _state(conn)
    conn.rollback()  # the per-revision transactions start afresh
    if st.foreign_tables:
        raise _foreign(store, st)
    pending = _pending(st.effective)
    result = UpgradeResult(before=st.effective, after=st.effective, applied=[])
    if not pending and not st.legacy:
        return result
    if backup and store.path is not None and not st.empty:
        from qjtitle.store.backup import auto_backup

        label = pending[0].revision if pending else BASELINE
        result.backup = auto_backup(store, f"before-{label}")
    from alembic import command

    cfg = config()
    cfg.attributes["connection"] = conn
    try:
        if st.legacy:
            command.stamp(cfg, BASELINE)
            result.stamped_legacy = True
        applied: list[str] = []

        def note(ctx: Any, step: Any, heads: Any, run_args: Any) -> None:
            applied.extend(step.up_revision_ids)

        cfg.attributes["on_version_apply"] = note
        command.upgrade(cfg, "head")
    except Exception:
        conn.rollback()
        raise
    result.applied = applied
    result.after = HEAD
    return result


def _record(store: Store, result: UpgradeResult) -> None:
    from qjtitle.store import audit

    with store.transaction() as session:
        audit.record(
            session,
            "db upgrade",
            "db.upgraded",
            {
                "from": result.before,
                "to": result.after,
                "applied": result.applied,
                "legacy_stamped": result.stamped_legacy,
                "backup": result.backup.name if result.backup else None,
            },
        )
