"""Write the example raw exports in data/examples/<study>/ (deterministic; run from anywhere).

The respondents are MADE UP: illustrative answers drawn from fixed random seeds, shaped only
loosely like the published findings (e.g. more mature omnichannel firms give higher scores).
They show what a researcher receives from each survey tool and that it ingests cleanly; they
are not data of any study. Ingested, their waves carry ``synthetic: true, example: true``.

    python data/examples/make_examples.py          # rewrites the four example exports

Formats (one per study, so every reader is exercised):

* ``mitto_cx/mitto_cx_qualtrics.csv`` — a Qualtrics CSV export with choice text (question
  text and ImportId header rows, response metadata, split multi-select columns, one joined
  multi-select column); about a fifth of the respondents answered in Chinese;
* ``mopinion_dcxm/mopinion_dcxm_responses.xlsx`` — an Excel sheet with Indonesian and English
  answer labels and an e-mail column (PII, dropped on ingest);
* ``cxn_dcx/cxn_dcx_responses.sav`` — an SPSS file with numeric codes, value labels, variable
  labels, 0/1 option columns and a user-missing code (-99);
* ``gscx_trends/gscx_trends_2024.csv`` — a plain semicolon-delimited CSV with multi-select
  answers joined by " | ".

Outputs are byte-for-byte reproducible (fixed seeds, fixed timestamps inside the XLSX zip and
the SPSS header), so rerunning the script does not change committed files.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import sys
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from cxresearch.codebooks.instrument import load_instrument  # noqa: E402

FIXED = datetime(2024, 1, 15, 9, 0, 0)


def _label(item, code, lang="en"):
    lv = item.level(code)
    return lv.labels.get(lang, lv.labels["en"])


def _opt_label(opt, lang="en"):
    return opt.labels.get(lang, opt.labels["en"])


def _pick(rng, p):
    p = np.asarray(p, dtype=float)
    return int(rng.choice(len(p), p=p / p.sum())) + 1


def _choose(rng, k_max, n_opts, weights=None):
    k = int(rng.integers(1, k_max + 1))
    w = np.ones(n_opts) if weights is None else np.asarray(weights, dtype=float)
    return sorted(rng.choice(n_opts, size=min(k, n_opts), replace=False, p=w / w.sum()) + 1)


# --------------------------------------------------------------------------- Mitto (Qualtrics)


def mitto(rng) -> None:
    inst = load_instrument("mitto_cx")
    it = inst.items
    n = 96
    meta = ["StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)",
            "Finished", "RecordedDate", "ResponseId", "RecipientLastName", "RecipientFirstName",
            "RecipientEmail", "ExternalReference", "LocationLatitude", "LocationLongitude",
            "DistributionChannel", "UserLanguage"]
    meta_text = ["Start Date", "End Date", "Response Type", "IP Address", "Progress",
                 "Duration (in seconds)", "Finished", "Recorded Date", "Response ID",
                 "Recipient Last Name", "Recipient First Name", "Recipient Email",
                 "External Data Reference", "Location Latitude", "Location Longitude",
                 "Distribution Channel", "User Language"]
    qnum = {iid: f"Q{k}" for k, iid in enumerate([
        "role", "customer_expectations", "holiday_challenges", "channels_used",
        "channels_planned", "channel_unification", "systems_unification", "visibility",
        "cx_owner", "omnichannel_maturity", "revenue_growth", "cx_grade", "customer_loyalty",
        "cx_investment_plans", "response_time", "chatbot_use", "chatbot_performance",
        "staffing", "sms_engagement", "nps", "csat_pct"], start=1)}
    split = {"holiday_challenges", "channels_used"}  # one column per option
    header, qtext, imports = list(meta), list(meta_text), [
        json.dumps({"ImportId": m}) for m in
        ["startDate", "endDate", "status", "ipAddress", "progress", "duration", "finished",
         "recordedDate", "_recordId", "recipientLastName", "recipientFirstName",
         "recipientEmail", "externalDataReference", "locationLatitude", "locationLongitude",
         "distributionChannel", "userLanguage"]]
    for iid, q in qnum.items():
        wording = it[iid].wording["en"]
        if iid in split:
            for op in it[iid].options:
                header.append(f"{q}_{op.code}")
                qtext.append(f"{wording} - {_opt_label(op)}")
                imports.append(json.dumps({"ImportId": f"QID{q[1:]}_{op.code}"}))
        else:
            header.append(q)
            qtext.append(wording)
            imports.append(json.dumps({"ImportId": f"QID{q[1:]}"}))
    rows = []
    for r in range(n):
        zh = rng.random() < 0.2
        lang = "zh" if zh else "en"
        start = FIXED + timedelta(days=int(rng.integers(0, 30)), minutes=int(rng.integers(0, 600)))
        dur = int(rng.integers(240, 1500))
        maturity = _pick(rng, [0.25, 0.3, 0.25, 0.2])
        role = _pick(rng, [0.5, 0.5])
        owner = _pick(rng, [0.35, 0.18, 0.17, 0.08, 0.06, 0.06, 0.10])
        ans: dict[str, str] = {}

        def lab(iid, code, lang=lang):
            return _label(it[iid], code, lang)

        ans["role"] = lab("role", role)
        ans["customer_expectations"] = lab("customer_expectations", _pick(rng, [0.08, 0.3, 0.62]))
        ans["channel_unification"] = lab("channel_unification",
                                         min(4, _pick(rng, [0.3, 0.35, 0.25, 0.1]) + (maturity > 3)))
        ans["systems_unification"] = lab("systems_unification", _pick(rng, [0.25, 0.35, 0.25, 0.15]))
        ans["visibility"] = lab("visibility", _pick(rng, [0.25, 0.45, 0.2, 0.1]))
        ans["cx_owner"] = lab("cx_owner", owner)
        ans["omnichannel_maturity"] = lab("omnichannel_maturity", maturity)
        growth = min(5, max(1, _pick(rng, [0.08, 0.12, 0.3, 0.35, 0.15]) + (maturity == 4)))
        ans["revenue_growth"] = lab("revenue_growth", growth) if rng.random() > 0.05 else (
            "不知道" if zh else "Don't know")
        ans["cx_grade"] = lab("cx_grade", min(5, _pick(rng, [0.05, 0.1, 0.35, 0.35, 0.15])
                                          + (maturity == 4)))
        ans["customer_loyalty"] = lab("customer_loyalty", _pick(rng, [0.05, 0.15, 0.3, 0.3, 0.2]))
        ans["cx_investment_plans"] = lab("cx_investment_plans", _pick(rng, [0.05, 0.2, 0.65, 0.1]))
        ans["response_time"] = lab("response_time", _pick(rng, [0.2, 0.35, 0.3, 0.1, 0.05]))
        bot = _pick(rng, [0.25, 0.2, 0.55])
        ans["chatbot_use"] = lab("chatbot_use", bot)
        ans["chatbot_performance"] = (lab("chatbot_performance", _pick(rng, [0.05, 0.15, 0.35, 0.35, 0.1]))
                                      if bot == 3 else "")
        ans["staffing"] = lab("staffing", _pick(rng, [0.4, 0.4, 0.2]))
        used = _choose(rng, 5, len(it["channels_used"].options), [5, 4, 4, 3, 1, 2, 1, 1, 1, 0.3])
        ans["sms_engagement"] = (lab("sms_engagement", _pick(rng, [0.1, 0.4, 0.5])) if 3 in used
                                 else ("不使用短信" if zh else "Do not use SMS"))
        nps = int(np.clip(np.round(rng.normal(5.5 + 0.9 * maturity, 1.6)), 0, 10))
        ans["nps"] = str(nps)
        ans["csat_pct"] = (str(int(np.clip(np.round(rng.normal(60 + 4 * maturity, 9)), 0, 100)))
                           if rng.random() > 0.06 else ("不知道" if zh else "Don't know"))
        planned = [c for c in _choose(rng, 3, len(it["channels_planned"].options)) if c not in used]
        ans["channels_planned"] = ",".join(_opt_label(it["channels_planned"].options[c - 1], lang)
                                           for c in planned)
        chal = _choose(rng, 3, len(it["holiday_challenges"].options), [4, 4, 3, 3, 2, 2, 2, 0.5])
        row = [start.strftime("%Y-%m-%d %H:%M:%S"),
               (start + timedelta(seconds=dur)).strftime("%Y-%m-%d %H:%M:%S"), "IP Address",
               f"203.0.113.{int(rng.integers(1, 255))}", "100", str(dur), "True",
               (start + timedelta(seconds=dur + 1)).strftime("%Y-%m-%d %H:%M:%S"),
               f"R_{r + 1:03d}{''.join(rng.choice(list('abcdefghjkmnpqrstuvwxyzABCDEFGH'), 12))}",
               "", "", f"respondent{r + 1:03d}@example.com", "", f"{rng.uniform(-40, 60):.4f}",
               f"{rng.uniform(-120, 150):.4f}", "anonymous", "ZH-S" if zh else "EN"]
        for iid in qnum:
            if iid in split:
                chosen = used if iid == "channels_used" else chal
                for op in it[iid].options:
                    row.append(_opt_label(op, lang) if op.code in chosen else "")
            else:
                row.append(ans[iid])
        rows.append(row)
    out = HERE / "mitto_cx" / "mitto_cx_qualtrics.csv"
    _write_csv(out, [header, qtext, imports, *rows], ",")


# --------------------------------------------------------------------------- Mopinion (XLSX)


def mopinion(rng) -> None:
    import openpyxl

    inst = load_instrument("mopinion_dcxm")
    it = inst.items
    statements = [i for i in it.values() if i.type == "likert"]
    n = 72
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Responses"
    header = ["Respondent ID", "Email", "Sector",
              *[s.aliases[1] for s in statements], "Success", "Q6"]
    ws.append(header)
    # dimension means loosely echo the report (Measure highest, Master lowest)
    base = {"measure": 3.7, "manage": 3.4, "master": 3.1}
    for r in range(n):
        lang = "id" if rng.random() < 0.5 else "en"
        latent = rng.normal(0, 0.7)
        row = [f"MOP-{r + 1:03d}", f"user{r + 1:03d}@example.org",
               _label(it["industry"], _pick(rng, [3, 2, 1, 3, 1, 1, 1, 1, 1, 1, 1]), lang)]
        for s in statements:
            if rng.random() < 0.03:
                row.append("Tidak tahu" if lang == "id" else "Don't know")
                continue
            dim = s.id.split("_")[0]
            code = int(np.clip(np.round(base[dim] + latent + rng.normal(0, 0.8)), 1, 5))
            row.append(_label(s, code, lang) if rng.random() > 0.1 else code)
        success = int(np.clip(np.round(2.6 + latent + rng.normal(0, 0.6)), 1, 4))
        row.append(_label(it["dcx_success"], success, lang))
        row.append("" if rng.random() < 0.7 else
                   ("Lebih banyak umpan balik real-time" if lang == "id"
                    else "More real-time feedback"))
        ws.append(row)
    wb.properties.creator = "cxresearch make_examples.py"
    wb.properties.created = FIXED
    wb.properties.modified = FIXED
    out = HERE / "mopinion_dcxm" / "mopinion_dcxm_responses.xlsx"
    out.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    wb.save(buf)
    _fixed_zip(buf.getvalue(), out)


def _fixed_zip(data: bytes, out: Path) -> None:
    """Rewrite a zip with fixed member timestamps and save time (XLSX embeds both)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=FIXED.timetuple()[:6])
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = info.external_attr
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps the save time here
                body = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>"
                              + FIXED.isoformat().encode() + b"Z", body)
            dst.writestr(zi, body)
    out.write_bytes(buf.getvalue())


