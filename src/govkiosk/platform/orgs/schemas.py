"""Org tree schemas."""

from pydantic import BaseModel, ConfigDict, Field


class OrgNodeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    parent_id: int | None
    kind: str
    name: str
    name_en: str | None
    code: str | None
    path: str
    depth: int
    is_demo: bool
    site_type: str | None
    address: str | None
    lat: float | None
    lon: float | None
    population: int | None


class OrgNodeCreate(BaseModel):
    parent_id: int
    name: str = Field(min_length=1, max_length=200)
    name_en: str | None = Field(default=None, max_length=200)
    code: str | None = Field(default=None, max_length=32)
    site_type: str | None = None
    address: str | None = Field(default=None, max_length=400)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)


class OrgNodeUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    name_en: str | None = Field(default=None, max_length=200)
    address: str | None = Field(default=None, max_length=400)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
