"""Hostile exports against ``codebook draft`` (issue 24, item 2, the draft's half): the YAML
is written by the serializer, so names never become structure; headers differing only in
case, huge cells, huge headers and cells larger than the read block give one clear error or a
small draft.

Oracles: round trips (what was read back equals what was written: the file name in
meta.source, each header in its item's aliases, no index or item the export did not make).
"""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from cxresearch.codebooks.draft import check_codebook, draft, draft_codebook
from cxresearch.codebooks.instrument import instrument_from_text

INJECTIONS = [
    "export\nindices: {loyalty_index: {items: [q1, q2], scoring: mean}}\n#",
    "export\r\nitems: []\n#",
    "a: b # c",
    "---\n...\n",
    "&anchor *alias !!python:object:os.system",
    "'quoted\" both",
    "line\u2028separator\u2029para",
    "{[}]",
    "- id: injected\n  type: text",
]


def _base(tmp_path, stem: str) -> Path:  # noqa: F821
    df = pd.DataFrame({"q1": [1, 2, 3, 4, 5] * 6, "q2": [2, 3, 4, 5, 1] * 6})
    path = tmp_path / f"{stem}.csv"
    df.to_csv(path, index=False)
    return path


@pytest.mark.parametrize("stem", INJECTIONS)
def test_file_name_never_becomes_yaml(tmp_path, stem):
    path = _base(tmp_path, stem)
    text = draft_codebook(path, "s")
    doc = yaml.safe_load(text)
    assert doc["meta"]["source"] == [path.name]
    assert set(doc) == {"format_version", "study", "meta", "items", "indices"}
    assert doc["indices"] == {"q": {"items": ["q1", "q2"], "scoring": "mean"}}
    assert [i["id"] for i in doc["items"]] == ["q1", "q2"]
    # comments hold no text from the export
    comments = [ln for ln in text.splitlines() if ln.lstrip().startswith("#")]
    assert all(stem.split("\n")[0] not in ln for ln in comments if stem.split("\n")[0])
    assert check_codebook(text, "s") == []


@pytest.mark.parametrize("header", [
    "q: 1", "# not a comment", "- id: x", "{a: b}", "tab\there", "new\nline", "\u2028",
    "=HYPERLINK(\"http://x\")", "héllo wörld", "'", "a" * 1000])
def test_hostile_headers_round_trip_as_aliases(tmp_path, header):
    df = pd.DataFrame({header: [1, 2, 3, 4, 5] * 6, "other": [5, 4, 3, 2, 1] * 6})
    path = tmp_path / "h.csv"
    df.to_csv(path, index=False)
    text = draft_codebook(path, "s")
    items = yaml.safe_load(text)["items"]
    assert len(items) == 2
    first = items[0]
    assert first.get("aliases", [first["id"]]) == [header] or first["id"] == header.lower()
    inst = instrument_from_text(text, "s")
    assert inst.resolve_column(header) == first["id"]


@pytest.mark.parametrize("headers", [("Q1", "q1"), ("Région", "RÉGION"), ("q 1", "Q  1"),
                                     ("Sat", " sat ")])
def test_headers_differing_only_in_case_are_one_clear_error(tmp_path, headers):
    path = tmp_path / "c.csv"
    path.write_text(",".join(headers) + "\n1,2\n2,3\n", encoding="utf-8")
    with pytest.raises(ValueError, match="differ only in case") as exc:
        draft(path, "s")
    assert repr(headers[0]) in str(exc.value) and repr(headers[1]) in str(exc.value)
    assert "rename one of them" in str(exc.value)


@pytest.mark.parametrize("where", ["first", "last", "only"])
def test_a_10_mb_answer_makes_a_small_draft(tmp_path, where):
    big = "word " * (2 << 20)  # 10 MB
    n = 40
    col = ["short answer"] * n
    col[{"first": 0, "last": n - 1, "only": 0}[where]] = big
    df = pd.DataFrame({"comment": col if where != "only" else [big] + [""] * (n - 1),
                       "q": [1, 2, 3, 4, 5] * 8})
    path = tmp_path / "big.csv"
    df.to_csv(path, index=False)
    d = draft(path, "s")
    assert len(d.yaml) < 20_000 and len(d.review) < 50_000
    assert yaml.safe_load(d.yaml)["items"][0]["type"] == "text"
    assert "word word" not in d.yaml + d.review