# --------------------------------------------------------------------------- CX Network (SPSS)


def cxn(rng) -> None:
    import pandas as pd
    import pyreadstat

    inst = load_instrument("cxn_dcx")
    it = inst.items
    n = 64
    data: dict[str, list] = {"respondent_id": [f"CXN{r + 1:04d}" for r in range(n)],
                             "email": [f"member{r + 1:03d}@example.net" for r in range(n)]}
    labels, varlabels, missing = {}, {"respondent_id": "Respondent identifier",
                                      "email": "Contact e-mail"}, {}
    singles = [i for i in it.values() if i.type == "single"]
    for s in singles:
        var = s.aliases[0]  # Q1, Q2, ...
        p = np.linspace(1.0, 2.0, len(s.levels))
        codes = [_pick(rng, p if s.ordered else np.ones(len(s.levels))) for _ in range(n)]
        if s.missing_codes:
            codes = [c if rng.random() > 0.08 else s.missing_codes[0] for c in codes]
            missing[var] = [s.missing_codes[0]]
        data[var] = [float(c) for c in codes]
        labels[var] = {float(lv.code): lv.labels["en"] for lv in s.levels}
        for m in s.missing_codes:
            labels[var][float(m)] = "Don't know"
        varlabels[var] = s.wording["en"]
    for m in (i for i in it.values() if i.type == "multi"):
        base = m.aliases[0]
        cap = m.max_choices or 4
        picks = [_choose(rng, cap, len(m.options)) for _ in range(n)]
        for op in m.options:
            var = f"{base}_{op.code}"
            data[var] = [float(op.code in pk) for pk in picks]
            labels[var] = {0.0: "Not selected", 1.0: "Selected"}
            varlabels[var] = f"{m.wording['en']} - {op.labels['en']}"
    df = pd.DataFrame(data)
    out = HERE / "cxn_dcx" / "cxn_dcx_responses.sav"
    out.parent.mkdir(parents=True, exist_ok=True)
    pyreadstat.write_sav(df, str(out), column_labels=varlabels, variable_value_labels=labels,
                         missing_ranges=missing, file_label="CX Network DCX example (made up)")
    raw = bytearray(out.read_bytes())
    assert raw[:4] == b"$FL2"
    raw[92:109] = b"15 Jan 2409:00:00"  # creation date + time in the SAV header (offset 92)
    out.write_bytes(bytes(raw))


