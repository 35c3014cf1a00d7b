"""Case APIs: kiosks submit (idempotent) and query progress; the receipt's QR code opens a public progress
page; operators read cases in their subtree (masked); departments handle theirs through the open API."""

import html
from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Header, Query, Request, Response, status
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from govkiosk.contracts.terminal_api import API_PREFIX, CASES_PATH, CaseReceipt, CaseSubmission
from govkiosk.platform.cases import documents, service
from govkiosk.platform.cases.schemas import CaseProgress, CaseRead, DepartmentEvent, DepartmentEventResult
from govkiosk.platform.catalog.service import DepartmentCaller
from govkiosk.platform.connectors import service as connectors
from govkiosk.platform.core.clock import utcnow
from govkiosk.platform.core.errors import InvalidInput, NotFound
from govkiosk.platform.core.pagination import Page
from govkiosk.platform.core.sealing import Sealer
from govkiosk.platform.db.session import in_thread
from govkiosk.platform.deps import PrincipalDep, RuntimeDep, SessionDep
from govkiosk.platform.dept_api.router import CallerDep
from govkiosk.platform.support import receipts
from govkiosk.platform.support.workdays import CHINA_TZ

router = APIRouter(prefix="/api/v1/cases", tags=["cases"])
terminal_router = APIRouter(prefix=API_PREFIX, tags=["terminal API"])
public_router = APIRouter(prefix="/api/public/v1", tags=["public"])
dept_router = APIRouter(prefix="/api/dept/v1", tags=["department open API"])
page_router = APIRouter(include_in_schema=False)


class CitizenLookup(BaseModel):
    id_number: str = Field(
        pattern=r"^\d{17}[\dX]$", description="read from the citizen's ID card at the kiosk"
    )


def _sealer(request: Request) -> Sealer:
    return request.app.state.sealer


@terminal_router.post(CASES_PATH, response_model=CaseReceipt, status_code=status.HTTP_201_CREATED)
async def submit(
    data: CaseSubmission,
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    response: Response,
    authorization: str | None = Header(default=None),
) -> CaseReceipt:
    """A citizen's submission from a kiosk; a retry with the same idempotency key answers 200, same case."""
    # async, with the use case in one thread hop (on the SQLite writer's own threads): the writer lock is held
    # from the dependency to the commit, and every hop (a sync endpoint's response check is one) lengthens it.
    receipt = await in_thread(
        session, _submit, session, runtime.require_terminal(authorization), data, _sealer(request)
    )
    if receipt.duplicate:
        response.status_code = status.HTTP_200_OK
    return receipt


def _submit(session: Session, terminal_id: int, data: CaseSubmission, sealer: Sealer) -> CaseReceipt:
    case, duplicate = service.submit_from_kiosk(session, terminal_id, data, sealer)
    return CaseReceipt(
        case_number=case.case_number, state=case.state, duplicate=duplicate, promised_deadline=case.due_at
    )


@terminal_router.get(f"{CASES_PATH}/{{case_number}}/receipt")
def receipt(
    case_number: str,
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    format: Literal["pdf", "png-80", "png-58", "text"] = "pdf",
    authorization: str | None = Header(default=None),
) -> Response:
    """The 受理回执 of a case this kiosk submitted: an A4 PDF, a receipt-printer image, or text lines."""
    settings = request.app.state.settings
    data = service.receipt_data(
        session,
        _sealer(request),
        runtime.require_terminal(authorization),
        case_number,
        public_base_url=settings.public_base_url,
    )
    if format == "pdf":
        return Response(receipts.render_pdf(data), media_type="application/pdf")
    if format == "text":
        return Response("\n".join(receipts.receipt_text_lines(data)), media_type="text/plain; charset=utf-8")
    width = receipts.WIDTH_80MM if format == "png-80" else receipts.WIDTH_58MM
    return Response(receipts.render_receipt_png(data, width_px=width), media_type="image/png")


@terminal_router.get(f"{CASES_PATH}/{{case_number}}/document")
def document(
    case_number: str,
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    authorization: str | None = Header(default=None),
) -> Response:
    """The result document (办理结果/证照, a PDF) of a case this kiosk submitted, for printing: 409 while not
    ready, 404 when none will come, 410 once the printing window after its arrival has closed."""
    settings = request.app.state.settings
    data, entry = documents.for_terminal(
        session, request.app.state.support.store, runtime.require_terminal(authorization), case_number,
        window_s=settings.result_document_window_s, now=utcnow(),
    )  # fmt: skip
    headers = {"Cache-Control": "no-store", "X-Document-SM3": entry["sm3"]}
    return Response(data, media_type=entry["content_type"], headers=headers)


