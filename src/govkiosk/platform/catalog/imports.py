"""Import of a catalog file into the database: all or nothing, with a report of every row and field that
could not be mapped. Departments and main items (主项) are created as needed; an item already known by its
implementation code (实施编码) gets a new version when its content changed."""

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from govkiosk.platform.audit import service as audit
from govkiosk.platform.catalog import repository, service
from govkiosk.platform.catalog.importing import ImportRow, RowProblem, read_items
from govkiosk.platform.catalog.models import Department
from govkiosk.platform.catalog.schemas import ItemContent, ItemCreate, ItemStatus, ItemTier
from govkiosk.platform.core.actor import Actor
from govkiosk.platform.orgs import service as orgs


@dataclass
class ImportReport:
    """What an import did (or would do), and every problem found, by row and field."""

    file: str
    format: str
    rows: int
    committed: bool = False
    created: int = 0
    new_versions: int = 0
    unchanged: int = 0
    departments_created: int = 0
    main_items_created: int = 0
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def errors(self) -> list[RowProblem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[RowProblem]:
        return [p for p in self.problems if p.severity == "warning"]


def _department(session: Session, row: ImportRow, org_node_id: int, report: ImportReport) -> Department:
    code = row.department_code or f"name:{row.department}"
    known = repository.get_department_by_code(session, code)
    if known is not None:
        return known
    report.departments_created += 1
    return service.ensure_department(session, name=row.department, code=code, org_node_id=org_node_id)


def _main_item(
    session: Session, actor: Actor, department: Department, row: ImportRow, cache: dict, report: ImportReport
) -> int | None:
    if not row.main_item:
        return None
    key = (department.id, row.main_item)
    if key not in cache:
        content = ItemContent(name=row.main_item, item_type=row.content.item_type, tier=ItemTier.MAIN)
        create = ItemCreate(**content.model_dump(), department_id=department.id)
        cache[key] = service.create_item(session, actor, department, create, publish=True, audited=False).id
        report.main_items_created += 1
    return cache[key]


def _upsert(
    session: Session, actor: Actor, department: Department, parent_id: int | None, row: ImportRow
) -> str:
    """Create the item, or give a known one a new published version; returns what happened."""
    content = row.content
    if content.tier is ItemTier.SUB and parent_id is None:
        content = content.model_copy(update={"tier": ItemTier.SUB})
    known = repository.items_with_code(session, content.task_code) if content.task_code else []
    if not known:
        create = ItemCreate(**content.model_dump(), department_id=department.id, parent_id=parent_id)
        service.create_item(session, actor, department, create, publish=True, audited=False)
        return "created"
    item = known[0]
    current, _ = service.item_content(session, item.id, item.latest_version)
    if current == content:
        return "unchanged"
    row_version = service.update_item(session, actor, item, content, audited=False)
    if row_version.status == ItemStatus.DRAFT:
        service.publish_item(session, item, row_version.version)
    return "new_version"


def import_file(
    session: Session, actor: Actor, path: Path, *, org_node_id: int, skip_invalid: bool = False
) -> ImportReport:
    """Import a catalog file under an org node. With errors, nothing is written unless `skip_invalid`,
    which imports the good rows and reports the rest. The caller's transaction commits or rolls back."""
    result = read_items(path)
    report = ImportReport(
        file=str(path), format=result.format, rows=len(result.rows) + _rejected(result.problems)
    )
    report.problems = list(result.problems)
    if report.errors and not skip_invalid:
        return report
    orgs.get(session, org_node_id)
    cache: dict = {}
    for row in result.rows:
        department = _department(session, row, org_node_id, report)
        outcome = _upsert(
            session, actor, department, _main_item(session, actor, department, row, cache, report), row
        )
        setattr(report, outcome, getattr(report, outcome) + 1)
    report.committed = True
    audit.record(
        session,
        actor,
        "catalog.import",
        object_type="catalog",
        org_path=orgs.get_path(session, org_node_id),
        detail={
            "file": Path(path).name,
            "created": report.created,
            "new_versions": report.new_versions,
            "unchanged": report.unchanged,
            "errors": len(report.errors),
            "warnings": len(report.warnings),
        },
    )
    return report


def _rejected(problems: list[RowProblem]) -> int:
    return len({p.row for p in problems if p.severity == "error"})