# --------------------------------------------------------------------------- GSCX (CSV)


def gscx(rng) -> None:
    inst = load_instrument("gscx_trends")
    it = inst.items
    n = 110
    rows = [["respondent_id", "Role", "Top trends", "Investment priorities", "Metrics"]]
    for r in range(n):
        trends = _choose(rng, 3, len(it["top_trends"].options),
                         np.linspace(3, 0.5, len(it["top_trends"].options)))
        invest = _choose(rng, 3, len(it["investment_priorities"].options))
        metrics = _choose(rng, 4, len(it["digital_cx_metrics"].options))
        rows.append([
            f"GSCX-24-{r + 1:04d}",
            _label(it["respondent_type"], _pick(rng, [6, 2, 1, 1, 0.5])),
            " | ".join(_opt_label(it["top_trends"].options[c - 1]) for c in trends),
            " | ".join(_opt_label(it["investment_priorities"].options[c - 1]) for c in invest),
            " | ".join(_opt_label(it["digital_cx_metrics"].options[c - 1]) for c in metrics)
            if rng.random() > 0.1 else "",
        ])
    _write_csv(HERE / "gscx_trends" / "gscx_trends_2024.csv", rows, ";")


def _write_csv(path: Path, rows, delimiter: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, delimiter=delimiter, lineterminator="\r\n").writerows(rows)


OUTPUTS = ["mitto_cx/mitto_cx_qualtrics.csv", "mopinion_dcxm/mopinion_dcxm_responses.xlsx",
           "cxn_dcx/cxn_dcx_responses.sav", "gscx_trends/gscx_trends_2024.csv"]


def main() -> None:
    for seed, fn in enumerate((mitto, mopinion, cxn, gscx), start=2024):
        fn(np.random.default_rng(seed))
        print(f"wrote {fn.__name__} example")
    # ingest marks a file whose sha256 is listed here as made up (synthetic: true, example: true)
    listing = {
        "note": "Made-up illustrative respondents written by make_examples.py; not data of any "
                "study. cx.ingest labels a file with one of these sha256 synthetic.",
        "files": {rel: hashlib.sha256((HERE / rel).read_bytes()).hexdigest() for rel in OUTPUTS},
    }
    (HERE / "made_up.json").write_text(json.dumps(listing, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
