"""A whole run swept for personal data (issue 24, "Done when": no value of a PII or free-text
column appears in any file a run writes).

In a temporary project (``cxresearch init``), the shipped ECSI export gains columns of e-mail
addresses that first appear after row 20, phone numbers in international and national forms,
IP addresses, payment-card numbers, IBANs and free text. Then ``codebook draft`` (with the
README's one edit, the outcome), ``codebook check``, ``ingest`` and ``reproduce`` run through
the CLI, and every file under the project — codebooks, review page, waves manifests,
quarantine, ``reports/<run>/`` html, ipynb, csv, xlsx and pptx (unzipped, every XML part), json,
md — is searched for each value, and for the digits of each number with its separators
removed (a serializer could reformat ``+44 7700 900123`` as ``447700900123``).

Two variants: the export as CSV and as an Excel workbook (card numbers stored as numbers there).

Oracle: the values are planted by construction; none may be found. What is printed is swept
too. The same run (the project under a folder whose name is TOML, the export's file name YAML,
one header YAML and JSON) is the round-trip test of every structured file the tool writes.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import random
import re
import shutil
import subprocess
import tomllib
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import yaml

from cxresearch.pipeline import cli

ROOT = Path(__file__).resolve().parents[2]
MOBI = ROOT / "data" / "examples" / "ecsi_mobi" / "mobi.csv"

EMAILS = ["jane.doe@example.org", "x_y+tag@mail.example.co.uk", "o'brien@example.ie",
          "late.comer@example.net"]
PHONES = ["+44 7700 900123", "07700 900456", "(020) 7946 0958", "+1 (555) 123-4567",
          "06 12 34 56 78", "030 12345678", "0044 20 7946 0999"]
IPS = ["192.168.0.17", "10.0.0.77", "2001:db8::ff00:42:8329", "172.16.254.3"]
CARDS = ["4111 1111 1111 1111", "5500-0000-0000-0004", "378282246310005", "6011111111111117"]
IBANS = ["DE89 3704 0044 0532 0130 00", "GB82WEST12345698765432", "NL91ABNA0417164300",
         "FR14 2004 1010 0505 0001 3M02 606"]
TEXTS = ["the courier left my parcel with Mrs Appleby next door",
         "Zyxwvut service was fine but slow on Tuesday",
         "please call me back about contract QQ-4471",
         "I moved to Kettlewell and the signal is weak"]


def _export(n: int) -> pd.DataFrame:
    rng = random.Random(24)
    df = pd.read_csv(MOBI).head(n).copy()
    # e-mails only after row 20, in a column whose header says nothing
    df["opt_in"] = [""] * 21 + [EMAILS[i % len(EMAILS)] if i % 3 == 0 else ""
                                for i in range(n - 21)]
    df["contact"] = [PHONES[i % len(PHONES)] for i in range(n)]
    df["src"] = [IPS[rng.randrange(len(IPS))] for _ in range(n)]
    df["pay"] = [CARDS[rng.randrange(len(CARDS))] for _ in range(n)]
    df["bank"] = [IBANS[rng.randrange(len(IBANS))] for _ in range(n)]
    df["remarks"] = [TEXTS[i % len(TEXTS)] + f" (visit {i})" for i in range(n)]
    return df


def _needles() -> list[str]:
    out = EMAILS + PHONES + IPS + CARDS + IBANS + TEXTS
    for v in PHONES + CARDS + IBANS:
        compact = re.sub(r"[\s()+\-]", "", v)
        out.append(compact)
    out += ["Appleby", "Zyxwvut", "QQ-4471", "Kettlewell", "@example", "7700 900"]
    return sorted(set(out))


def _texts_of(path: Path) -> list[tuple[str, str]]:
    """(where, text) of a file; zip containers (xlsx, pptx, docx) part by part."""
    data = path.read_bytes()
    if data[:2] == b"PK":
        out = []
        with zipfile.ZipFile(path) as z:
            for name in z.namelist():
                out.append((f"{path}!{name}", z.read(name).decode("utf-8", "replace")))
        return out
    if path.suffix == ".parquet":
        return []  # the wave's own data: its columns are checked apart
    if path.suffix == ".pdf" and shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True,
                              text=True).stdout
        return [(f"{path} (text)", text), (str(path), data.decode("latin-1"))]
    return [(str(path), data.decode("utf-8", "replace"))]


HOSTILE_PARENT = "x\n[paths]\nwaves = '..' \"q\" #\\"
HOSTILE_STEM = "export\nindices: {loyalty_index: {items: [q]}}\n#\" '"
HOSTILE_HEADER = 'Satisfied? "yes": {no} #1 \\ \'x\' [a, b]'


def _run(argv, sink: list) -> None:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(argv)
    sink.append(out.getvalue() + err.getvalue())
    assert code == 0, (argv, err.getvalue()[-3000:])


def _write(df: pd.DataFrame, path: Path) -> None:
    if path.suffix == ".xlsx":   # card numbers arrive as numbers from a workbook
        df = df.copy()
        df["pay"] = [int(re.sub(r"\D", "", v)) for v in df["pay"]]
        df.to_excel(path, index=False)
    else:
        df.to_csv(path, index=False)


@pytest.fixture(scope="module", params=[".csv", ".xlsx"])
def swept_run(tmp_path_factory, request):
    """One whole run in a project under a hostile folder name, from an export with a hostile
    file name, a hostile header and personal data: (project, what was printed, export text)."""
    saved = os.environ.pop("CXRESEARCH_DATA", None)
    try:
        proj = tmp_path_factory.mktemp("sweep") / HOSTILE_PARENT / "proj"
        proj.parent.mkdir(parents=True)
        printed: list[str] = []
        _run(["init", str(proj)], printed)
        export = proj / (HOSTILE_STEM + request.param)
        df = _export(120)
        df[HOSTILE_HEADER] = [(i * 7) % 5 + 1 for i in range(len(df))]
        _write(df, export)
        _run(["codebook", "draft", str(export), "--study", "svc", "--project", str(proj)],
             printed)
        book = proj / "codebooks" / "svc.yaml"
        text = book.read_text(encoding="utf-8")
        assert "    outcome: null\n" in text
        book.write_text(text.replace("    outcome: null\n", "    outcome: cusa\n", 1),
                        encoding="utf-8")
        _run(["codebook", "check", str(book), "--project", str(proj)], printed)
        _run(["ingest", str(export), "--instrument", "svc", "--wave", "2025",
              "--project", str(proj)], printed)
        # a second wave with bad answers in rows holding personal data: quarantine.csv
        df["CUSA1"] = df["CUSA1"].astype(object)
        df.loc[[3, 30, 60], "CUSA1"] = "not a number"
        _write(df, export)
        _run(["ingest", str(export), "--instrument", "svc", "--wave", "2026",
              "--on-error", "quarantine", "--project", str(proj)], printed)
        _run(["reproduce", "--no-progress", "--no-examples", "--jobs", "1",
              "--project", str(proj)], printed)
        raw = "\n".join(t for _, t in _texts_of(export))
        export.unlink()  # the export itself holds the values, of course
        yield proj, "\n".join(printed), raw, export.name
    finally:
        if saved is not None:
            os.environ["CXRESEARCH_DATA"] = saved


@pytest.mark.slow
def test_no_personal_data_in_any_file_of_a_run(swept_run):
    proj, printed, raw, _ = swept_run
    # the sweep finds what is there: the export held every value
    assert all(n in raw for n in EMAILS + PHONES + IPS + IBANS + TEXTS)
    assert all(n in raw or re.sub(r"\D", "", n) in raw for n in CARDS)
    items = {i["id"]: i for i in yaml.safe_load(
        (proj / "codebooks" / "svc.yaml").read_text(encoding="utf-8"))["items"]}
    for col in ("opt_in", "contact", "src", "pay", "bank"):
        assert items[col].get("pii") is True, items[col]
    assert items["remarks"]["type"] == "text", items["remarks"]
    assert (proj / "waves" / "svc" / "2026" / "quarantine.csv").is_file()
    for wave in ("2025", "2026"):
        stored = pd.read_parquet(proj / "waves" / "svc" / wave / "responses.parquet")
        assert not {"opt_in", "contact", "src", "pay", "bank"} & set(stored.columns)
    latest = proj / "reports" / "latest"
    for nb in ("10_wave_report", "11_drivers", "12_tracking"):
        assert (latest / "notebooks" / f"{nb}-svc.html").is_file(), nb
    kinds = {p.suffix for p in latest.rglob("*") if p.is_file()}
    assert {".html", ".ipynb", ".csv", ".json", ".xlsx", ".pptx", ".md", ".pdf"} <= kinds, kinds

    needles = _needles()
    found = []
    swept = 0
    for path in sorted(proj.rglob("*")):
        if not path.is_file() or path.is_symlink():
            continue
        for where, content in _texts_of(path):
            swept += 1
            for n in needles:
                if n in content:
                    i = content.index(n)
                    found.append((where, n, content[max(0, i - 80):i + 80]))
    for n in needles:
        if n in printed:
            found.append(("<printed>", n, ""))
    assert swept > 20
    assert not found, "\n".join(f"{w}: {n!r} …{c!r}…" for w, n, c in found[:20])


@pytest.mark.slow
def test_every_structured_file_of_the_run_reads_back(swept_run):
    """Issue 24, item 2 on the same run: every JSON (ipynb included), TOML, YAML and CSV file
    under the project parses with its own library; the hostile folder, export file name and
    header come back exactly where they are recorded; no file holds a structure the names
    injected (no ``loyalty_index``, no ``[paths]`` table)."""
    proj, _, _, export_name = swept_run
    counts = {".json": 0, ".ipynb": 0, ".toml": 0, ".yaml": 0, ".csv": 0}
    for path in sorted(proj.rglob("*")):
        if not path.is_file() or path.suffix not in counts:
            continue
        counts[path.suffix] += 1
        text = path.read_text(encoding="utf-8")
        if path.suffix in (".json", ".ipynb"):
            json.loads(text)
        elif path.suffix == ".toml":
            conf = tomllib.loads(text)
            assert "paths" not in conf, conf
        elif path.suffix == ".yaml":
            doc = yaml.safe_load(text)
            assert "loyalty_index" not in (doc.get("indices") or {})
        else:
            rows = list(csv.reader(io.StringIO(text, newline="")))
            assert rows and len({len(r) for r in rows}) == 1, path
    assert counts[".json"] >= 4 and counts[".ipynb"] >= 3 and counts[".csv"] >= 5, counts
    assert counts[".toml"] == 1 and counts[".yaml"] == 1, counts

    doc = yaml.safe_load((proj / "codebooks" / "svc.yaml").read_text(encoding="utf-8"))
    assert doc["meta"]["source"] == [export_name]
    assert HOSTILE_HEADER in [i["wording"]["en"] for i in doc["items"]] or any(
        HOSTILE_HEADER in (i.get("aliases") or []) for i in doc["items"])
    for wave in ("2025", "2026"):
        m = json.loads((proj / "waves" / "svc" / wave / "manifest.json").read_text("utf-8"))
        assert m["source_file"] == export_name and m["wave"] == wave
    conf = tomllib.loads((proj / "cxresearch.toml").read_text(encoding="utf-8"))
    assert conf["project"]["name"] == "proj"
    run = json.loads((proj / "reports" / "latest" / "run.json").read_text(encoding="utf-8"))
    assert run.get("ok") is True, run
