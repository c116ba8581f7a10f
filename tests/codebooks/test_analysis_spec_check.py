"""``cxresearch codebook check`` on ``meta.analysis`` (issue 23, item 4 and "Done when"): an
outcome inside a driver index — and its variants — is refused through the CLI, exit 1, the
problem naming the outcome and the index; a well-formed spec passes.

Variants: the outcome item inside a named driver index; inside a default driver index (no
drivers named); the outcome named as a driver; a driver item inside the outcome index; a
driver index sharing items with the outcome index; a misspelled driver (case, letters
swapped); a single-driver spec; a segment that is not single-choice; an outcome that is text.
"""

from __future__ import annotations

import copy

import pytest
import yaml

from cxresearch.pipeline import cli

ITEMS = [
    {"id": "rid", "type": "id", "wording": {"en": "Respondent"}},
    *[{"id": i, "type": "rating", "scale_min": 1, "scale_max": 5, "wording": {"en": i}}
      for i in ("sat1", "sat2", "eas1", "eas2", "val1", "val2")],
    {"id": "role", "type": "single", "wording": {"en": "Role"},
     "levels": [{"code": 1, "value": "a", "labels": {"en": "A"}},
                {"code": 2, "value": "b", "labels": {"en": "B"}}]},
    {"id": "tags", "type": "multi", "wording": {"en": "Tags"},
     "options": [{"value": "x", "labels": {"en": "X"}}, {"value": "y", "labels": {"en": "Y"}}]},
    {"id": "note", "type": "text", "wording": {"en": "Note"}},
]
DOC = {"format_version": 1, "study": "an",
       "meta": {"title": "T", "publisher": "P", "fieldwork_year": 2024, "population": "p",
                "source": ["none"], "languages": ["en"],
                "analysis": {"outcome": "sat", "drivers": ["eas", "val"], "segments": ["role"]}},
       "items": ITEMS,
       "indices": {"sat": {"items": ["sat1", "sat2"], "scoring": "mean"},
                   "eas": {"items": ["eas1", "eas2"], "scoring": "mean"},
                   "val": {"items": ["val1", "val2"], "scoring": "mean"}}}


def _check(tmp_path, capsys, analysis=None, indices=None):
    doc = copy.deepcopy(DOC)
    if analysis is not None:
        doc["meta"]["analysis"] = analysis
    if indices is not None:
        doc["indices"] = indices
    path = tmp_path / "an.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    code = cli.main(["codebook", "check", str(path)])
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err
    return code, out.out


def test_a_good_spec_passes(tmp_path, capsys):
    code, out = _check(tmp_path, capsys)
    assert code == 0 and "valid" in out


IDX = {"sat": {"items": ["sat1", "sat2"]}, "eas": {"items": ["eas1", "eas2"]},
       "val": {"items": ["val1", "val2"]}}


@pytest.mark.parametrize("analysis,indices,needles", [
    ({"outcome": "sat1", "drivers": ["sat", "val"]}, None,
     ["outcome 'sat1' is inside the driver index 'sat'"]),
    ({"outcome": "sat1"}, None, ["outcome 'sat1' is inside the default driver index 'sat'"]),
    ({"outcome": "val1", "drivers": ["eas"]},
     {**IDX, "eas": {"items": ["eas1", "eas2", "val1"]}},
     ["outcome 'val1' is inside the driver index 'eas'"]),
    ({"outcome": "sat", "drivers": ["sat", "val"]}, None, ["outcome 'sat' is also a driver"]),
    ({"outcome": "sat", "drivers": ["sat1", "val"]}, None,
     ["driver 'sat1' is an item of the outcome index 'sat'"]),
    ({"outcome": "sat", "drivers": ["eas", "val"]},
     {**IDX, "eas": {"items": ["eas1", "eas2", "sat2"]}},
     ["driver index 'eas' shares 'sat2' with the outcome index 'sat'"]),
    ({"outcome": "sat"}, {**IDX, "val": {"items": ["val1", "sat1"]}},
     ["default driver index 'val' shares 'sat1' with the outcome index 'sat'"]),
    ({"outcome": "sat", "drivers": ["Eas", "val"]}, None, ["'Eas' is neither"]),
    ({"outcome": "sat", "drivers": ["eas", "vla"]}, None, ["'vla' is neither"]),
    ({"outcome": "sat", "drivers": ["eas"]}, None, ["at least two drivers"]),
    ({"outcome": "sat", "drivers": ["eas", "val"], "segments": ["tags"]}, None,
     ["'tags' is not a single-choice item"]),
    ({"outcome": "note", "drivers": ["eas", "val"]}, None, ["'note' is a text item"]),
    ({"outcome": "sat", "drivers": ["eas", "role"]}, None, ["'role' is a single item"]),
])
def test_bad_specs_are_refused_naming_the_problem(tmp_path, capsys, analysis, indices,
                                                  needles):
    if indices is not None:
        indices = {k: {"scoring": "mean", **v} for k, v in indices.items()}
    code, out = _check(tmp_path, capsys, analysis, indices)
    assert code == 1, out
    for n in needles:
        assert n in out, (n, out)
