"""Form apps at the kiosk: the published form of an app, its prefill from the identity and the citizen's
e-licences, a check of one step's data (the same engine that checks the submission), and the region table
behind the region picker."""

from typing import Any

from sqlalchemy.orm import Session

from govkiosk.contracts.terminal_api import FormCheck, FormProblem, Region, RegionList
from govkiosk.platform.catalog import service
from govkiosk.platform.core.errors import InvalidInput, NotFound
from govkiosk.platform.support.elicence import LicenceLibrary
from govkiosk.platform.support.forms import paths
from govkiosk.platform.support.forms.definition import FormDefinition, parse_definition
from govkiosk.platform.support.forms.engine import compute, prefill, validate
from govkiosk.platform.support.forms.regions import PROVINCES, REGIONS, region_children

# The labels printed on an e-licence → the field names the forms' prefill sources use (住址 → address).
LICENCE_FIELDS = {"住址": "address", "姓名": "name", "公民身份号码": "id_number"}


def published_form(
    session: Session, app_id: int, *, item_id: int | None = None, item_version: int | None = None
) -> FormDefinition | None:
    """The form of an app's published version (None for an app without a form), read against the materials
    of the item version it is used for; refused when unpublished or when the item is another department's."""
    app = service.get_app(session, app_id)
    department_ok = item_id is None or app.department_id == service.get_item(session, item_id).department_id
    if app.published_version is None or not department_ok:
        raise InvalidInput(f"app_id: app {app_id} is not published for this item")
    raw = service.app_content(session, app.id, app.published_version).form_definition
    if not raw:
        return None
    item_id = item_id if item_id is not None else raw.get("item_id")
    item_version = item_version if item_version is not None else raw.get("item_version")
    materials = (
        service.item_content(session, item_id, item_version)[0].materials if item_id and item_version else []
    )
    return parse_definition(raw, material_names=[m.name for m in materials])


def _form(session: Session, app_id: int) -> FormDefinition:
    definition = published_form(session, app_id)
    if definition is None:
        raise NotFound(f"service app {app_id} has no form")
    return definition


def prefill_form(
    session: Session, licences: LicenceLibrary, app_id: int, *, name: str, id_number: str
) -> dict[str, Any]:
    """The form's initial data from the verified identity and the e-licences its prefill names, with its
    computed fields (an age from the ID number) worked out, so the kiosk can show it without a check."""
    definition = _form(session, app_id)
    sources: dict[str, dict[str, Any]] = {}
    for source in definition.ui.prefill.values():
        kind, _, rest = source.partition(".")
        licence_type = rest.partition(".")[0]
        if kind == "elicence" and licence_type not in sources:
            sources[licence_type] = _licence_fields(licences, id_number, licence_type)
    return compute(definition, prefill(definition, {"name": name, "id_number": id_number}, sources))


def _licence_fields(licences: LicenceLibrary, id_number: str, licence_type: str) -> dict[str, Any]:
    """The printed fields of the citizen's first e-licence of a type, under the prefill names."""
    found = licences.find(id_number, licence_type)
    if not found:
        return {}
    fields = dict(found[0].fields)
    known = {key: fields[label] for label, key in LICENCE_FIELDS.items() if label in fields}
    if licence_type == "结婚证":
        known |= _spouse(fields, id_number)
    return known


def _spouse(fields: dict[str, Any], id_number: str) -> dict[str, str]:
    """The other party of a marriage certificate (男方/女方 print "name ID number") as spouse_name and
    spouse_id_number, seen from the citizen whose ID number is given."""
    for label in ("男方", "女方"):
        name, _, number = str(fields.get(label, "")).rpartition(" ")
        if name and number and number.upper() != id_number.upper():
            return {"spouse_name": name, "spouse_id_number": number}
    return {}


def check_form(session: Session, app_id: int, data: dict[str, Any], step: str | None) -> FormCheck:
    """The data with its computed fields and the problems of one step's fields (of all without a step)."""
    definition = _form(session, app_id)
    computed = compute(definition, data)
    errors = validate(definition, computed)
    if step is not None:
        prefixes = _step_paths(definition, step, computed)
        errors = [e for e in errors if any(e.path == p or e.path.startswith(p + ".") for p in prefixes)]
    problems = [FormProblem(**e.model_dump()) for e in errors]
    return FormCheck(errors=problems, data=computed)


def _step_paths(definition: FormDefinition, step_id: str, data: dict[str, Any]) -> set[str]:
    """The concrete data paths of one step's fields (a repeating group's entries included)."""
    step = next((s for s in definition.ui.steps if s.id == step_id), None)
    if step is None:
        raise InvalidInput(f"step: the form has no step {step_id!r}", code="form_step_unknown")
    found = set(step.fields)
    for field in step.fields:
        found |= {paths.join(p) for p, _ in paths.expand(definition.json_schema, field, data)}
    return found


def regions(parent: str | None) -> RegionList:
    """The divisions under `parent` (the provinces without one), for the kiosk's region picker."""
    if parent is not None and parent not in REGIONS:
        raise NotFound(f"no region {parent} in the table")
    below = region_children(parent) if parent is not None else PROVINCES
    return RegionList(
        parent=parent,
        regions=[Region(code=c, name=n, has_children=bool(region_children(c))) for c, n in below.items()],
    )
