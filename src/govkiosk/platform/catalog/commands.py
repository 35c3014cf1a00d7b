"""`govkiosk catalog …`: import a catalog file, export the catalog, write the import templates."""

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from govkiosk.platform.catalog import exporting, imports, service
from govkiosk.platform.catalog.importing import write_template_csv, write_template_xlsx
from govkiosk.platform.core.actor import Actor
from govkiosk.platform.core.errors import DomainError
from govkiosk.platform.db import migrate
from govkiosk.platform.db.session import Database
from govkiosk.platform.orgs import service as orgs
from govkiosk.platform.orgs.models import OrgNode
from govkiosk.platform.server import settings_for

CLI_ACTOR = Actor(username="cli")


def _node(session, org: str | None) -> OrgNode:  # noqa: ANN001 - a Session
    if org is None:
        return orgs.get_root(session)
    if org.isdigit() and len(org) < 6:
        return orgs.get(session, int(org))
    matches = [n for n in orgs.list_nodes(session, under=orgs.get_root(session)) if org in (n.code, n.name)]
    matches += (
        [orgs.get_root(session)] if org in (orgs.get_root(session).code, orgs.get_root(session).name) else []
    )
    if not matches:
        raise DomainError(f"no org node with id, code or name {org!r}")
    return matches[0]


def summary(report: imports.ImportReport) -> list[str]:
    """The report as lines a person reads: totals, then problems grouped by field and kind, then each row."""
    lines = [
        f"file: {report.file} ({report.format} format), {report.rows} rows",
        f"created {report.created} items, {report.new_versions} new versions, {report.unchanged} unchanged; "
        f"{report.departments_created} departments and {report.main_items_created} main items created",
        f"problems: {len(report.errors)} errors (rows left out), {len(report.warnings)} warnings (imported)",
        "committed" if report.committed else "NOTHING WRITTEN: fix the errors, or pass --skip-invalid",
    ]
    kinds = Counter((p.severity, p.field, _kind(p.message)) for p in report.problems)
    lines += [f"  {n:5} × {sev} {fld}: {kind}" for (sev, fld, kind), n in kinds.most_common()]
    lines += [f"  row {p.row} {p.field}: {p.message}" for p in report.errors[:50]]
    return lines


def _kind(message: str) -> str:
    """A message with its particular codes and numbers taken out, to group alike problems."""
    words = [w if not any(c.isdigit() for c in w) else "…" for w in message.split()]
    return " ".join(words)[:120]


def run_import(
    path: Path,
    *,
    db_url: str | None,
    org: str | None,
    skip_invalid: bool,
    report_path: Path | None,
    echo: Callable[[str], None],
) -> bool:
    """Import a file; True when it was committed."""
    database = Database(settings_for(db_url).db_url)
    migrate.upgrade(database.engine)
    try:
        with database.session(write=True) as session:
            node = _node(session, org)
            report = imports.import_file(
                session, CLI_ACTOR, path, org_node_id=node.id, skip_invalid=skip_invalid
            )
    finally:
        database.dispose()
    for line in summary(report):
        echo(line)
    if report_path is not None:
        body = {
            **{k: v for k, v in asdict(report).items() if k != "problems"},
            "problems": [asdict(p) for p in report.problems],
        }
        report_path.write_text(json.dumps(body, ensure_ascii=False, indent=1))
        echo(f"report: {report_path}")
    return report.committed


def run_export(*, db_url: str | None, fmt: str, out: Path, echo: Callable[[str], None]) -> None:
    """Write the whole catalog as our JSON or as CPSV-AP JSON-LD."""
    database = Database(settings_for(db_url).db_url)
    try:
        with database.session(write=False) as session:
            items = service.export_items(session, paths=["/"], department_id=None)
    finally:
        database.dispose()
    document = (
        exporting.to_json(items) if fmt == "json" else exporting.to_cpsv_ap(items, "urn:govkiosk:catalog:")
    )
    out.write_text(json.dumps(document, ensure_ascii=False, indent=1))
    echo(f"wrote {len(items)} items to {out} ({fmt})")


def run_template(out: Path, echo: Callable[[str], None]) -> None:
    """Write our import template (CSV or Excel, by the file's extension) with one example row."""
    if out.suffix.lower() == ".xlsx":
        write_template_xlsx(out)
    else:
        write_template_csv(out)
    echo(f"wrote the template {out}")
