"""The catalog search index each platform node keeps in memory, kept current across nodes by a stamp.

A write bumps the catalog stamp (a random number in the database) in its transaction. After the commit the
writing node patches its own index and adopts the new stamp; another node sees a stamp it does not know at
its next search and rebuilds (about a second for 20,000 items)."""

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import event
from sqlalchemy.orm import Session

from govkiosk.platform.catalog import repository
from govkiosk.platform.catalog.search import SearchDoc, SearchIndex
from govkiosk.platform.configs import service as configs

STAMP = "catalog"


@dataclass
class _Cached:
    stamp: int
    index: SearchIndex


_lock = threading.Lock()
_cache: dict[str, _Cached] = {}  # by database URL: tests and the demo may run several databases


def _key(session: Session) -> str:
    return str(session.get_bind().engine.url)


def _docs(session: Session, item_ids: Sequence[int] | None) -> list[SearchDoc]:
    departments = {d.id: (d.name, path) for d, path in repository.list_departments(session, paths=None)}
    docs = []
    for item, row in repository.latest_items(session, item_ids):
        content = row.content
        name, path = departments.get(item.department_id, ("", "/"))
        docs.append(
            SearchDoc(
                item_id=item.id,
                name=content["name"],
                codes=tuple(c for c in (content.get("task_code"), content.get("catalog_code")) if c),
                department=name,
                department_id=item.department_id,
                org_path=path,
                item_type=content["item_type"],
                status=row.status,
                kiosk_eligible=bool(content.get("kiosk_eligible")),
                topics=tuple(content.get("topics") or ()),
                keywords=tuple(content.get("keywords") or ()),
            )
        )
    return docs


def index_for(session: Session) -> SearchIndex:
    """This node's index of the catalog, rebuilt first when another node changed the catalog."""
    stamp = configs.stamp_of(session, STAMP)
    key = _key(session)
    with _lock:
        cached = _cache.get(key)
        if cached is None or cached.stamp != stamp:
            cached = _Cached(stamp=stamp, index=SearchIndex.build(_docs(session, None)))
            _cache[key] = cached
        return cached.index


def mark_changed(session: Session, item_ids: Sequence[int]) -> None:
    """Items changed in this transaction: one new stamp for every node, and, once committed, this node's
    index patched in place when it was current before the transaction."""
    pending = session.info.get(_PENDING)
    if pending is None:
        before = configs.stamp_of(session, STAMP)
        pending = session.info[_PENDING] = _Pending(before=before, after=configs.stamp(session, STAMP))
    pending.item_ids.update(item_ids)


@dataclass
class _Pending:
    before: int
    after: int
    item_ids: set[int] = field(default_factory=set)
    docs: list[SearchDoc] = field(default_factory=list)


_PENDING = "catalog_index_pending"


@event.listens_for(Session, "before_commit")
def _collect(session: Session) -> None:
    pending: _Pending | None = session.info.get(_PENDING)
    if pending is not None and pending.item_ids:
        session.flush()
        pending.docs = _docs(session, sorted(pending.item_ids))


@event.listens_for(Session, "after_commit")
def _patch(session: Session) -> None:
    pending: _Pending | None = session.info.pop(_PENDING, None)
    if pending is None:
        return
    key = _key(session)
    with _lock:
        cached = _cache.get(key)
        if cached is not None and cached.stamp == pending.before:
            for doc in pending.docs:
                cached.index.upsert(doc)
            cached.stamp = pending.after


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_PENDING, None)
