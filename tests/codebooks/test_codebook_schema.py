"""The codebook's shape is a JSON Schema shipped with the package.

Every shipped codebook conforms to it; ``load_instrument`` (and so ``cxresearch codebook
check``) reports every shape problem at once, each with its YAML path, before the semantic rules
in code; the schema is package data and a valid draft-2020-12 schema an editor can use.
"""

from __future__ import annotations

import copy
import json
import tomllib
from pathlib import Path

import jsonschema
import pytest
import yaml

import cxresearch as cx
from cxresearch.codebooks.instrument import instrument_from_text
from cxresearch.codebooks.shape import SCHEMA_PATH, codebook_schema, shape_problems
from cxresearch.errors import CodebookError

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted((ROOT / "data" / "instruments").glob("*.yaml"))


def test_the_schema_is_a_valid_json_schema_shipped_as_package_data():
    schema = codebook_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert SCHEMA_PATH.parent == ROOT / "cxresearch" / "codebooks"
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert any(SCHEMA_PATH.match(p) or Path("codebooks", SCHEMA_PATH.name).match(p)
               for p in data["package-data"]["cxresearch"])
    # a copy: callers cannot change the schema the loader uses
    schema["required"].append("x")
    assert "x" not in codebook_schema()["required"]


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_shipped_codebook_conforms(path):
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    jsonschema.validate(doc, json.loads(SCHEMA_PATH.read_text()))
    assert shape_problems(doc) == []
    assert cx.load_instrument(path.stem).name == path.stem


def test_the_schema_knows_every_item_type_and_key_the_code_knows():
    from cxresearch.codebooks import checks
    from cxresearch.codebooks.items import ITEM_TYPES

    d = codebook_schema()["$defs"]
    assert set(d["item"]["properties"]["type"]["enum"]) == set(ITEM_TYPES)
    assert set(d["item"]["properties"]) == checks._ITEM_KEYS
    assert set(d["level"]["properties"]) == checks._LEVEL_KEYS
    assert set(d["option"]["properties"]) == checks._OPTION_KEYS
    assert set(d["scale"]["properties"]) == checks._SCALE_KEYS
    assert set(d["index"]["oneOf"][1]["properties"]) == checks._INDEX_KEYS
    assert set(codebook_schema()["properties"]) == checks._TOP_KEYS
    meta = d["meta"]
    assert set(meta["required"]) == set(checks._META_REQUIRED)
    assert set(meta["properties"]) == set(checks._META_REQUIRED) | set(checks._META_OPTIONAL)
    if hasattr(checks, "_WAVE_KEYS"):
        wave_column = meta["properties"]["wave_column"]["oneOf"][2]
        assert set(wave_column["properties"]) == checks._WAVE_KEYS


# ----------------------------------------------------------------------------- hostile shapes
BASE = yaml.safe_load((ROOT / "data" / "instruments" / "ecsi_mobi.yaml").read_text())


def _problems(mutate) -> list[str]:
    doc = copy.deepcopy(BASE)
    mutate(doc)
    with pytest.raises(CodebookError) as err:
        instrument_from_text(yaml.safe_dump(doc, allow_unicode=True))
    return list(err.value.problems)


def _item(doc, k=1):
    return doc["items"][k]


