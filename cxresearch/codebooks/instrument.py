"""Survey codebooks: load, validate and query ``data/instruments/<study>.yaml``.

A codebook (an *instrument*) says what a wave of a study contains: every item with its type,
wording in English, Chinese and Indonesian, answer levels (integer code, stable snake_case
``value`` and labels per language), missing-value codes, column aliases used by survey exports,
reverse keying, PII flag, and which items form which index. The YAML format is documented in
``data/instruments/README.md``.

:func:`load_instrument` refuses a codebook that contradicts itself with a
:class:`~cxresearch.errors.CodebookError` that lists every problem found, not only the first.
The ingester uses :meth:`Item.code_for`, :meth:`Item.option_for`, :meth:`Item.option_flag` and
:meth:`Instrument.resolve_column` to map a raw export onto the codebook; :meth:`Instrument.dtype`
and :meth:`Instrument.apply_dtypes` fix how each column is stored in ``responses.parquet``.

Validation has two steps. The *shape* (keys, required keys, types, item types, snake_case
ids) is checked against the JSON Schema shipped with the package
(:mod:`cxresearch.codebooks.shape`, ``codebook.schema.json``; editors can use it too), and
every shape problem is reported at once with its YAML path. The *rules* a schema cannot
express (codes versus missing codes, labels shared between levels, aliases shared between
items, indices naming items that exist) are checked in code (:mod:`~.checks`) once the shape
is right. The parsing is PyYAML with a loader that also refuses duplicate mapping keys, which
YAML silently overwrites.

References
----------
DDI Alliance (2014). *DDI-Codebook 2.5*: variable-level metadata (labels, categories, missing
categories) that this format mirrors in a lighter form.

Examples
--------
>>> import cxresearch as cx
>>> inst = cx.load_instrument("mopinion_dcxm")
>>> inst.indices["measure"][:2]
['measure_collect_digital', 'measure_continuous']
>>> inst.items["measure_all_channels"].code_for("Setuju")
4
>>> # In R: labelled::val_labels(df$measure_all_channels)
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from cxresearch import paths
from cxresearch.codebooks.checks import build_instrument_parts
from cxresearch.codebooks.items import (
    CODED_TYPES,
    DESIGN_TYPES,
    ITEM_TYPES,
    ORDINAL_TYPES,
    Item,
    Level,
    Option,
    _as_int,
    _is_blank,
    normalise_label,
)
from cxresearch.codebooks.shape import shape_problems
from cxresearch.errors import CodebookError, Problems

__all__ = [
    "CODED_TYPES",
    "DESIGN_TYPES",
    "ITEM_TYPES",
    "ORDINAL_TYPES",
    "Instrument",
    "Item",
    "Level",
    "Option",
    "instrument_from_text",
    "list_instruments",
    "load_instrument",
    "normalise_label",
]


class Instrument:
    """A validated codebook. Build it with :func:`load_instrument`.

    Attributes: ``name``, ``path``, ``sha256`` (of the YAML file's bytes), ``meta`` (dict),
    ``items`` (dict id -> :class:`Item`, in codebook order), ``indices`` (dict name -> item
    ids), ``index_info`` (dict name -> scoring and labels), ``ignore_columns``.
    """

    def __init__(self, name: str, path: Path | None, sha256: str, meta: dict,
                 items: dict[str, Item], indices: dict[str, list[str]],
                 index_info: dict[str, dict] | None = None,
                 ignore_columns: list[str] | None = None,
                 headers: tuple[dict, dict] | None = None):
        self.name = name
        self.path = path
        self.sha256 = sha256
        self.meta = meta
        self.items = items
        self.indices = indices
        self.index_info = index_info or {n: {"items": v} for n, v in indices.items()}
        self.ignore_columns = list(ignore_columns or [])
        self._headers_exact, self._headers_loose = headers or ({}, {})
        self._ignored = {normalise_label(h) for h in self.ignore_columns}

    def __repr__(self) -> str:
        return f"<Instrument {self.name!r}: {len(self.items)} items, sha256 {self.sha256[:12]}>"

    def __iter__(self) -> Iterator[Item]:
        return iter(self.items.values())

    def __contains__(self, item_id: object) -> bool:
        return item_id in self.items

    def __getitem__(self, item_id: str) -> Item:
        return self.item(item_id)

    def item(self, item_id: str) -> Item:
        """The :class:`Item` with this id (``KeyError`` naming the codebook if none)."""
        try:
            return self.items[item_id]
        except KeyError:
            raise KeyError(f"codebook {self.name!r} has no item {item_id!r}") from None

    # ------------------------------------------------------------------ columns & dtypes
    def columns(self, include_pii: bool = False) -> list[str]:
        """Wave column names in codebook order (multi-select expanded to ``<id>__<option>``).

        PII items are left out unless ``include_pii``: they never reach ``responses.parquet``.
        """
        out: list[str] = []
        for it in self.items.values():
            if it.pii and not include_pii:
                continue
            out.extend(it.columns())
        return out

    def split_column(self, column: str) -> tuple[str, str | None]:
        """``(item_id, option_value or None)`` of a wave column name."""
        if column in self.items:
            return column, None
        base, sep, opt = column.partition("__")
        if sep and base in self.items and any(o.value == opt for o in self.items[base].options):
            return base, opt
        raise KeyError(f"{column!r} is not a column of codebook {self.name!r}")

    def dtype(self, column: str):
        """pandas dtype of a wave column (an item id or a ``<id>__<option>`` column)."""
        item_id, _ = self.split_column(column)
        return self.items[item_id].dtype()

    def dtypes(self, include_pii: bool = False) -> dict[str, Any]:
        """Column -> dtype for every wave column."""
        return {c: self.dtype(c) for c in self.columns(include_pii=include_pii)}

    def apply_dtypes(self, df: pd.DataFrame) -> pd.DataFrame:
        """A copy of ``df`` with every codebook column cast to its wave dtype.

        ``single`` columns may hold level values or codes; a value the codebook does not know
        raises ``ValueError`` (nothing is turned into NA silently). Columns that are not in the
        codebook are left as they are.
        """
        out = df.copy()
        for col in out.columns:
            try:
                item_id, _ = self.split_column(col)
            except KeyError:
                continue
            item = self.items[item_id]
            s = out[col]
            dt = item.dtype()
            try:
                if isinstance(dt, pd.CategoricalDtype):
                    out[col] = _to_categorical(s, item, dt)
                elif isinstance(dt, pd.Int64Dtype):
                    out[col] = pd.to_numeric(s, errors="raise").astype(dt)
                elif isinstance(dt, pd.Float64Dtype):
                    out[col] = pd.to_numeric(s, errors="raise").astype(dt)
                else:
                    out[col] = s.astype(dt)
            except (TypeError, ValueError) as exc:
                raise ValueError(f"column {col!r} of codebook {self.name!r} cannot be stored "
                                 f"as {dt}: {exc}") from None
        return out

    def design_columns(self) -> dict[str, str | None]:
        """``{'weights': col|None, 'strata': col|None, 'psu': col|None, 'fpc': col|None}``."""
        out: dict[str, str | None] = dict.fromkeys(("weights", "strata", "psu", "fpc"))
        for it in self.items.values():
            if it.type in DESIGN_TYPES:
                out[DESIGN_TYPES[it.type]] = it.id
        return out

    def id_column(self) -> str | None:
        """The respondent-id item, if the codebook has one."""
        return next((it.id for it in self.items.values() if it.type == "id"), None)

    def required_items(self) -> list[str]:
        return [it.id for it in self.items.values() if it.required]

    def pii_items(self) -> list[str]:
        return [it.id for it in self.items.values() if it.pii]

    # ------------------------------------------------------------------ export headers
    def resolve_column(self, header: str) -> str | None:
        """Map an export header to a wave column, or ``None`` when the codebook does not know it.

        Tries the item ids and aliases as written, then ignoring case, width and whitespace
        (only when that points to a single column; otherwise ``ValueError`` names the
        candidates). Returns the item id, or for a per-option column of a multi-select item
        (``Q4_1``, ``channels_used__email``, ``channels_used_email``) the ``<id>__<option>``
        wave column; use :meth:`split_column` to tell them apart. Columns listed under
        ``ignore_columns`` also give ``None``; :meth:`is_ignored` tells them apart.
        """
        key = str(header).strip()
        if key in self._headers_exact:
            return self._headers_exact[key]
        hits = self._headers_loose.get(normalise_label(key))
        if not hits:
            return None
        if len(hits) > 1:
            raise ValueError(f"header {header!r} matches several columns of codebook "
                             f"{self.name!r} when case and spaces are ignored: "
                             f"{', '.join(sorted(hits))}; rename it to the exact alias")
        return next(iter(hits))

    def is_ignored(self, header: str) -> bool:
        """True for export metadata columns the codebook lists under ``ignore_columns``."""
        return normalise_label(header) in self._ignored

    def codebook_table(self, lang: str = "en") -> pd.DataFrame:
        """One row per item: id, type, dimension, wording, levels, flags (for reports)."""
        rows = []
        for it in self.items.values():
            if it.type == "multi":
                answers = "; ".join(op.label(lang) for op in it.options)
            elif it.levels:
                answers = "; ".join(f"{lv.code}={lv.label(lang)}" for lv in it.levels)
            elif it.scale_min is not None:
                answers = f"{it.scale_min:g}..{it.scale_max:g}"
            else:
                answers = ""
            rows.append({"item": it.id, "type": it.type, "dimension": it.dimension,
                         "wording": it.wording.get(lang, it.wording.get("en", "")),
                         "answers": answers, "missing": ", ".join(map(str, it.missing)),
                         "required": it.required, "pii": it.pii, "reverse": it.reverse,
                         "assumed": it.assumed, "assumed_reason": it.assumed_reason})
        return pd.DataFrame(rows)


def _to_categorical(s: pd.Series, item: Item, dt: pd.CategoricalDtype) -> pd.Series:
    """Cast to the item's categorical; level values or codes in, nothing dropped silently.

    Works on the distinct values only, so a million-row column costs one factorisation.
    """
    known = set(dt.categories)
    if isinstance(s.dtype, pd.CategoricalDtype) and set(s.cat.categories) <= known:
        return s.astype(dt)
    codes, uniques = pd.factorize(s.astype(object), use_na_sentinel=True)
    by_code = {lv.code: lv.value for lv in item.levels}
    values, bad = [], []
    for u in uniques:
        if u in known:
            values.append(u)
        elif _is_blank(u):
            values.append(None)
        elif _as_int(u) in by_code:
            values.append(by_code[_as_int(u)])
        else:
            values.append(None)
            bad.append(str(u))
    if bad:
        raise ValueError(f"values {sorted(bad)[:10]} are not levels of item {item.id!r} "
                         f"(levels: {', '.join(dt.categories)})")
    lookup = pd.Categorical(values, dtype=dt)
    cat_codes = np.where(codes >= 0, lookup.codes[np.maximum(codes, 0)], -1) if len(values) \
        else np.full(len(s), -1)
    return pd.Series(pd.Categorical.from_codes(cat_codes, dtype=dt), index=s.index, name=s.name)


# ---------------------------------------------------------------------- loading
class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that records duplicate mapping keys instead of silently keeping the last."""

    duplicate_keys: list[str]


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False):
    loader.flatten_mapping(node)
    seen: dict = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if not isinstance(key, str | int | float | bool | type(None)):
            raise yaml.constructor.ConstructorError(
                None, None, f"a mapping key must be a name, got a {type(key).__name__}",
                key_node.start_mark)
        if key in seen:
            loader.duplicate_keys.append(
                f"line {key_node.start_mark.line + 1}: key {key!r} appears twice in one mapping")
        seen[key] = True
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
                              _construct_mapping)

