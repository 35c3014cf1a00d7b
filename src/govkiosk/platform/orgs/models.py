"""The org tree (组织树): city > district > street > community > site. Every object hangs on a node."""

import enum

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from govkiosk.platform.db.base import Base, TimestampMixin


class OrgKind(enum.StrEnum):
    CITY = "city"
    DISTRICT = "district"
    STREET = "street"
    COMMUNITY = "community"
    SITE = "site"


CHILD_KIND: dict[OrgKind, OrgKind] = {
    OrgKind.CITY: OrgKind.DISTRICT,
    OrgKind.DISTRICT: OrgKind.STREET,
    OrgKind.STREET: OrgKind.COMMUNITY,
    OrgKind.COMMUNITY: OrgKind.SITE,
}


class SiteType(enum.StrEnum):
    SERVICE_HALL = "service_hall"  # 政务服务大厅
    COMMUNITY = "community"  # 社区党群服务中心
    BANK = "bank"  # 银行网点
    METRO = "metro"  # 地铁站
    OTHER = "other"


def path_ids(path: str) -> list[int]:
    """The ids root → node encoded in a materialised path ("/1/4/17/" → [1, 4, 17])."""
    return [int(part) for part in path.strip("/").split("/") if part]


class OrgNode(TimestampMixin, Base):
    """A node of the org tree; `path` ("/1/4/17/") makes subtree checks a prefix test."""

    __tablename__ = "org_nodes"

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_nodes.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    code: Mapped[str | None] = mapped_column(String(32), index=True)
    path: Mapped[str] = mapped_column(String(400), index=True, default="")
    depth: Mapped[int] = mapped_column(default=0)
    is_demo: Mapped[bool] = mapped_column(default=False)
    site_type: Mapped[str | None] = mapped_column(String(32))
    address: Mapped[str | None] = mapped_column(String(400))
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    population: Mapped[int | None]
    extra: Mapped[dict] = mapped_column(JSON, default=dict)
