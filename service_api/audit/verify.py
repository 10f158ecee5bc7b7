"""Checking the chain (`flask audit verify`) and pruning entries past retention (`flask audit prune`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select

from service_api.audit.actions import AuditAction
from service_api.audit.chain import GENESIS, entry_hash
from service_api.audit.models import HEAD_ID, AuditEntry, AuditHead
from service_api.audit.record import SYSTEM, Actor, record
from service_api.extensions import db
from service_api.models import utcnow

BATCH = 2000


@dataclass(frozen=True)
class Verdict:
    checked: int
    broken_seq: int | None = None  # the first entry whose link does not hold
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.broken_seq is None


def _anchor() -> tuple[int, str]:
    """Where the kept chain starts: after the last pruning, the seq and hash of the last entry it removed."""
    pruned = db.session.execute(select(AuditEntry).where(AuditEntry.action == str(AuditAction.AUDIT_PRUNED))
                                .order_by(AuditEntry.seq.desc()).limit(1)).scalar_one_or_none()
    if pruned is None:
        return 0, GENESIS
    return int(pruned.detail["through_seq"]), str(pruned.detail["through_hash"])


def verify_chain() -> Verdict:
    """Walk the chain in order; the first entry that was edited, removed or inserted breaks it."""
    expected_seq, expected_prev = _anchor()
    checked = 0
    last_seq = expected_seq
    while True:
        rows = db.session.execute(select(AuditEntry).where(AuditEntry.seq > last_seq)
                                  .order_by(AuditEntry.seq).limit(BATCH)).scalars().all()
        if not rows:
            break
        for entry in rows:
            if entry.seq != expected_seq + 1:
                return Verdict(checked, expected_seq + 1, f"第 {expected_seq + 1} 条记录缺失")
            if entry.prev_hash != expected_prev:
                return Verdict(checked, entry.seq, "与上一条记录的链接不符（上一条被修改或删除）")
            if entry_hash(entry.prev_hash, entry) != entry.hash:
                return Verdict(checked, entry.seq, "记录内容与其哈希不符（记录被修改）")
            checked += 1
            expected_seq, expected_prev = entry.seq, entry.hash
        last_seq = rows[-1].seq
        for entry in rows:  # a long trail is read in batches without holding every entry in the session
            db.session.expunge(entry)
    head = db.session.get(AuditHead, HEAD_ID)
    if head is not None and (head.seq, head.hash) != (expected_seq, expected_prev):
        return Verdict(checked, expected_seq + 1, "链尾之后的记录缺失（最新的记录被删除）")
    return Verdict(checked)


def prune(retention_days: int) -> int:
    """Delete entries older than the retention (at least 6 months); one entry keeps the chain verifiable."""
    cutoff = utcnow() - timedelta(days=max(retention_days, 183))
    last = db.session.execute(select(AuditEntry).where(AuditEntry.at < cutoff)
                              .order_by(AuditEntry.seq.desc()).limit(1)).scalar_one_or_none()
    if last is None:
        return 0
    count = db.session.execute(select(func.count(AuditEntry.id)).where(AuditEntry.seq <= last.seq)).scalar_one()
    through_seq, through_hash = last.seq, last.hash
    db.session.execute(delete(AuditEntry).where(AuditEntry.seq <= through_seq))
    record(AuditAction.AUDIT_PRUNED, object_type="audit", detail={
        "through_seq": through_seq, "through_hash": through_hash, "deleted": count,
        "retention_days": max(retention_days, 183)}, actor=Actor(SYSTEM, name="retention"))
    db.session.commit()
    return count
