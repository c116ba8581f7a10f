"""Hostile codebook YAML: every malformed or malicious document gets the codebook's own error
(:class:`CodebookError`, listing the problems), fast — never ``TypeError``, ``RecursionError``,
``MemoryError`` or a hang.

Classes: alias bombs and recursive aliases; absurd nesting; lists or mappings where a name is
expected; look-alike ids (trailing newline and friends); unknown ``meta:`` keys; oversized
documents. The fuzz class replaces every scalar of a valid codebook, one at a time, by a list,
a mapping, a number and null.
"""

from __future__ import annotations

import copy

import pytest
import yaml

from cxresearch.codebooks import instrument as instrument_module
from cxresearch.codebooks.instrument import instrument_from_text
from cxresearch.errors import CodebookError

DOC = {
    "format_version": 1,
    "study": "hx",
    "meta": {"title": "T", "publisher": "P", "fieldwork_year": 2024, "population": "p",
             "source": ["none"], "languages": ["en"]},
    "scales": {"agree3": {"levels": [
        {"code": 1, "value": "disagree", "labels": {"en": "Disagree"}},
        {"code": 2, "value": "neutral", "labels": {"en": "Neutral"}},
        {"code": 3, "value": "agree", "labels": {"en": "Agree"}}]}},
    "items": [
        {"id": "rid", "type": "id", "wording": {"en": "Respondent"}},
        {"id": "sat", "type": "likert", "scale": "agree3", "wording": {"en": "Satisfied"},
         "missing": [9], "aliases": ["Q1"]},
        {"id": "easy", "type": "likert", "scale": "agree3", "wording": {"en": "Easy"}},
        {"id": "channel", "type": "multi", "wording": {"en": "Channels"},
         "options": [{"value": "email", "labels": {"en": "E-mail"}},
                     {"value": "phone", "labels": {"en": "Phone"}}]},
        {"id": "role", "type": "single", "wording": {"en": "Role"},
         "levels": [{"code": 1, "value": "ceo", "labels": {"en": "CEO"}},
                    {"code": 2, "value": "other", "labels": {"en": "Other"}}],
         "groups": {"top": ["ceo"]}},
    ],
    "indices": {"experience": {"items": ["sat", "easy"], "scoring": "mean"}},
    "ignore_columns": ["StartDate"],
}


def _text(doc) -> str:
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)


def _refused(text: str, *patterns: str) -> CodebookError:
    with pytest.raises(CodebookError) as info:
        instrument_from_text(text)
    for pat in patterns:
        assert pat in str(info.value), f"{pat!r} not in {info.value}"
    return info.value


def test_the_base_document_is_valid():
    inst = instrument_from_text(_text(DOC))
    assert list(inst.items) == ["rid", "sat", "easy", "channel", "role"]


# --------------------------------------------------------------------------- alias bombs


def _laughs(width: int, depth: int) -> str:
    lines = [f"a0: &a0 [{', '.join(['lol'] * width)}]"]
    for i in range(1, depth + 1):
        lines.append(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * width)}]")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("width,depth", [(9, 9), (2, 40), (100, 4), (1000, 2)])
def test_alias_bombs_fail_fast(width, depth):
    # 9^10 (a billion laughs), 2^41, 100^5, 1000^3 values once expanded: refused from the node
    # graph, before anything is built (a few ms; without the limit this exhausts memory)
    _refused(_laughs(width, depth), "alias bomb")


def test_alias_bomb_inside_a_codebook():
    text = _text(DOC) + "\n" + "\n".join(
        f"x{i}: &x{i} [{', '.join([f'*x{i - 1}'] * 10)}]" if i else "x0: &x0 [a, b, c]"
        for i in range(8))
    _refused(text, "alias bomb")


def test_merge_key_bomb():
    lines = ["m0: &m0 {a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8, i: 9, j: 10}"]
    for i in range(1, 8):
        keys = ", ".join(f"k{j}: *m{i - 1}" for j in range(12))
        lines.append(f"m{i}: &m{i} {{<<: *m{i - 1}, {keys}}}")
    _refused("\n".join(lines) + "\n", "alias bomb")


@pytest.mark.parametrize("text", [
    "a: &a [1, *a]\n",
    "a: &a {x: *a}\n",
    "a: &a [[[*a]]]\n",
])
def test_recursive_aliases(text):
    _refused(text, "recursive alias")


def test_modest_aliases_are_fine():
    # anchors reused a few times are ordinary YAML, not a bomb
    doc = copy.deepcopy(DOC)
    text = _text(doc).replace("wording:\n    en: Easy", "wording: *w").replace(
        "wording:\n    en: Satisfied", "wording: &w\n    en: Satisfied")
    assert "*w" in text
    inst = instrument_from_text(text)
    assert inst.items["easy"].wording == {"en": "Satisfied"}


# --------------------------------------------------------------------------- nesting


@pytest.mark.parametrize("text", [
    "x: " + "[" * 5000 + "]" * 5000,
    "x: " + "{a: " * 3000 + "1" + "}" * 3000,
    "x: " + "[" * 70 + "]" * 70,
    "".join("  " * i + "a:\n" for i in range(900)) + "  " * 900 + "1\n",
    "".join("  " * i + "- \n" for i in range(60)) + "  " * 60 + "x\n",
])
def test_absurd_nesting_is_the_codebooks_error(text):
    err = _refused(text)
    assert "nest" in str(err)