_CACHE: dict[tuple, Instrument] = {}

# YAML resource limits: a codebook is a few hundred KiB at most. Aliases share nodes, so an
# alias bomb ("billion laughs") is small as text and as a node graph but explodes when walked;
# the graph is measured as if expanded before anything is built from it.
MAX_CODEBOOK_BYTES = 4 << 20
MAX_EXPANDED_NODES = 500_000
MAX_NESTING = 32


_QUOTED_OR_COMMENT = re.compile(r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\n]|\'\')*\'|#[^\n]*')


def _flow_depth(text: str) -> int:
    """Deepest nesting of ``[``/``{`` outside quotes and comments (a cheap bound, taken before
    parsing: PyYAML scans deep flow collections in quadratic time)."""
    b = np.frombuffer(_QUOTED_OR_COMMENT.sub("", text).encode("utf-8"), dtype=np.uint8)
    step = np.zeros(len(b), dtype=np.int32)
    step[(b == 91) | (b == 123)] = 1
    step[(b == 93) | (b == 125)] = -1
    return int(np.cumsum(step).max(initial=0))


def _yaml_children(node) -> list:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _check_yaml_graph(root) -> str | None:
    """The problem with a composed YAML node graph (too big once aliases are expanded, too
    deep, or recursive), or None. Iterative: no recursion, whatever the input."""
    size: dict[int, int] = {}
    height: dict[int, int] = {}
    state: dict[int, int] = {}  # 1 = on the current path, 2 = measured
    stack = [(root, False)]
    while stack:
        node, post = stack.pop()
        k = id(node)
        kids = _yaml_children(node)
        if post:
            size[k] = 1 + sum(size[id(c)] for c in kids)
            height[k] = 1 + max((height[id(c)] for c in kids), default=0)
            state[k] = 2
            if size[k] > MAX_EXPANDED_NODES:
                return (f"the YAML expands to more than {MAX_EXPANDED_NODES:,} values once its "
                        "aliases (*name) are resolved (an alias bomb?); write the codebook out")
            if height[k] > MAX_NESTING:
                return (f"the YAML is nested more than {MAX_NESTING} levels deep (line "
                        f"{node.start_mark.line + 1}); a codebook needs about six")
            continue
        if state.get(k) == 2:
            continue
        state[k] = 1
        stack.append((node, True))
        for c in kids:
            if state.get(id(c)) == 1:
                return (f"the YAML alias on line {c.start_mark.line + 1} refers to a value "
                        "that contains it (a recursive alias)")
            if state.get(id(c)) != 2:
                stack.append((c, False))
    return None


