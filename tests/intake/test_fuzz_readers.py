"""Property-based fuzzing (issue 24, item 7) of the export readers, of ingest, and of the
project file: random bytes, encodings, names and shapes never crash with anything but the
package's refusals (``IngestError``/``ValueError``/``OSError``), and never leave a half-written
wave or file behind.
"""

from __future__ import annotations

import csv
import io
import os
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from cxresearch import paths
from cxresearch.errors import IngestError
from cxresearch.intake.readers import read_export
from cxresearch.pipeline import cli

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = settings(max_examples=int(os.environ.get("CX_FUZZ_EXAMPLES", "60")), deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])
REFUSALS = (IngestError, ValueError, OSError)
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "gb18030", "latin-1",
             "cp1252", "shift_jis"]
SUFFIXES = [".csv", ".tsv", ".txt", ".xlsx", ".sav", ".parquet", ""]

cell = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)),
               max_size=12)
header = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)),
                 min_size=0, max_size=10)


@st.composite
def tables(draw):
    k = draw(st.integers(1, 6))
    n = draw(st.integers(0, 8))
    heads = draw(st.lists(header, min_size=k, max_size=k))
    rows = draw(st.lists(st.lists(cell, min_size=0, max_size=k + 2), min_size=n, max_size=n))
    delim = draw(st.sampled_from([",", ";", "\t", "|"]))
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delim, lineterminator=draw(st.sampled_from(["\n", "\r\n"])))
    w.writerow(heads)
    w.writerows(rows)
    return buf.getvalue()


def _read(path: Path):
    try:
        return read_export(path)
    except REFUSALS:
        return None


@SETTINGS
@given(data=st.binary(max_size=600), suffix=st.sampled_from(SUFFIXES))
def test_random_bytes(tmp_path_factory, data, suffix):
    path = tmp_path_factory.mktemp("b") / f"export{suffix}"
    path.write_bytes(data)
    _read(path)