def test_nesting_inside_a_real_field():
    doc = copy.deepcopy(DOC)
    deep: object = "x"
    for _ in range(200):
        deep = [deep]
    doc["items"][1]["aliases"] = deep
    _refused(_text(doc), "nest")


# --------------------------------------------------------------------------- wrong shapes


@pytest.mark.parametrize("path,value", [
    (("study",), ["hx"]),
    (("study",), {"name": "hx"}),
    (("items", 0, "id"), ["rid"]),
    (("items", 1, "type"), ["likert"]),
    (("items", 1, "scale"), ["agree3"]),
    (("items", 1, "scale"), {"agree3": 1}),
    (("items", 3, "options", 0, "value"), ["email"]),
    (("scales", "agree3", "levels", 0, "value"), ["disagree"]),
    (("indices", "experience", "items"), [["sat"], "easy"]),
    (("indices", "experience", "items"), [{"sat": 1}]),
    (("items", 4, "groups"), {"top": [["ceo"]]}),
    (("items", 4, "groups"), {"top": [{"ceo": 1}]}),
    (("items", 4, "groups"), {"top": "ceo"}),
    (("meta", "languages"), [["en"]]),
    (("meta", "languages"), "en"),
    (("items", 1, "missing"), [[9]]),
    (("items", 1, "aliases"), "Q1"),
    (("ignore_columns",), "StartDate"),
    (("indices",), ["experience"]),
    (("scales",), ["agree3"]),
])
def test_lists_where_a_name_is_expected(path, value):
    doc = copy.deepcopy(DOC)
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    _refused(_text(doc))


@pytest.mark.parametrize("text", [
    "? [a, b]\n: 1\n",
    "study: hx\nmeta: {? [en]: x}\n",
    "? {a: 1}\n: 2\n",
])
def test_unhashable_keys(text):
    _refused(text, "mapping key must be a name")


def _scalar_paths(node, prefix=()):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _scalar_paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _scalar_paths(v, (*prefix, i))
    else:
        yield prefix


@pytest.mark.parametrize("replacement", [["x", ["y"]], {"k": ["v"]}, 7, None])
def test_fuzz_every_scalar_gives_a_codebook_error_or_a_codebook(replacement):
    """Every scalar of a valid codebook replaced by a list / mapping / number / null, one at a
    time: the result is a CodebookError or a valid codebook, never another exception."""
    paths = list(_scalar_paths(DOC))
    assert len(paths) > 40
    refused = 0
    for path in paths:
        doc = copy.deepcopy(DOC)
        target = doc
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = copy.deepcopy(replacement)
        try:
            instrument_from_text(_text(doc))
        except CodebookError as err:
            refused += 1
            assert not any("wrong shape" in q for q in err.problems), (path, err.problems)
        except Exception as exc:  # pragma: no cover - the failure message names the field
            pytest.fail(f"{'.'.join(map(str, path))} = {replacement!r}: "
                        f"{type(exc).__name__}: {exc}")
    assert refused >= len(paths) // 2


# --------------------------------------------------------------------------- look-alike ids


@pytest.mark.parametrize("field,value", [
    ("study", "hx\n"),
    ("study", "hx "),
    ("study", "ｈｘ"),
    ("study", "hx\u200b"),
    ("item", "sat\n"),
    ("item", "Sat"),
    ("level", "agree\n"),
    ("index", "experience\n"),
])
def test_lookalike_ids_are_refused(field, value):
    doc = copy.deepcopy(DOC)
    if field == "study":
        doc["study"] = value
    elif field == "item":
        doc["items"][2]["id"] = value
    elif field == "level":
        doc["scales"]["agree3"]["levels"][2]["value"] = value
    else:
        doc["indices"] = {value: {"items": ["sat", "easy"]}}
    _refused(_text(doc), "snake_case")


# --------------------------------------------------------------------------- meta and size


@pytest.mark.parametrize("key", ["colour", "Title", "title ", "sampel_size"])
def test_unknown_meta_key_is_an_error(key):
    doc = copy.deepcopy(DOC)
    doc["meta"][key] = "x"
    _refused(_text(doc), f"meta: unknown key {key!r}")


def test_optional_meta_keys_are_accepted():
    doc = copy.deepcopy(DOC)
    doc["meta"].update(published=2021, sample_size=300, waves=["2021"], notes="n")
    assert instrument_from_text(_text(doc)).meta["sample_size"] == 300


def test_oversized_document(monkeypatch):
    monkeypatch.setattr(instrument_module, "MAX_CODEBOOK_BYTES", 1000)
    _refused(_text(DOC) + "#" * 2000 + "\n", "more than a codebook can be")


@pytest.mark.parametrize("bad", [None, 3, ["hx"], b"hx"])
def test_load_instrument_argument_is_checked(bad):
    with pytest.raises(TypeError, match="codebook must be a study name"):
        instrument_module.load_instrument(bad)