def list_instruments() -> list[str]:
    """Names of the codebooks of the project and the packaged examples
    (:func:`cxresearch.paths.instrument_dirs`)."""
    return sorted({p.stem for d in paths.instrument_dirs() for p in d.glob("*.yaml")})


def _locate(name_or_path: str | os.PathLike) -> tuple[Path, str | None]:
    text = os.fspath(name_or_path)
    looks_like_path = (isinstance(name_or_path, os.PathLike) or text.endswith((".yaml", ".yml"))
                       or os.sep in text or "/" in text)
    if looks_like_path:
        path = Path(text)
        if not path.is_file():
            raise ValueError(f"codebook file {text!r} does not exist")
        return path, None
    found = [d / f"{text}.yaml" for d in paths.instrument_dirs() if (d / f"{text}.yaml").is_file()]
    if not found:
        where = " or ".join(str(d) for d in paths.instrument_dirs())
        raise ValueError(f"no codebook named {text!r} in {where}; available: "
                         f"{', '.join(list_instruments()) or 'none'}")
    return found[0], text


def load_instrument(name_or_path: str | os.PathLike | Instrument, *,
                    project: str | os.PathLike | None = None) -> Instrument:
    """Load and validate a codebook by study name (``"mitto_cx"``) or by path.

    A name is looked up as ``<name>.yaml`` in the project's codebooks folder, then in the
    packaged examples (:func:`cxresearch.paths.instrument_dirs`); ``project`` names the
    project folder (default: the current one, found as git finds ``.git``). Every
    problem found is reported at once in a :class:`~cxresearch.errors.CodebookError`.
    Loaded codebooks are cached by path, modification time and size.

    Examples
    --------
    >>> import cxresearch as cx
    >>> inst = cx.load_instrument("mitto_cx")
    >>> inst.design_columns()["weights"]
    'weight'
    >>> inst.items["cx_owner"].code_for("没有明确的所有者")
    7
    >>> # In R: haven::read_sav() carries the same value labels as attributes
    """
    if isinstance(name_or_path, Instrument):
        return name_or_path
    if not isinstance(name_or_path, str | os.PathLike):
        raise TypeError("name_or_path: the codebook must be a study name, a path to its YAML "
                        f"file or an Instrument, got {type(name_or_path).__name__} "
                        f"{name_or_path!r:.80}")
    if project is not None:
        with paths.use_project(project):
            return load_instrument(name_or_path)
    path, name = _locate(name_or_path)
    raw = path.read_bytes()
    st = path.stat()
    key = (str(path.resolve()), st.st_mtime_ns, st.st_size, name)
    if key in _CACHE:
        return _CACHE[key]
    inst = _parse(raw, path, name)
    _CACHE[key] = inst
    return inst


