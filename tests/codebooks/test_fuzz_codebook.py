"""Property-based fuzzing of the codebook parser (issue 24, item 7): ``load_instrument``,
``check_codebook`` and ``cxresearch codebook check`` on random bytes, random YAML shapes and
random ``meta.analysis`` blocks never raise anything but the codebook's own error (a
``ValueError`` naming the problem) and never print a traceback.

Strategies: raw bytes (also behind a YAML document marker and a BOM); a valid codebook with one
subtree replaced by a random JSON-like value (every path of the document is a candidate);
random top-level keys; random ``meta.analysis`` (names, lists, mappings, numbers, nulls).
"""

from __future__ import annotations

import copy

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxresearch.codebooks.draft import check_codebook
from cxresearch.codebooks.instrument import Instrument, instrument_from_text, load_instrument
from cxresearch.errors import CodebookError
from cxresearch.pipeline import cli

DOC = {
    "format_version": 1,
    "study": "fz",
    "meta": {"title": "T", "publisher": "P", "fieldwork_year": 2024, "population": "p",
             "source": ["none"], "languages": ["en"],
             "analysis": {"outcome": "sat", "drivers": ["easy", "fast"],
                          "segments": ["role"]}},
    "scales": {"agree3": {"levels": [
        {"code": 1, "value": "disagree", "labels": {"en": "Disagree"}},
        {"code": 2, "value": "neutral", "labels": {"en": "Neutral"}},
        {"code": 3, "value": "agree", "labels": {"en": "Agree"}}]}},
    "items": [
        {"id": "rid", "type": "id", "wording": {"en": "Respondent"}},
        {"id": "sat", "type": "likert", "scale": "agree3", "wording": {"en": "Satisfied"},
         "missing": [9], "aliases": ["Q1"]},
        {"id": "easy", "type": "likert", "scale": "agree3", "wording": {"en": "Easy"}},
        {"id": "fast", "type": "likert", "scale": "agree3", "wording": {"en": "Fast"}},
        {"id": "channel", "type": "multi", "wording": {"en": "Channels"},
         "options": [{"value": "email", "labels": {"en": "E-mail"}},
                     {"value": "phone", "labels": {"en": "Phone"}}]},
        {"id": "role", "type": "single", "wording": {"en": "Role"},
         "levels": [{"code": 1, "value": "ceo", "labels": {"en": "CEO"}},
                    {"code": 2, "value": "other", "labels": {"en": "Other"}}],
         "groups": {"top": ["ceo"]}},
        {"id": "mail", "type": "text", "wording": {"en": "E-mail"}, "pii": True},
    ],
    "indices": {"experience": {"items": ["easy", "fast"], "scoring": "mean"}},
    "ignore_columns": ["StartDate"],
}

SETTINGS = settings(max_examples=120, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow,
                                           HealthCheck.function_scoped_fixture])

scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20),
                    st.floats(allow_nan=True, allow_infinity=True),
                    st.text(max_size=30), st.sampled_from(["sat", "easy", "fast", "role",
                                                           "experience", "rid", "mail",
                                                           "likert", "single", "1-5",
                                                           "agree3", "", "0-10", "11-12"]))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4),
    st.dictionaries(st.one_of(st.text(max_size=10), st.sampled_from(
        ["id", "type", "items", "levels", "code", "value", "labels", "scale", "en"])),
        inner, max_size=4)), max_leaves=12)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, (*prefix, i))


PATHS = [p for p in _paths(DOC) if p]


def _accepts_or_names_the_problem(text: str) -> None:
    try:
        inst = instrument_from_text(text)
    except CodebookError as err:
        assert err.problems and all(isinstance(p, str) and p for p in err.problems)
        assert isinstance(err, ValueError)
    else:
        assert isinstance(inst, Instrument)
    problems = check_codebook(text if "\n" in text else text + "\n")
    assert isinstance(problems, list) and all(isinstance(p, str) for p in problems)


def _dump(doc) -> str:
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)


def test_the_base_document_is_valid():
    assert check_codebook(_dump(DOC)) == []


@SETTINGS
@given(st.sampled_from(PATHS), values)
def test_random_subtree_anywhere(path, value):
    doc = copy.deepcopy(DOC)
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    _accepts_or_names_the_problem(_dump(doc))


@SETTINGS
@given(st.dictionaries(st.text(min_size=1, max_size=12), values, max_size=3))
def test_random_top_level_keys(extra):
    doc = {**copy.deepcopy(DOC), **extra}
    _accepts_or_names_the_problem(_dump(doc))


@SETTINGS
@given(st.dictionaries(st.sampled_from(["outcome", "drivers", "segments", "outcome_candidates",
                                        "assumed", "assumed_reason", "weights", ""]),
                       values, max_size=5))
def test_random_analysis_blocks(analysis):
    doc = copy.deepcopy(DOC)
    doc["meta"]["analysis"] = analysis
    _accepts_or_names_the_problem(_dump(doc))


@SETTINGS
@given(values)
def test_random_documents(value):
    _accepts_or_names_the_problem(_dump(value))


@SETTINGS
@given(st.binary(max_size=400), st.sampled_from([b"", b"\xef\xbb\xbf", b"%YAML 1.1\n---\n",
                                                 b"\xff\xfe", b"study: x\n"]))
def test_random_bytes_from_a_file(tmp_path_factory, data, prefix):
    path = tmp_path_factory.mktemp("fz") / "fz.yaml"
    path.write_bytes(prefix + data)
    try:
        load_instrument(path)
    except (CodebookError, ValueError, TypeError) as err:
        assert str(err).strip(), type(err).__name__
    assert isinstance(check_codebook(path), list)


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.one_of(st.binary(max_size=300), values.map(lambda v: _dump(v).encode())))
def test_cli_codebook_check_never_prints_a_traceback(tmp_path_factory, capsys, data):
    path = tmp_path_factory.mktemp("fzcli") / "fz.yaml"
    path.write_bytes(data)
    code = cli.main(["codebook", "check", str(path)])
    out = capsys.readouterr()
    assert code in (0, 1), (code, out.err)
    assert "Traceback" not in out.out + out.err
    assert code == 0 or (out.out + out.err).strip()


@pytest.mark.parametrize("text", [
    "meta: {analysis: {outcome: [sat, easy]}}",
    "meta:\n  analysis: !!python/object:os.system 'echo hi'\n",
    "items: !!binary aGVsbG8=\n",
    "items:\n- &a {id: x, type: id}\n- *a\n",
    "\x00\x01\x02",
    "study: fz\nitems: {}\n" * 2,
])
def test_named_odd_documents(text):
    _accepts_or_names_the_problem(text)
