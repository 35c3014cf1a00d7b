"""Materials over HTTP: the kiosk's scans, e-licences and phone-upload links (terminal API), and the page a
citizen's phone opens from the QR code (public, one-time link)."""

import html
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, File, Header, Query, Request, UploadFile
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from govkiosk.contracts.terminal_api import API_PREFIX, MaterialRef
from govkiosk.platform.core.errors import DomainError
from govkiosk.platform.deps import ReadSessionDep, RuntimeDep
from govkiosk.platform.materials import service
from govkiosk.platform.support.runtime import Support

terminal_router = APIRouter(prefix=API_PREFIX, tags=["terminal API"])
public_router = APIRouter(tags=["public"], include_in_schema=False)
ID_NUMBER = r"^\d{17}[\dX]$"


class LicenceQuery(BaseModel):
    holder_id_number: str = Field(pattern=ID_NUMBER)
    licence_type: str = Field(min_length=1, max_length=50)


class LicenceAttach(BaseModel):
    licence_id: str = Field(min_length=1, max_length=100)
    holder_id_number: str = Field(pattern=ID_NUMBER)
    item_id: int
    item_version: int
    slot: str = Field(min_length=1, max_length=100)


class UploadStart(BaseModel):
    item_id: int
    item_version: int
    slot: str = Field(min_length=1, max_length=100)


class UploadLink(BaseModel):
    token: str
    url: str = Field(description="what the QR code on the kiosk's screen shows")
    expires_at: datetime


class UploadState(BaseModel):
    done: bool
    material: MaterialRef | None


def _support(request: Request) -> Support:
    return request.app.state.support


@terminal_router.post("/materials", response_model=MaterialRef, status_code=201)
async def upload_scan(
    request: Request,
    session: ReadSessionDep,  # the bytes go to the object store: no wait for SQLite's writer lock
    runtime: RuntimeDep,
    item_id: int = Query(...),
    item_version: int = Query(...),
    slot: str = Query(..., max_length=100),
    authorization: str | None = Header(default=None),
    content_type: str | None = Header(default=None),
) -> MaterialRef:
    """A document-camera scan (the raw bytes) for one of the item's materials; checked by magic bytes."""
    runtime.require_terminal(authorization)
    data = await request.body()
    return await run_in_threadpool(
        service.store_scan,
        session,
        _support(request),
        item_id=item_id,
        item_version=item_version,
        slot=slot,
        data=data,
        content_type=content_type,
    )


@terminal_router.post("/elicences/find")
def find_licences(
    data: LicenceQuery,
    request: Request,
    runtime: RuntimeDep,
    authorization: str | None = Header(default=None),
) -> list[dict]:
    """The citizen's e-licences (电子证照) of one type, from the licence library."""
    runtime.require_terminal(authorization)
    return service.find_licences(_support(request), data.holder_id_number, data.licence_type)


@terminal_router.post("/elicences/attach", response_model=MaterialRef, status_code=201)
def attach_licence(
    data: LicenceAttach,
    request: Request,
    session: ReadSessionDep,
    runtime: RuntimeDep,
    authorization: str | None = Header(default=None),
) -> MaterialRef:
    """Store one of the citizen's e-licences as the material for a slot."""
    runtime.require_terminal(authorization)
    return service.attach_licence(session, _support(request), **data.model_dump())


@terminal_router.post("/uploads", response_model=UploadLink, status_code=201)
def start_upload(
    data: UploadStart,
    request: Request,
    session: ReadSessionDep,
    runtime: RuntimeDep,
    authorization: str | None = Header(default=None),
) -> UploadLink:
    """A one-time link for the citizen's phone (the kiosk shows it as a QR code)."""
    runtime.require_terminal(authorization)
    ttl = request.app.state.settings.phone_upload_ttl_s
    token, url, expires_at = service.start_phone_upload(
        session, _support(request), **data.model_dump(), ttl_s=ttl
    )
    return UploadLink(token=token, url=url, expires_at=expires_at)


@terminal_router.get("/uploads/{token}", response_model=UploadState)
def upload_state(
    token: str, request: Request, runtime: RuntimeDep, authorization: str | None = Header(default=None)
) -> UploadState:
    """Whether the phone has uploaded yet (the kiosk polls this)."""
    runtime.require_terminal(authorization)
    material = _support(request).uploads.uploaded(token)
    return UploadState(done=material is not None, material=material)


_PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>上传材料 / Upload</title>
<style>body{{font:18px/1.5 sans-serif;margin:1.5em;max-width:32em}}
button{{font-size:1.1em;padding:.6em 1.2em}}.note{{color:#555}}</style></head>
<body><h1>上传申请材料</h1>{body}</body></html>"""


def _page(body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(_PAGE.format(body=body), status_code=status)


@public_router.get("/u/{token}", response_class=HTMLResponse)
def upload_page(token: str) -> HTMLResponse:
    """The phone's upload page: one file, one time."""
    action = html.escape(f"/u/{token}")
    return _page(
        f'<form method="post" action="{action}" enctype="multipart/form-data">'
        '<p><label>选择照片或 PDF 文件：<input type="file" name="file"'
        ' accept="image/jpeg,image/png,application/pdf" required></label></p>'
        '<p><button type="submit">上传</button></p></form>'
        '<p class="note">链接只能使用一次，请在终端上继续办理。 This link works once.</p>'
    )


@public_router.post("/u/{token}", response_class=HTMLResponse)
async def upload_file(token: str, request: Request, file: Annotated[UploadFile, File()]) -> HTMLResponse:
    """Receive the phone's file: checked, stored, and handed to the kiosk that is polling."""
    data = await file.read()
    try:
        await run_in_threadpool(_support(request).uploads.accept_upload, token, data, file.content_type)
    except DomainError as exc:
        return _page(f"<p>上传失败：{html.escape(exc.message)}</p>", status=exc.status_code)
    return _page("<p>上传成功，请回到终端继续办理。 Uploaded: carry on at the kiosk.</p>")