def _parse(raw: bytes, path: Path | None, expect_name: str | None) -> Instrument:
    source = str(path) if path is not None else "<codebook>"
    if len(raw) > MAX_CODEBOOK_BYTES:
        raise CodebookError(source, [f"the file is {len(raw):,} bytes, more than a codebook "
                                     f"can be ({MAX_CODEBOOK_BYTES:,})"])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CodebookError(source, [f"file is not UTF-8 text ({exc})"]) from None
    if _flow_depth(text) > 2 * MAX_NESTING:
        raise CodebookError(source, [f"the YAML nests [ ] or {{ }} more than {2 * MAX_NESTING} "
                                     "levels deep; a codebook needs about six"])
    loader = _StrictLoader(text)
    loader.duplicate_keys = []
    try:
        node = loader.get_single_node()
        problem = _check_yaml_graph(node) if node is not None else None
        if problem:
            raise CodebookError(source, [problem])
        doc = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        raise CodebookError(source, [f"not valid YAML: {exc}"]) from None
    except RecursionError:
        raise CodebookError(source, [f"the YAML is nested too deeply (more than "
                                     f"{MAX_NESTING} levels)"]) from None
    finally:
        loader.dispose()
    problems = Problems(list(loader.duplicate_keys))
    shape = shape_problems(doc)
    if shape:  # the shape first, all of it at once; the rules need the right shape
        problems.extend(shape)
        raise CodebookError(source, problems)
    try:
        parts = build_instrument_parts(doc, problems, expect_name, Item, Level, Option)
    except (TypeError, AttributeError, KeyError, RecursionError) as exc:
        # a shape the checks did not foresee (a list where a name belongs, ...): still the
        # codebook's own error, listing what was found before it
        problems.append(f"a value has the wrong shape ({type(exc).__name__}: {exc}); check "
                        "that names are text and lists/mappings are where the format says")
        raise CodebookError(source, problems) from None
    if problems:
        raise CodebookError(source, problems)
    return Instrument(sha256=hashlib.sha256(raw).hexdigest(), path=path, **parts)


def instrument_from_text(text: str, name: str | None = None) -> Instrument:
    """Build an :class:`Instrument` from YAML text (tests, notebooks); same validation."""
    return _parse(text.encode("utf-8"), None, name)
