"""What several pages look up: names of org nodes, nodes to pick from, paging."""

import math
from collections.abc import Iterable, Sequence

from sqlalchemy.orm import Session

from govkiosk.platform.accounts.authz import Perm, Principal
from govkiosk.platform.console.deps import optional_int
from govkiosk.platform.orgs import service as orgs
from govkiosk.platform.orgs.models import OrgKind, OrgNode

PAGE_SIZE = 50
# The combined states operators see (terminals.service.combined_state), in display order.
TERMINAL_STATES = ("online", "offline", "unknown", "pending", "rejected", "revoked")


def node_names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    """The names of the org nodes `ids`."""
    return {i: orgs.get(session, i).name for i in {i for i in ids if i is not None}}


def node_choices(
    session: Session, principal: Principal, kinds: Sequence[OrgKind]
) -> list[tuple[str, list[OrgNode]]]:
    """The visible nodes of `kinds`, grouped by kind, for a select."""
    if not principal.scopes(Perm.ORG_READ):
        return []
    groups = []
    for kind in kinds:
        rows, _ = orgs.list_visible(session, principal, parent_id=None, kind=kind, limit=1000, offset=0)
        if rows:
            groups.append((kind.value, list(rows)))
    return groups


def page_count(total: int) -> int:
    return max(1, math.ceil(total / PAGE_SIZE))


def page_number(value: str) -> int:
    """The 1-based page asked for (at least 1)."""
    return max(optional_int(value) or 1, 1)
