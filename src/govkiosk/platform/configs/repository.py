"""Queries of configuration layers."""

from collections.abc import Sequence

from sqlalchemy import select, tuple_, update
from sqlalchemy.orm import Session

from govkiosk.platform.configs.models import ConfigLayer, Generation
from govkiosk.platform.db.session import rowcount

CONFIG_GENERATION = "config"


def get_layer(session: Session, scope: str, scope_id: int) -> ConfigLayer | None:
    return session.scalars(
        select(ConfigLayer).where(ConfigLayer.scope == scope, ConfigLayer.scope_id == scope_id)
    ).first()


def get_layers(session: Session, keys: Sequence[tuple[str, int]]) -> dict[tuple[str, int], ConfigLayer]:
    if not keys:
        return {}
    rows = session.scalars(
        select(ConfigLayer).where(tuple_(ConfigLayer.scope, ConfigLayer.scope_id).in_(keys))
    ).all()
    return {(r.scope, r.scope_id): r for r in rows}


def all_layers(session: Session) -> Sequence[ConfigLayer]:
    return session.scalars(select(ConfigLayer)).all()


def add(session: Session, layer: ConfigLayer) -> None:
    session.add(layer)
    session.flush()


def generation(session: Session, name: str = CONFIG_GENERATION) -> int:
    return session.scalar(select(Generation.value).where(Generation.name == name)) or 0


def set_generation(session: Session, name: str, value: int) -> None:
    result = session.execute(update(Generation).where(Generation.name == name).values(value=value))
    if rowcount(result) == 0:
        session.add(Generation(name=name, value=value))
        session.flush()


def bump_generation(session: Session) -> None:
    result = session.execute(
        update(Generation).where(Generation.name == CONFIG_GENERATION).values(value=Generation.value + 1)
    )
    if rowcount(result) == 0:
        session.add(Generation(name=CONFIG_GENERATION, value=1))
        session.flush()