CASES = {
    # unknown keys, at every level
    "top_key": (lambda d: d.update(extra=1), ["the codebook: unknown key 'extra'"]),
    "meta_key": (lambda d: d["meta"].update(titel="x"), ["meta: unknown key 'titel'"]),
    "item_key": (lambda d: _item(d).update(wordng={"en": "x"}), ["unknown key 'wordng'"]),
    "level_key": (lambda d: d["scales"][next(iter(d["scales"]))]["levels"][0].update(colour=1)
                  if d.get("scales") else _item(d).update(levels=[{"code": 1, "value": "a",
                                                                   "labels": {"en": "A"},
                                                                   "colour": 1}]),
                  ["unknown key 'colour'"]),
    # required keys
    "no_items": (lambda d: d.pop("items"), ["the codebook: items is missing"]),
    "no_meta_title": (lambda d: d["meta"].pop("title"), ["meta: title is missing"]),
    "no_wording": (lambda d: _item(d).pop("wording"), ["wording is missing"]),
    # types
    "item_not_mapping": (lambda d: d["items"].append("q99"), ["items[", "must be a mapping"]),
    "year_as_text": (lambda d: d["meta"].update(fieldwork_year="2021"),
                     ["meta.fieldwork_year must be a whole number or null, got '2021'"]),
    "year_as_date": (lambda d: d["meta"].update(fieldwork_year=__import__("datetime").date(
        2021, 5, 1)), ["meta.fieldwork_year must be a whole number or null"]),
    "bool_flag_text": (lambda d: _item(d).update(required="yes"),
                       ["required must be true or false, got 'yes'"]),
    "aliases_mapping": (lambda d: _item(d).update(aliases={"a": 1}), ["aliases must be a list"]),
    "scale_min_text": (lambda d: _item(d).update(scale_min="1"),
                       ["scale_min must be a number, got '1'"]),
    "wording_list": (lambda d: _item(d).update(wording=["x"]), ["wording must be a mapping"]),
    # spellings and enumerations
    "unknown_type": (lambda d: _item(d).update(type="slider"), ["unknown type 'slider'"]),
    "bad_id": (lambda d: _item(d).update(id="Q 1"), ["id must be snake_case text"]),
    "double_underscore": (lambda d: _item(d).update(id="a__b"), ["without '__'"]),
    "study_spelling": (lambda d: d.update(study="Mobi Study"), ["study must be snake_case"]),
    "format_version": (lambda d: d.update(format_version=3), ["format_version 3 is not supported"]),
    "languages_without_en": (lambda d: d["meta"].update(languages=["de"]),
                             ["meta.languages must include 'en'"]),
    "scoring": (lambda d: d.update(indices={"x": {"items": ["cusa1"], "scoring": "median"}}),
                ["indices.x"]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_shape_problems_name_their_yaml_path(case):
    mutate, parts = CASES[case]
    problems = _problems(mutate)
    text = "\n".join(problems)
    for part in parts:
        assert part in text, (part, problems)


def test_every_shape_problem_is_reported_at_once():
    def many(d):
        d.update(extra=1)
        d["meta"].pop("title")
        _item(d, 0).update(required="yes")
        _item(d, 2).update(type="slider")
        _item(d, 3).pop("wording")

    problems = _problems(many)
    assert len(problems) == 5, problems
    assert [p.split(" ")[0] for p in problems] == sorted(p.split(" ")[0] for p in problems) \
        or len({p.split(" ")[0] for p in problems}) == 5
    assert any(p.startswith("items[0] (item '") for p in problems)


def test_semantic_rules_stay_in_code_once_the_shape_is_right():
    # right shape, contradicting itself: the rules in code report it
    def dup(d):
        d["items"].append(copy.deepcopy(d["items"][1]))

    problems = _problems(dup)
    assert any("duplicate item id" in p for p in problems)


def test_check_codebook_reports_shape_problems(tmp_path):
    doc = copy.deepcopy(BASE)
    doc["items"][1]["required"] = "yes"
    doc["meta"].pop("title")
    path = tmp_path / "ecsi_mobi.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True))
    problems = cx.check_codebook(path)
    assert "meta: title is missing" in problems
    assert any("required must be true or false" in p for p in problems)


def test_editors_are_told_how_to_use_the_schema():
    readme = (ROOT / "data" / "instruments" / "README.md").read_text()
    line = next(t for t in readme.splitlines() if "yaml-language-server: $schema=" in t)
    target = line.split("$schema=", 1)[1].strip().strip("`")
    # the path is relative to data/instruments/, where codebooks live
    assert (ROOT / "data" / "instruments" / target).resolve() == SCHEMA_PATH.resolve()
