"""The append-only audit log: every change is an event chained by SHA-256 to the one before."""

from __future__ import annotations

import getpass
import hashlib
import json
from typing import Any

from sqlmodel import Session, col, select

from qjtitle.models import AuditEvent, utcnow

GENESIS = "0" * 64


def current_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name on some Windows services
        return "unknown"


def _digest(event: AuditEvent) -> str:
    body = json.dumps(
        {
            "at": event.at.isoformat(),
            "user": event.user,
            "command": event.command,
            "action": event.action,
            "detail": event.detail,
            "prev": event.prev_hash,
        },
        ensure_ascii=False,
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def record(session: Session, command: str, action: str, detail: dict[str, Any], user: str | None = None) -> AuditEvent:
    """Append one event in the caller's transaction."""
    last = session.exec(select(AuditEvent.hash).order_by(col(AuditEvent.id).desc()).limit(1)).first()
    event = AuditEvent(
        at=utcnow(),
        user=user or current_user(),
        command=command,
        action=action,
        detail=json.loads(json.dumps(detail, ensure_ascii=False, default=str)),
        prev_hash=last or GENESIS,
    )
    event.hash = _digest(event)
    session.add(event)
    return event


def verify(session: Session) -> int | None:
    """The id of the first event whose chain is broken, or None when the log is intact."""
    prev = GENESIS
    for event in session.exec(select(AuditEvent).order_by(col(AuditEvent.id))):
        if event.prev_hash != prev or _digest(event) != event.hash:
            return event.id
        prev = event.hash
    return None