@SETTINGS
@given(data=st.binary(max_size=300),
       magic=st.sampled_from([b"PK\x03\x04", b"$FL2", b"$FL3", b"PAR1", b"\xd0\xcf\x11\xe0",
                              b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"]))
@example(data=b"\r\x00", magic=b"\xef\xbb\xbf")   # found: csv.Error escaped the reader
def test_random_bytes_behind_magic_numbers(tmp_path_factory, data, magic):
    path = tmp_path_factory.mktemp("m") / "export.csv"
    path.write_bytes(magic + data)
    _read(path)


@SETTINGS
@given(text=tables(), enc=st.sampled_from(ENCODINGS))
def test_random_tables_in_any_encoding(tmp_path_factory, text, enc):
    path = tmp_path_factory.mktemp("t") / "export.csv"
    try:
        path.write_bytes(text.encode(enc))
    except UnicodeEncodeError:
        return
    raw = _read(path)
    if raw is not None:   # what is read is consistent
        assert len(raw.headers) == len(raw.columns)
        assert all(len(c) == raw.n for c in raw.columns)
        assert len(set(raw.headers)) == len(raw.headers)


@pytest.fixture(scope="module")
def hx_codebook(tmp_path_factory):
    d = tmp_path_factory.mktemp("cb")
    book = d / "hx.yaml"
    book.write_text("""format_version: 1
study: hx
meta: {title: fuzz, publisher: tests, fieldwork_year: 2024, population: none,
       source: [tests], languages: [en]}
scales:
  five: {ordered: true, levels: [{code: 1, value: a, labels: {en: one}},
                                 {code: 2, value: b, labels: {en: two}},
                                 {code: 3, value: c, labels: {en: three}}]}
items:
  - {id: rid, type: id, wording: {en: id}}
  - {id: q1, type: likert, scale: five, wording: {en: q1}}
  - {id: q2, type: numeric, wording: {en: q2}}
  - {id: note, type: text, wording: {en: note}}
""", encoding="utf-8")
    return book


@SETTINGS
@given(rows=st.lists(st.tuples(cell, cell, cell, cell), max_size=8),
       heads=st.sampled_from([("rid", "q1", "q2", "note"), ("RID", "Q1", "q2", "x"),
                              ("rid", "q1", "q1", "note"), ("a", "b", "c", "d")]),
       enc=st.sampled_from(["utf-8", "utf-16", "gb18030", "latin-1"]),
       on_error=st.sampled_from(["fail", "quarantine"]))
def test_ingest_never_writes_half_a_wave(tmp_path_factory, hx_codebook, rows, heads, enc,
                                         on_error):
    d = tmp_path_factory.mktemp("i")
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([heads, *rows])
    path = d / "export.csv"
    try:
        path.write_bytes(buf.getvalue().encode(enc))
    except UnicodeEncodeError:
        return
    import warnings

    import cxresearch as cx

    root = d / "waves"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            w = cx.ingest(path, hx_codebook, "w1", root=root, on_error=on_error)
        except REFUSALS:
            w = None
    wave = root / "hx" / "w1"
    left = [p for p in (root / "hx").iterdir() if p.name.startswith(".")] \
        if (root / "hx").is_dir() else []
    assert not left, left                              # no temporary folders
    if w is None:
        assert not wave.exists()
    else:
        assert (wave / "manifest.json").is_file() and (wave / "responses.parquet").is_file()
        assert cx.load_wave(hx_codebook, "w1", root=root).data.shape[0] == len(w.data)


# ------------------------------------------------------------------ the project file


toml_text = st.one_of(
    st.text(max_size=200),
    st.builds(lambda k, v: f"[paths]\n{k} = {v}\n",
              st.sampled_from(["waves", "codebooks", "reports", "allow_outside", "bogus"]),
              st.sampled_from(['"../x"', '"/"', '""', "1", "true", '"a\\u0000b"', "[1]",
                               '"~/x"', '"waves"', '"./a/../b"', "{a = 1}"])),
    st.binary(max_size=120).map(lambda b: b.decode("latin-1")),
)


@SETTINGS
@given(text=toml_text)
def test_random_project_files(tmp_path_factory, text):
    root = tmp_path_factory.mktemp("p")
    (root / paths.PROJECT_FILE).write_text(text, encoding="utf-8", errors="surrogateescape")
    try:
        conf = paths.project_config(root)
    except ValueError:
        return
    for folder in conf["paths"].values():
        assert folder == root.resolve() or root.resolve() in folder.parents or \
            conf["allow_outside"]


@SETTINGS
@given(name=st.text(max_size=120))
def test_random_project_names(tmp_path_factory, name):
    root = tmp_path_factory.mktemp("n") / "proj"
    code = cli.main(["init", str(root), f"--name={name}"])
    assert code in (0, 1)
    if code == 0:
        conf = tomllib.loads((root / paths.PROJECT_FILE).read_text(encoding="utf-8"))
        assert conf["project"]["name"] == name and "paths" not in conf
    else:
        assert not (root / paths.PROJECT_FILE).exists()


@SETTINGS
@given(label=st.text(max_size=110))
def test_random_labels(label):
    try:
        out = paths.check_label("wave", label)
    except ValueError:
        return
    assert out == label and len(label) <= 100 and label.isascii() and label.isprintable()
    assert label.split(".")[0].upper() not in paths.WINDOWS_RESERVED


@SETTINGS
@given(data=st.binary(max_size=400), suffix=st.sampled_from(SUFFIXES))
def test_cli_ingest_of_random_files_is_never_an_internal_error(tmp_path_factory, hx_codebook,
                                                               data, suffix):
    d = tmp_path_factory.mktemp("c")
    path = d / f"export{suffix}"
    path.write_bytes(data)
    import contextlib
    import io as _io

    err = _io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(_io.StringIO()):
        code = cli.main(["ingest", str(path), "--instrument", str(hx_codebook), "--wave", "w1",
                         "--project", str(ROOT)])
    if code != 0:
        assert code in (cli.EXIT_BAD_INPUT, cli.EXIT_FILES), err.getvalue()
        assert "Traceback" not in err.getvalue()
