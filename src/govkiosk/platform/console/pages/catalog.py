"""Service catalog (事项目录): search and browse the items, an item's detail, versions and its editor.

The editor posts the whole item; an invalid form is shown again (422) with what the user typed and the
errors next to the fields, so nothing typed is lost."""

from typing import Annotated, Any, get_args

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from govkiosk.contracts.terminal_api import DeviceClass
from govkiosk.platform.accounts.authz import Perm, Principal
from govkiosk.platform.catalog import service as catalog
from govkiosk.platform.catalog.models import ServiceItem
from govkiosk.platform.catalog.schemas import (
    ITEM_TYPE_LABELS,
    AnywhereScope,
    ApplicantType,
    BusinessKind,
    Channel,
    HandlingLevel,
    ItemContent,
    ItemRead,
    ItemStatus,
    ItemTier,
    TimeUnit,
)
from govkiosk.platform.console.deps import ConsolePrincipal, ConsoleSession, ConsoleWriter, optional_int
from govkiosk.platform.console.i18n import translate
from govkiosk.platform.console.lookups import PAGE_SIZE, page_count, page_number
from govkiosk.platform.console.rendering import page_url, redirect, render, request_lang
from govkiosk.platform.core.errors import Conflict, InvalidInput
from govkiosk.platform.orgs import service as orgs

router = APIRouter(prefix="/console", include_in_schema=False)

TEXT_FIELDS = (
    "name", "task_code", "catalog_code", "item_type", "tier", "business_kind", "handling_level",
    "region_code", "anywhere_scope", "description",
)  # fmt: skip
REQUIRED_TEXT = ("name", "item_type")  # sent as typed (even empty) so the schema names what is missing
LIST_FIELDS = ("conditions", "topics", "keywords")  # one entry per line
CHOICE_FIELDS = ("applicant_types", "channels", "required_devices")  # checkboxes
LIMIT_FIELDS = ("legal_limit", "promised_limit")
MATERIAL_KEYS = ("name", "originals", "copies", "elicence_type", "note")
FEE_KEYS = ("name", "amount_yuan", "basis")
EMPTY_ROWS = 3  # blank rows offered below the materials and fees
MAX_ROWS = 100
STATUSES = tuple(s.value for s in ItemStatus)
CHOICES: dict[str, tuple[str, ...]] = {
    "tier": tuple(v.value for v in ItemTier),
    "business_kind": tuple(v.value for v in BusinessKind),
    "handling_level": tuple(v.value for v in HandlingLevel),
    "anywhere_scope": tuple(v.value for v in AnywhereScope),
    "applicant_types": tuple(v.value for v in ApplicantType),
    "channels": tuple(v.value for v in Channel),
    "required_devices": get_args(DeviceClass),
    "unit": tuple(v.value for v in TimeUnit),
}


async def _form(request: Request) -> FormData:
    """The posted form with every field (the editor's rows are not known in advance)."""
    return await request.form()


PostedForm = Annotated[FormData, Depends(_form)]


def _paths(principal: Principal) -> list[str]:
    """The subtrees where the principal may read the catalog; Forbidden (403) when none."""
    return [s.path for s in principal.require_any(Perm.CATALOG_READ)]


def _flag(value: str) -> bool | None:
    return {"1": True, "0": False}.get(value)


def type_labels(lang: str) -> dict[str, str]:
    """Item type code → its label in `lang`."""
    return {t.value: (en if lang == "en" else zh) for t, (zh, en) in ITEM_TYPE_LABELS.items()}


