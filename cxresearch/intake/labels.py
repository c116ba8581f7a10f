"""SPSS value labels versus the codebook: which one says what a stored code means.

An SPSS ``.sav`` file stores codes and, beside them, value labels (``1 = "Strongly agree"``)
and user-missing declarations. The codebook says the same things. When both agree it does not
matter which is read; when they disagree one of them is wrong, and reading either silently
gives a wrong answer (a reversed scale turns every mean around). So by default ingest checks
every labelled code of a coded item (likert, rating, nps_0_10, single) and refuses the file
when the file's labels contradict the codebook, naming the column, the file's code and label
and the codebook's meaning of both:

* the label names another code of the codebook (labels reversed, a numeral ``"5"`` on code 1);
* the label is not a label of the item while the item has labelled levels;
* the code is not a code of the codebook (neither valid nor missing);
* a code the codebook lists as valid is declared user-missing in the file, or the reverse
  (a label of a missing answer on a valid code).

With ``trust_file_labels=True`` (``--trust-file-labels``) the file's labels and user-missing
declarations decide, each label being recoded through the codebook. Without it, after the
check, the stored codes are read (the labels said the same).

References
----------
IBM SPSS Statistics, "Value labels" and "Missing values" (variable properties).
DDI Alliance (2014), *DDI-Codebook 2.5*: category and missing-category metadata.
"""

from __future__ import annotations

from cxresearch.codebooks.items import CODED_TYPES

__all__ = ["check_file_labels"]


def _meaning(item, text) -> tuple[bool, int | None]:
    """(known, code): what the codebook makes of ``text`` (code None = a missing answer)."""
    try:
        return True, item.code_for(text)
    except (ValueError, TypeError):
        return False, None


def _describe(item, code: int | None) -> str:
    if code is None:
        return "a missing answer"
    if item.levels:
        try:
            return f"{code} = {item.level(code).label('en')!r}"
        except KeyError:
            return str(code)
    return f"code {code}"


def _contradictions(item, labels: dict[str, str], missing_spec: list) -> list[tuple]:
    """[(file code, file label or None, what the codebook says)]."""
    out = []
    for code_text, label in labels.items():
        c_known, c_code = _meaning(item, code_text)
        l_known, l_code = _meaning(item, label)
        if not c_known and not l_known:
            out.append((code_text, label, "has no such code (neither a valid nor a missing "
                        "code) and no such label"))
        elif not c_known:
            out.append((code_text, label, f"has no code {code_text}, and {label!r} is "
                        f"{_describe(item, l_code)}"))
        elif not l_known:
            if item.levels and c_code is not None:  # a missing code may have any label
                out.append((code_text, label, f"has {_describe(item, c_code)} and no label "
                            f"{label!r}"))
        elif c_code != l_code:
            out.append((code_text, label, f"has {_describe(item, c_code)}, and {label!r} is "
                        f"{_describe(item, l_code)}"))
    for rng in missing_spec or []:
        lo, hi = rng.get("lo"), rng.get("hi")
        for code in item.codes:
            try:
                inside = lo <= code <= hi
            except TypeError:  # a string variable's missing values
                inside = str(code) in (str(lo), str(hi))
            if inside:
                out.append((str(code), None, f"has {_describe(item, code)}, a valid answer"))
    return out


def check_file_labels(inst, raw, assigned: dict, probs, trust: bool) -> None:
    """Check the value labels of a ``.sav`` file against the codebook (see the module text).

    Without ``trust``, each coded column whose labels agree with the codebook is read by its
    stored codes; each contradiction is a file-level problem of ``probs``. With ``trust`` the
    file's labels (already in ``raw.columns``) are kept.
    """
    if not raw.code_labels and not raw.missing_spec:
        return
    raw.info["value_labels"] = ("the file's labels were trusted (trust_file_labels=True)"
                                if trust else "checked against the codebook; stored codes read")
    if trust:
        return
    for iid, header in assigned.items():
        item = inst.items[iid]
        if not isinstance(header, str) or item.type not in CODED_TYPES:
            continue
        labels = raw.code_labels.get(header, {})
        found = _contradictions(item, labels, raw.missing_spec.get(header, []))
        for code, label, says in found:
            what = (f"labels code {code} {label!r}" if label is not None
                    else f"declares code {code} user-missing")
            probs.file(f"the SPSS file {what}, but the codebook's item {iid!r} {says}",
                       "check which is right: fix the codebook, or pass trust_file_labels=True "
                       "(--trust-file-labels) to read the file's labels", column=header,
                       value=code, kind="file_labels_contradict")
        if header in raw.stored_codes and not found:
            raw.columns[raw.headers.index(header)] = raw.stored_codes[header]
