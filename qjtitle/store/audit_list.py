"""Listing the audit log (``audit list``): the events as read with SQL alone, so that the listing
reads an SQLite store the quick way (:func:`qjtitle.store.read_store`) without SQLAlchemy or the
models; :func:`qjtitle.store.audit.list_events` reads an open store with the same SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from qjtitle.errors import InvalidValue
from qjtitle.findings import finding
from qjtitle.privacy import mask_tree
from qjtitle.store.reading import Reader, json_value, like_contains, moment


def local_time(when: datetime) -> str:
    """A stored moment as the local time to the second."""
    return when.astimezone().strftime("%Y-%m-%d %H:%M:%S")


@dataclass(frozen=True)
class ListedEvent:
    """An event as ``audit list`` shows it (detail masked unless asked), with its local time."""

    id: int
    at: datetime  # UTC
    user: str
    os_user: str
    command: str
    action: str
    detail: dict[str, Any]  # what changed, as recorded (the JSON column)
    prev_hash: str
    hash: str
    local_time: str

    def as_dict(self) -> dict[str, Any]:
        """The exported form (``event_dict``) plus ``local_time``."""
        return {
            "id": self.id,
            "at": self.at.isoformat(),
            "user": self.user,
            "os_user": self.os_user,
            "command": self.command,
            "action": self.action,
            "detail": self.detail,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
            "local_time": self.local_time,
        }


def read_events(
    reader: Reader,
    since: date | None = None,
    until: date | None = None,
    command: str | None = None,
    user: str | None = None,
    limit: int | None = None,
    show_pii: bool = False,
) -> list[ListedEvent]:
    """Events oldest first (the latest ``limit`` when given); ID and phone numbers masked unless
    ``show_pii``. ``since`` and ``until`` are days of the local calendar."""
    if limit is not None and limit < 1:
        raise InvalidValue(
            finding("audit.limit", f"条数 {limit} 无效；应为正整数", field="limit", limit=limit)
        )
    if since and until and since > until:
        raise InvalidValue(
            finding(
                "audit.dates",
                f"起始日期 {since} 晚于截止日期 {until}",
                field="since",
                since=str(since),
                until=str(until),
            )
        )
    where = ["1 = 1"]
    params: dict[str, Any] = {}
    if command:
        where.append("audit_event.command LIKE :command ESCAPE '/'")
        params["command"] = like_contains(command.strip())
    if user:
        where.append('audit_event."user" = :user')  # a reserved word on PostgreSQL
        params["user"] = user.strip()
    rows = reader.rows(
        f"SELECT * FROM audit_event WHERE {' AND '.join(where)} ORDER BY audit_event.id", **params
    )
    timed = [(row, moment(row["at"])) for row in rows]
    picked = [
        (row, at)
        for row, at in timed
        if (since is None or at.astimezone().date() >= since)
        and (until is None or at.astimezone().date() <= until)
    ]
    if limit is not None:
        picked = picked[-limit:]
    listed = []
    for row, at in picked:
        detail = json_value(row["detail"])
        listed.append(
            ListedEvent(
                row["id"] or 0,
                at,
                row["user"],
                row["os_user"],
                row["command"],
                row["action"],
                detail if show_pii else mask_tree(detail),
                row["prev_hash"],
                row["hash"],
                local_time(at),
            )
        )
    return listed
