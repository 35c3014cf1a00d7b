"""Field paths (字段路径): dotted names into a form's JSON Schema and into its data.

A *field path* names a place in the schema: ``applicant.id_number``. Arrays are stepped through
implicitly, so ``children.name`` is the ``name`` of every item of the ``children`` array (a repeating
group). A *data path* names one value in submitted data and spells array indices out: ``children.0.name``.
"""

from collections.abc import Iterator
from typing import Any

DataPath = tuple[str | int, ...]
Schema = dict[str, Any]


def split(path: str) -> list[str]:
    """The segments of a dotted path; the empty path is the root."""
    return path.split(".") if path else []


def join(path: DataPath) -> str:
    """A data path as a dotted string: ``children.0.name``."""
    return ".".join(str(part) for part in path)


def resolve(root: Schema, node: Any) -> Schema:
    """Follow a local ``$ref`` (``#/$defs/...``); other nodes are returned as they are."""
    for _ in range(16):  # a chain of refs longer than this is a cycle
        if not isinstance(node, dict) or "$ref" not in node:
            break
        ref = node["$ref"]
        if not isinstance(ref, str) or not ref.startswith("#/"):
            return {}
        node = root
        for part in ref[2:].split("/"):
            node = node.get(part, {}) if isinstance(node, dict) else {}
    return node if isinstance(node, dict) else {}


def is_array(node: Schema) -> bool:
    """Whether a schema node describes an array (a repeating group, a multi-choice, a material list)."""
    kind = node.get("type")
    return kind == "array" or (isinstance(kind, list) and "array" in kind) or "items" in node


def schema_at(root: Schema, path: str) -> Schema | None:
    """The schema node a field path names, stepping through arrays; None when there is none."""
    node = resolve(root, root)
    for segment in split(path):
        if is_array(node):
            node = resolve(root, node.get("items", {}))
        props = node.get("properties")
        if not isinstance(props, dict) or segment not in props:
            return None
        node = resolve(root, props[segment])
    return node


def inside_array(root: Schema, path: str) -> bool:
    """Whether a field path lies inside a repeating group (some proper prefix is an array)."""
    segments = split(path)
    for end in range(1, len(segments)):
        node = schema_at(root, ".".join(segments[:end]))
        if node is not None and is_array(node):
            return True
    return False


def required_paths(root: Schema, node: Schema | None = None, prefix: str = "") -> Iterator[str]:
    """Field paths the schema requires, at every depth (inside groups, relative to the group's items)."""
    node = resolve(root, root if node is None else node)
    if is_array(node):
        node = resolve(root, node.get("items", {}))
    props = node.get("properties", {})
    for name in node.get("required", []):
        yield f"{prefix}{name}"
    for name, child in props.items() if isinstance(props, dict) else ():
        yield from required_paths(root, child, f"{prefix}{name}.")


def get(data: Any, path: DataPath) -> Any:
    """The value at a data path, or None when any step is missing."""
    for part in path:
        if isinstance(part, int) and isinstance(data, list) and 0 <= part < len(data):
            data = data[part]
        elif isinstance(part, str) and isinstance(data, dict):
            data = data.get(part)
        else:
            return None
    return data


def expand(root: Schema, path: str, data: Any) -> Iterator[tuple[DataPath, dict[str, Any] | None]]:
    """Every data path a field path stands for in some data, each with its innermost group item.

    ``children.name`` over two children gives ``(children, 0, name)`` and ``(children, 1, name)``, with
    the child objects; a path outside any group gives itself once with no item.
    """
    yield from _expand(root, split(path), data, (), None, 0)


def _expand(
    root: Schema, segments: list[str], data: Any, done: DataPath, item: dict[str, Any] | None, index: int
) -> Iterator[tuple[DataPath, dict[str, Any] | None]]:
    if index == len(segments):
        yield done, item
        return
    here = schema_at(root, ".".join(str(p) for p in done if isinstance(p, str)))
    if here is not None and is_array(here) and done and isinstance(done[-1], str):
        values = get(data, done)
        for i, value in enumerate(values if isinstance(values, list) else []):
            inner = value if isinstance(value, dict) else None
            yield from _expand(root, segments, data, (*done, i), inner, index)
        return
    yield from _expand(root, segments, data, (*done, segments[index]), item, index + 1)


def is_under(path: DataPath, prefix: DataPath) -> bool:
    """Whether a data path is a prefix-path of another (or the same)."""
    return path[: len(prefix)] == prefix