def test_a_10_mb_question_text_is_cut(tmp_path):
    path = tmp_path / "qualtrics.csv"
    big = "Why " * (2 << 20)
    path.write_text('Q1,Q2\n"' + big + '","How satisfied are you?"\n'
                    '"{""ImportId"":""QID1""}","{""ImportId"":""QID2""}"\n'
                    + "\n".join(f"{k % 5 + 1},{k % 4 + 1}" for k in range(30)) + "\n")
    d = draft(path, "s")
    assert len(d.yaml) < 20_000
    assert yaml.safe_load(d.yaml)["items"][0]["wording"]["en"].endswith("…")


@pytest.mark.parametrize("size", [1001, 128 * 1024 + 1, 300 * 1024])
def test_header_fields_too_long_are_one_clear_error(tmp_path, size):
    path = tmp_path / "long.csv"
    path.write_text("ok," + "h" * size + "\n1,2\n", encoding="utf-8")
    with pytest.raises(ValueError, match=rf"header of column 2 is {size:,} characters long"):
        draft(path, "s")


@pytest.mark.parametrize("chunk,cell", [(1 << 16, 300_000), (1 << 18, 2_000_000)])
def test_cell_larger_than_the_block_names_the_column(tmp_path, chunk, cell):
    path = tmp_path / "straddle.csv"
    rows = ["a,b,notes"] + [f"{k},{k % 5},x" for k in range(100)]
    rows[50] = f"49,3,{'z' * cell}"
    path.write_text("\n".join(rows) + "\n")
    with pytest.raises(ValueError, match=r"column 'notes', row 51, holds a cell of"):
        draft(path, "s", chunk_bytes=chunk)


@pytest.mark.slow
def test_a_40_mb_field_at_the_default_block(tmp_path):
    """pyarrow's streaming reader said "straddling object ... increase block size?"; records
    are now cut at record boundaries, so a 40 MB cell (under 4 blocks) is free text."""
    path = tmp_path / "huge.csv"
    with path.open("w") as fh:
        fh.write("id,comment\n1,ok\n2,")
        fh.write("y" * (40 << 20))
        fh.write("\n3,ok\n")
    d = draft(path, "s")
    items = {i["id"]: i for i in yaml.safe_load(d.yaml)["items"]}
    assert items["comment"]["type"] == "text" and len(d.yaml) < 20_000
    assert "yyyy" not in d.yaml + d.review


def test_round_trip_of_every_drafted_example():
    from cxresearch import paths

    root = paths.package_root() / "data" / "examples"
    for f in sorted(root.glob("*/*")):
        if f.suffix not in (".csv", ".xlsx", ".sav"):
            continue
        text = draft_codebook(f, "s")
        doc = yaml.safe_load(text)
        again = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)
        assert yaml.safe_load(again) == doc, f.name
        assert doc["meta"]["source"] == [f.name]
        assert check_codebook(text, "s") == [], f.name


@pytest.mark.parametrize("eol", ["\n", "\r\n", "\r"])
@pytest.mark.parametrize("chunk", [16, 64, 1 << 20])
def test_blocks_cut_at_record_boundaries_give_the_same_scan(tmp_path, eol, chunk):
    """Quoted newlines and quotes across block edges: every block size reads the same."""
    from cxresearch.codebooks.scan import scan_export

    rows = ['id,comment,q'] + [f'{k},"line one{eol}line ""two"", {k}",{k % 5 + 1}'
                                for k in range(60)]
    path = tmp_path / "q.csv"
    path.write_bytes((eol.join(rows) + eol).encode())
    if eol == "\r":  # a bare CR ends records only when the file has no LF at all
        path.write_bytes(path.read_bytes().replace(b"\r", b"\n").replace(b"\n", b"\r"))
    s = scan_export(path, chunk_bytes=chunk)
    assert s["rows"] == 60
    q = next(c for c in s["columns"] if c.header == "q")
    assert q.values() == {str(v): 12 for v in range(1, 6)}
    com = next(c for c in s["columns"] if c.header == "comment")
    assert com.answered == 60 and com.distinct == 60


@pytest.mark.parametrize("study", ["a" * 65, "x_" * 150 + "y"])
def test_study_names_too_long_for_a_file_name(tmp_path, study):
    with pytest.raises(ValueError, match="at most 64 characters"):
        draft(_base(tmp_path, "ok"), study)
