"""Use cases of the org tree."""

from collections.abc import Sequence

from sqlalchemy.orm import Session

from govkiosk.platform.accounts.authz import Perm, Principal
from govkiosk.platform.audit import service as audit
from govkiosk.platform.core.errors import Conflict, InvalidInput, NotFound
from govkiosk.platform.orgs import repository
from govkiosk.platform.orgs.models import CHILD_KIND, OrgKind, OrgNode, SiteType
from govkiosk.platform.orgs.schemas import OrgNodeCreate, OrgNodeUpdate


def get(session: Session, node_id: int) -> OrgNode:
    """The node `node_id`, or NotFound."""
    node = repository.get(session, node_id)
    if node is None:
        raise NotFound(f"org node {node_id} does not exist")
    return node


def get_path(session: Session, node_id: int) -> str:
    """The materialised path of node `node_id`."""
    return get(session, node_id).path


def ancestors(session: Session, node: OrgNode) -> Sequence[OrgNode]:
    """The chain root → node."""
    return repository.ancestors(session, node)


def subtree_ids(session: Session, node_id: int) -> Sequence[int]:
    return repository.subtree_ids(session, get_path(session, node_id))


def list_nodes(session: Session, *, under: OrgNode, kind: str | None = None) -> Sequence[OrgNode]:
    """Every node of a subtree (no authorisation: seeding and services)."""
    rows, _ = repository.list_nodes(session, paths=[under.path], kind=kind, limit=1_000_000)
    return rows


def list_visible(
    session: Session,
    principal: Principal,
    *,
    parent_id: int | None,
    kind: str | None,
    limit: int,
    offset: int,
) -> tuple[Sequence[OrgNode], int]:
    """Nodes the principal may read."""
    paths = [s.path for s in principal.require_any(Perm.ORG_READ)]
    return repository.list_nodes(
        session, paths=paths, parent_id=parent_id, kind=kind, limit=limit, offset=offset
    )


def insert(
    session: Session, *, parent: OrgNode | None, kind: OrgKind, name: str, **fields: object
) -> OrgNode:
    """Add a node under `parent` and give it its path (no authorisation: seeding and services)."""
    node = repository.add(
        session,
        OrgNode(
            parent_id=parent.id if parent else None,
            kind=kind,
            name=name,
            depth=parent.depth + 1 if parent else 0,
            **fields,
        ),
    )
    node.path = f"{parent.path if parent else '/'}{node.id}/"
    session.flush()
    return node


def get_root(session: Session) -> OrgNode:
    """The root (city) node, or NotFound on an empty installation."""
    root = repository.get_root(session)
    if root is None:
        raise NotFound("the org tree is empty; run `govkiosk bootstrap`")
    return root


def create_root(session: Session, *, name: str, code: str | None) -> OrgNode:
    """Create the city node of a new installation (there is only one root)."""
    if repository.get_root(session) is not None:
        raise Conflict("this installation already has a root org node")
    return insert(session, parent=None, kind=OrgKind.CITY, name=name, code=code)


def create(session: Session, principal: Principal, data: OrgNodeCreate) -> OrgNode:
    """Create a child node under a node the principal may change."""
    parent = get(session, data.parent_id)
    principal.require(Perm.ORG_WRITE, parent.path)
    kind = CHILD_KIND.get(OrgKind(parent.kind))
    if kind is None:
        raise InvalidInput("a site cannot have child nodes; terminals are placed at sites")
    if data.site_type is not None and (kind is not OrgKind.SITE or data.site_type not in set(SiteType)):
        raise InvalidInput(f"site_type must be one of {', '.join(SiteType)} and only for sites")
    fields = data.model_dump(exclude={"parent_id", "name"})
    node = insert(session, parent=parent, kind=kind, name=data.name, **fields)
    audit.record(
        session, principal.actor, "org.create", object_type="org_node", object_id=node.id, org_path=node.path
    )
    return node


def update(session: Session, principal: Principal, node_id: int, data: OrgNodeUpdate) -> OrgNode:
    """Change a node's name, address or position."""
    node = get(session, node_id)
    principal.require(Perm.ORG_WRITE, node.path)
    changes = data.model_dump(exclude_unset=True)
    for key, value in changes.items():
        setattr(node, key, value)
    session.flush()
    audit.record(
        session,
        principal.actor,
        "org.update",
        object_type="org_node",
        object_id=node.id,
        org_path=node.path,
        detail={"changed": sorted(changes)},
    )
    return node


def all_paths(session: Session) -> dict[int, str]:
    """Every node's path, by id (for resolving a whole fleet at once)."""
    return repository.all_paths(session)


def nodes_by_id(session: Session, ids: set[int]) -> dict[int, OrgNode]:
    """The nodes with these ids, by id."""
    return {node.id: node for node in repository.get_many(session, ids)}
