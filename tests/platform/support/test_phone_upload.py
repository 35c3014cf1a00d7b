"""Phone upload by QR code: one-time, expiring links whose files are checked and stored with SM3."""

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from govkiosk.crypto import sm3
from govkiosk.platform.core.errors import Conflict, Gone, InvalidInput, NotFound
from govkiosk.platform.support.materials import MaterialRejected
from govkiosk.platform.support.phone_upload import InMemoryUploadSessionStore, PhoneUploads, token_digest
from govkiosk.platform.support.storage import LocalStore, StorageError, StoredObject

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def make_uploads(tmp_path: Path, clock: Clock, **overrides: object) -> tuple[PhoneUploads, LocalStore]:
    store = LocalStore(tmp_path / "objects", clock=clock)
    options: dict[str, Any] = {"max_bytes": 1024 * 1024, **overrides}
    uploads = PhoneUploads(
        store=store,
        sessions=InMemoryUploadSessionStore(),
        public_base_url="https://gov.sz.example.cn/",
        clock=clock,
        **options,
    )
    return uploads, store


def test_upload_once(tmp_path: Path) -> None:
    clock = Clock()
    uploads, store = make_uploads(tmp_path, clock)
    token, expires_at = uploads.create_upload_session("居民户口簿")
    assert expires_at == clock.now + timedelta(seconds=600) and len(token) >= 43
    assert uploads.upload_url(token) == f"https://gov.sz.example.cn/u/{token}"
    assert uploads.uploaded(token) is None
    material = uploads.accept_upload(token, PNG, "image/png")
    assert material.slot == "居民户口簿" and material.source == "phone_upload"
    assert material.sm3 == sm3(PNG).hex() and store.get(material.object_key) == PNG
    assert uploads.uploaded(token) == material
    with pytest.raises(Conflict, match="already been used"):
        uploads.accept_upload(token, PNG, "image/png")


def test_expired_link(tmp_path: Path) -> None:
    clock = Clock()
    uploads, _ = make_uploads(tmp_path, clock)
    token, _ = uploads.create_upload_session("结婚证", ttl_s=60)
    clock.now += timedelta(seconds=60)
    with pytest.raises(Gone, match="expired"):
        uploads.accept_upload(token, PNG, "image/png")


def test_unknown_token_and_bad_requests(tmp_path: Path) -> None:
    uploads, _ = make_uploads(tmp_path, Clock())
    with pytest.raises(NotFound):
        uploads.accept_upload("not-a-token", PNG, "image/png")
    with pytest.raises(NotFound):
        uploads.uploaded("not-a-token")
    with pytest.raises(InvalidInput):
        uploads.create_upload_session("x", ttl_s=0)
    with pytest.raises(InvalidInput):
        uploads.create_upload_session("", ttl_s=60)


def test_rejected_file_keeps_the_link_usable(tmp_path: Path) -> None:
    uploads, store = make_uploads(tmp_path, Clock(), max_bytes=32)
    token, _ = uploads.create_upload_session("居民身份证")
    with pytest.raises(MaterialRejected, match="MB"):
        uploads.accept_upload(token, PNG, "image/png")
    with pytest.raises(MaterialRejected, match="does not match"):
        uploads.accept_upload(token, PNG[:20], "application/pdf")
    assert uploads.accept_upload(token, PNG[:20], "image/png").size == 20


def test_storage_failure_releases_the_claim(tmp_path: Path) -> None:
    clock = Clock()

    class Broken(LocalStore):
        fail = True

        def put(self, data: bytes, *, content_type: str) -> StoredObject:
            if self.fail:
                raise StorageError("disk full")
            return super().put(data, content_type=content_type)

    store = Broken(tmp_path / "objects", clock=clock)
    uploads = PhoneUploads(
        store=store, sessions=InMemoryUploadSessionStore(), public_base_url="https://p", clock=clock
    )
    token, _ = uploads.create_upload_session("营业执照")
    with pytest.raises(StorageError):
        uploads.accept_upload(token, PNG, "image/png")
    Broken.fail = False
    assert uploads.accept_upload(token, PNG, "image/png").content_type == "image/png"


def test_concurrent_uploads_store_exactly_one(tmp_path: Path) -> None:
    uploads, store = make_uploads(tmp_path, Clock())
    token, _ = uploads.create_upload_session("不动产权证书")
    outcomes: list[str] = []
    barrier = threading.Barrier(8)

    def upload() -> None:
        barrier.wait()
        try:
            uploads.accept_upload(token, PNG, "image/png")
            outcomes.append("ok")
        except Conflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=upload) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict"] * 7 + ["ok"]
    assert len([p for p in store.root.rglob("*") if p.is_file()]) == 1


def test_sessions_are_stored_by_digest_and_purged(tmp_path: Path) -> None:
    clock = Clock()
    sessions = InMemoryUploadSessionStore()
    uploads = PhoneUploads(
        store=LocalStore(tmp_path), sessions=sessions, public_base_url="https://p", clock=clock
    )
    token, _ = uploads.create_upload_session("驾驶证", ttl_s=30)
    assert sessions.get(token) is None and sessions.get(token_digest(token)) is not None
    assert sessions.purge_expired(now=clock.now) == 0
    assert sessions.purge_expired(now=clock.now + timedelta(seconds=30)) == 1