@terminal_router.post(f"{CASES_PATH}/lookup", response_model=list[CaseProgress])
def lookup(
    data: CitizenLookup,
    session: SessionDep,
    runtime: RuntimeDep,
    authorization: str | None = Header(default=None),
) -> list[CaseProgress]:
    """A citizen's recent cases, after the kiosk read their ID card (masked; no staff names)."""
    runtime.require_terminal(authorization)
    return service.progress_for_citizen(session, data.id_number)


@public_router.get("/progress/{token}", response_model=CaseProgress)
def progress(token: str, session: SessionDep) -> CaseProgress:
    """The progress of the case whose receipt QR code carries this token."""
    return service.progress_by_token(session, token)


@page_router.get("/q/{token}", response_class=HTMLResponse)
def progress_page(token: str, session: SessionDep) -> HTMLResponse:
    """The page the receipt's QR code opens on a phone: where the case is now (nothing personal unmasked)."""
    try:
        progress = service.progress_by_token(session, token)
    except NotFound:
        return HTMLResponse(
            _PROGRESS_PAGE.format(body="<p>未找到该办件，请核对回执。 Case not found.</p>"), 404
        )
    steps = "".join(
        f"<li>{html.escape(local_time(s['at']))} {html.escape(s['state_label'])}</li>" for s in progress.steps
    )
    due = f"<p>承诺办结：{html.escape(local_time(progress.due_at))}</p>" if progress.due_at else ""
    body = (
        f"<p>办件编号：{html.escape(progress.case_number)}</p><p>事项：{html.escape(progress.item_name)}</p>"
        f"<p>申请人：{html.escape(progress.applicant)}</p><p><strong>{html.escape(progress.state_label)}</strong></p>"
        f"{due}<ol>{steps}</ol>"
    )
    return HTMLResponse(_PROGRESS_PAGE.format(body=body))


_PROGRESS_PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>办件进度 / Progress</title>
<style>body{{font:18px/1.6 sans-serif;margin:1.5em;max-width:32em}}</style></head>
<body><h1>办件进度查询</h1>{body}</body></html>"""


def local_time(at: datetime) -> str:
    """China time, as a citizen reads it."""
    return at.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")


@router.get("", response_model=Page[CaseRead])
def list_cases(
    principal: PrincipalDep,
    session: SessionDep,
    state: str | None = None,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
) -> Page[CaseRead]:
    """Cases handled at places inside the caller's subtrees, newest first; personal data masked."""
    items, total = service.list_cases(session, principal, state=state, limit=limit, offset=offset)
    return Page[CaseRead](items=items, total=total)


@router.get("/{case_id}", response_model=CaseRead)
def get_case(case_id: int, principal: PrincipalDep, session: SessionDep) -> CaseRead:
    """One case with every step; reading it is audited."""
    return service.get_case(session, principal, case_id)


@dept_router.get("/cases")
def department_cases(
    request: Request,
    caller: CallerDep,
    session: SessionDep,
    state: str | None = None,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
) -> dict:
    """The department's own cases, with everything needed to handle them."""
    items, total = service.department_cases(
        session, caller, _sealer(request), state=state, limit=limit, offset=offset
    )
    return {"items": items, "total": total}


@dept_router.post("/cases/{case_number}/events", response_model=DepartmentEventResult)
async def department_event(
    case_number: str, request: Request, caller: CallerDep, session: SessionDep
) -> DepartmentEventResult:
    """One step of a case (accept, request_supplement, reject, start_review, suspend, resume, approve, deny,
    complete, deliver), signed like our webhooks; the same event id twice changes nothing."""
    body = await request.body()  # the signature covers the raw bytes
    return await run_in_threadpool(_handle_event, session, caller, case_number, request, body)


def _handle_event(
    session: SessionDep, caller: DepartmentCaller, case_number: str, request: Request, body: bytes
) -> DepartmentEventResult:
    connectors.check_callback(session, caller.department_id, "POST", request.url.path, body, request.headers)
    try:
        event = DepartmentEvent.model_validate_json(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InvalidInput(f"{'.'.join(str(p) for p in first['loc']) or 'body'}: {first['msg']}") from exc
    support = request.app.state.support
    return service.department_event(
        session, caller, case_number, event, store=support.store, max_bytes=support.max_bytes
    )
