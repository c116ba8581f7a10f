"""The codebook's shape, as a JSON Schema shipped with the package.

``codebook.schema.json`` (next to this module) says which keys a codebook has, which are
required, and what type each value is: a mapping of language -> text, a list of levels with an
integer ``code`` and a snake_case ``value``, one of the item types, and so on.
:func:`shape_problems` checks a parsed YAML document against it and returns **every** problem,
each with its place in the YAML (``items[3] (item 'q5').levels[2].code``), so that
:func:`cxresearch.load_instrument` and ``cxresearch codebook check`` report all shape errors at
once. What a schema cannot say — codes versus missing codes, labels shared between levels,
indices naming items that exist, NPS cut-offs at the ends of the scale — stays in
:mod:`cxresearch.codebooks.checks`.

Editors that speak the YAML language server (VS Code's YAML extension, JetBrains IDEs) complete
and check a codebook while it is typed when its first line names the schema::

    # yaml-language-server: $schema=../../cxresearch/codebooks/codebook.schema.json

References
----------
JSON Schema, draft 2020-12 (https://json-schema.org/draft/2020-12/json-schema-core).

Examples
--------
>>> from cxresearch.codebooks.shape import shape_problems
>>> doc = {"study": "s", "meta": {}, "items": [{"id": "q1", "type": "scale"}]}
>>> shape_problems(doc)[0]
"items[0] (item 'q1'): wording is missing"
>>> # In R: jsonvalidate::json_validate(json, schema, engine = "ajv")
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

__all__ = ["SCHEMA_PATH", "codebook_schema", "shape_problems"]

#: The schema file shipped in the package (package data, see pyproject.toml).
SCHEMA_PATH = Path(__file__).with_name("codebook.schema.json")
_MAX_SHOWN = 60  # characters of a value quoted in a message


def codebook_schema() -> dict:
    """The codebook JSON Schema as a dict (a fresh copy; the file is read once)."""
    return json.loads(json.dumps(_schema()))


@functools.cache
def _schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@functools.cache
def _validator():
    import jsonschema

    cls = jsonschema.validators.validator_for(_schema())
    cls.check_schema(_schema())
    return cls(_schema())


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _MAX_SHOWN else text[:_MAX_SHOWN - 3] + "..."


def _where(doc: Any, path) -> str:
    """``items[3] (item 'q5').levels[2].code``: the YAML path, items named by their id."""
    out, node = "", doc
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
            node = node[part] if isinstance(node, list) and part < len(node) else None
            if isinstance(node, dict) and isinstance(node.get("id"), str) and \
                    out.startswith("items[") and out.count("[") == 1:
                out += f" (item {node['id']!r})"
        else:
            out += f".{part}" if out else str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return out or "the codebook"


_TYPES = {"object": "a mapping", "array": "a list", "string": "text", "integer": "a whole number",
          "number": "a number", "boolean": "true or false", "null": "null"}


def _message(err, doc) -> list[str]:
    where = _where(doc, err.absolute_path)
    v, kind, value = err.validator, err.validator_value, err.instance
    if not err.absolute_path and v == "type":
        return [f"the codebook must be a YAML mapping, got {type(value).__name__}"]
    if "x-message" in err.schema:  # the schema's own wording for this value
        return [f"{where} must be {err.schema['x-message']}, got {_show(value)}"]
    if v == "additionalProperties" and isinstance(value, dict):
        allowed = sorted(err.schema.get("properties", {}))
        return [f"{where}: unknown key {_show(k)} (allowed: {', '.join(allowed)})"
                for k in value if k not in allowed]
    if v == "required":
        return [f"{where}: {k} is missing" for k in kind if k not in value]
    if v == "type":
        return [f"{where} must be {_wanted(err.schema)}, got {_show(value)}"
                + (" (quote yes/no/on/off in YAML)" if isinstance(value, bool) else "")]
    if v == "const" and err.absolute_path and err.absolute_path[-1] == "format_version":
        return [f"format_version {_show(value)} is not supported (this version of cxresearch "
                f"reads format {kind})"]
    if v in ("enum", "const"):
        options = ", ".join(map(str, kind if v == "enum" else [kind]))
        if err.absolute_path and err.absolute_path[-1] == "type":
            return [f"{where}: unknown type {_show(value)} (one of {options})"]
        return [f"{where} must be one of {options}, got {_show(value)}"]
    if v in ("pattern", "minLength"):
        return [f"{where} must be {_wanted(err.schema)}, got {_show(value)}"]
    if v in ("minItems", "minProperties"):
        return [f"{where} must not be empty"]
    if v == "contains":
        return [f"{where} must include 'en', got {_show(value)}"]
    if v in ("minimum", "maximum"):
        return [f"{where} must be {'at least' if v == 'minimum' else 'at most'} {kind}, got "
                f"{_show(value)}"]
    if v == "oneOf":
        return [f"{where} must be {_alternatives(err)}, got {_show(value)}"]
    return [f"{where}: {err.message}"]


def _wanted(schema: dict) -> str:
    """What a (sub)schema asks for, in words."""
    pattern = schema.get("pattern")
    if pattern is not None:
        if pattern == r"\S" or schema.get("minLength"):
            return "non-empty text"
        return "snake_case text" + (" without '__'" if "__" in pattern else "")
    if schema.get("minLength"):
        return "non-empty text"
    kind = schema.get("type")
    kinds = [kind] if isinstance(kind, str) else list(kind or [])
    return " or ".join(_TYPES.get(k, k) for k in kinds) or "something else"


def _alternatives(err) -> str:
    kinds = []
    for sub in err.schema.get("oneOf", []):
        ref = sub.get("$ref", "")
        kinds.append(ref.rsplit("/", 1)[-1] if ref else _TYPES.get(sub.get("type"), "other"))
    names = {"text": "text", "labels": "a mapping of language -> text", "level": "a level",
             "option": "an option"}
    return " or ".join(names.get(k, k) for k in kinds)


def shape_problems(doc: Any) -> list[str]:
    """Every way ``doc`` (a parsed codebook) departs from the codebook schema, with its place.

    Parameters
    ----------
    doc : object
        The YAML document as PyYAML returns it.

    Returns
    -------
    list of str
        One message per problem, ordered by place, each starting with its YAML path
        (``items[2] (item 'q5').levels[0].code must be a whole number, got 'a'``); empty when
        the shape is right. Semantic rules are not checked here.

    Examples
    --------
    >>> shape_problems({"study": "Bad Name", "meta": {}, "items": []})[-1]
    "study must be snake_case text, got 'Bad Name'"
    >>> # In R: jsonvalidate::json_validate(json, schema, verbose = TRUE)
    """
    errors = sorted(_validator().iter_errors(doc),
                    key=lambda e: ([str(p) for p in e.absolute_path], e.validator))
    out: list[str] = []
    for err in errors:
        out += [m for m in _message(err, doc) if m not in out]
    return out