@router.get("/catalog", response_class=HTMLResponse)
def catalog_list(
    request: Request,
    principal: ConsolePrincipal,
    session: ConsoleSession,
    q: str = "",
    department: str = "",
    item_type: str = "",
    status: str = "",
    kiosk: str = "",
    topic: str = "",
    page: str = "1",
) -> Response:
    """Search the items in the user's subtrees (name, codes, pinyin, initials), filtered, 50 a page."""
    paths = _paths(principal)
    labels = type_labels(request_lang(request))
    text, department_id = q.strip()[:100], optional_int(department)
    picked_type = item_type if item_type in labels else None
    picked_status = status if status in STATUSES else None
    picked_topic = topic.strip()[:50] or None
    number = page_number(page)
    found = catalog.search_items(
        session, text, paths=paths, department_id=department_id, item_type=picked_type, status=picked_status,
        kiosk_eligible=_flag(kiosk), topic=picked_topic, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE,
    )  # fmt: skip
    query = {
        "q": text,
        "department": department_id,
        "item_type": picked_type,
        "status": picked_status,
        "kiosk": kiosk if kiosk in ("0", "1") else None,
        "topic": picked_topic,
    }
    context = {
        "items": found.items,
        "total": found.total,
        "page": number,
        "pages": page_count(found.total),
        "query": query,
        "departments": catalog.list_departments(session, principal),
        "type_labels": labels,
        "statuses": STATUSES,
    }
    return render(request, "catalog.html", context)


# --- the editor's form: values as typed ↔ item content -------------------------------------------------


def _limit_values(limit: dict | None) -> dict[str, str]:
    if not limit:
        return {"value": "", "unit": TimeUnit.WORKING_DAY.value}
    return {"value": str(limit["value"]), "unit": str(limit["unit"])}


def values_of(item: ItemRead) -> dict[str, Any]:
    """An item's content as the editor's form values (strings as typed, lists one per line)."""
    data = item.model_dump(mode="json")
    values: dict[str, Any] = {key: data[key] or "" for key in TEXT_FIELDS}
    values |= {key: "\n".join(data[key]) for key in LIST_FIELDS}
    values |= {key: list(data[key]) for key in CHOICE_FIELDS}
    values |= {key: _limit_values(data[key]) for key in LIMIT_FIELDS}
    values["kiosk_eligible"] = bool(data["kiosk_eligible"])
    values["materials"] = [
        {key: "" if m.get(key) is None else str(m[key]) for key in MATERIAL_KEYS}
        | {"required": "1" if m["required"] else ""}
        for m in data["materials"]
    ]
    values["fees"] = [
        {key: "" if f.get(key) is None else str(f[key]) for key in FEE_KEYS} for f in data["fees"]
    ]
    return values


def _rows(form: FormData, prefix: str, keys: tuple[str, ...], flags: tuple[str, ...] = ()) -> list[dict]:
    """Table rows posted as `prefix-N-key`, in order, blank rows dropped."""
    rows = []
    for n in range(MAX_ROWS + EMPTY_ROWS):
        row = {key: str(form.get(f"{prefix}-{n}-{key}", "")).strip() for key in keys}
        row |= {flag: "1" if form.get(f"{prefix}-{n}-{flag}") == "1" else "" for flag in flags}
        if any(row[key] for key in keys):
            rows.append(row)
    return rows


def values_from(form: FormData) -> dict[str, Any]:
    """The editor's posted fields, as typed."""
    values: dict[str, Any] = {key: str(form.get(key, "")) for key in TEXT_FIELDS + LIST_FIELDS}
    values |= {key: [str(v) for v in form.getlist(key)] for key in CHOICE_FIELDS}
    values |= {
        key: {"value": str(form.get(f"{key}-value", "")).strip(), "unit": str(form.get(f"{key}-unit", ""))}
        for key in LIMIT_FIELDS
    }
    values["kiosk_eligible"] = form.get("kiosk_eligible") == "1"
    values["materials"] = _rows(form, "materials", MATERIAL_KEYS, ("required",))
    values["fees"] = _rows(form, "fees", FEE_KEYS)
    return values


def _material(row: dict[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {"name": row["name"], "required": row["required"] == "1"}
    data |= {key: row[key] for key in ("originals", "copies") if row[key]}
    return data | {key: row[key] or None for key in ("elicence_type", "note")}


def content_of(values: dict[str, Any]) -> ItemContent:
    """Validate the form values as item content (pydantic's ValidationError names the fields)."""
    data: dict[str, Any] = {key: values[key].strip() or None for key in TEXT_FIELDS}
    data |= {key: values[key].strip() for key in REQUIRED_TEXT}
    data |= {key: [line.strip() for line in values[key].splitlines() if line.strip()] for key in LIST_FIELDS}
    data |= {key: values[key] for key in CHOICE_FIELDS}
    data |= {key: values[key] if values[key]["value"] else None for key in LIMIT_FIELDS}
    data["kiosk_eligible"] = values["kiosk_eligible"]
    data["materials"] = [_material(row) for row in values["materials"]]
    data["fees"] = [{key: row[key] or None for key in FEE_KEYS} for row in values["fees"]]
    return ItemContent.model_validate(data)


def validation_errors(exc: ValidationError, lang: str) -> dict[str, list[str]]:
    """Field → messages; rows of materials and fees say which row and column."""
    errors: dict[str, list[str]] = {}
    for error in exc.errors():
        loc = [str(part) for part in error["loc"]] or ["form"]
        where = ""
        if len(loc) >= 2 and loc[1].isdigit():
            column = loc[2] if len(loc) > 2 else ""
            label = translate(f"field.{loc[0]}.{column}", lang, default=column) if column else ""
            where = translate("item.row", lang, n=int(loc[1]) + 1) + (f" {label}" if label else "") + ": "
        errors.setdefault(loc[0], []).append(where + error["msg"])
    return errors


def service_errors(message: str) -> dict[str, list[str]]:
    """A service's InvalidInput or Conflict, under the field its message starts with."""
    head = message.split(" ", 1)[0].rstrip(":")
    return {head if head in ItemContent.model_fields else "form": [message]}


# --- detail and editor ---------------------------------------------------------------------------------


def _padded(values: dict[str, Any]) -> dict[str, Any]:
    blank_material = {key: "" for key in MATERIAL_KEYS} | {"required": "1"}
    return values | {
        "materials": values["materials"] + [dict(blank_material) for _ in range(EMPTY_ROWS)],
        "fees": values["fees"] + [{key: "" for key in FEE_KEYS} for _ in range(EMPTY_ROWS)],
    }


def _editor(
    request: Request,
    session: Session,
    principal: Principal,
    item: ServiceItem,
    shown: ItemRead,
    values: dict[str, Any],
    errors: dict[str, list[str]] | None = None,
) -> Response:
    department = catalog.get_department(session, item.department_id)
    latest = shown.version == item.latest_version
    latest_status = catalog.item_read(session, item).status if not latest else shown.status
    context = {
        "item": shown,
        "values": _padded(values),
        "errors": errors or {},
        "versions": list(reversed(catalog.item_versions(session, item))),
        "latest": latest,
        "new_version": latest_status == ItemStatus.PUBLISHED,
        "can_write": latest
        and principal.can(Perm.CATALOG_WRITE, orgs.get_path(session, department.org_node_id)),
        "type_labels": type_labels(request_lang(request)),
        "choices": CHOICES,
    }
    status = 422 if errors else 200
    return render(
        request, "catalog_item.html", context, status=status, here=f"/console/catalog/items/{item.id}"
    )


@router.get("/catalog/items/{item_id}", response_class=HTMLResponse)
def item_page(
    request: Request, item_id: int, principal: ConsolePrincipal, session: ConsoleSession, version: str = ""
) -> Response:
    """An item at its latest version (or `version`), its code issues, versions, and the editor."""
    item = catalog.item_for(session, principal, item_id, Perm.CATALOG_READ)
    shown = catalog.item_read(session, item, optional_int(version))
    return _editor(request, session, principal, item, shown, values_of(shown))


@router.post("/catalog/items/{item_id}", response_class=HTMLResponse)
def save_item(
    request: Request, item_id: int, principal: ConsoleWriter, session: ConsoleSession, form: PostedForm
) -> Response:
    """Save the editor: the draft changes in place; a published item gets a new draft version."""
    item = catalog.item_for(session, principal, item_id, Perm.CATALOG_WRITE)
    values = values_from(form)
    try:
        catalog.update_item(session, principal.actor, item, content_of(values))
    except ValidationError as exc:
        errors = validation_errors(exc, request_lang(request))
    except (InvalidInput, Conflict) as exc:
        errors = service_errors(exc.message)
    else:
        return redirect(page_url(f"/console/catalog/items/{item.id}", done="item_saved"))
    return _editor(request, session, principal, item, catalog.item_read(session, item), values, errors)
