"""Personal data in survey answers: one detector that reads whole columns, chunk by chunk.

:class:`PiiCounter` is fed every chunk of a column (Arrow string arrays, as the draft's scan
and ingestion read them) and counts the cells that hold an e-mail address, a phone number (in
international ``+44 7700 900123`` / ``0044 ...`` and national ``07700 900123``,
``(020) 7946 0958``, ``555-123-4567`` forms), an IPv4/IPv6 address, a payment-card number
(13-19 digits passing the Luhn check) or an IBAN (ISO 13616 mod-97 check). Nothing is sampled:
an address in row 2,000,000 counts as much as one in row 1. Only counts are kept, never a
value, so a caller can say *what* it found (``"e-mail addresses in 37 of 120 answers"``)
without repeating it. :func:`redact` replaces the same patterns in a message.

Card and IBAN numbers are confirmed by their check digits and counted only when most
number-shaped cells of the column pass (a column of 16-digit ids passes Luhn one time in ten
by chance); phone numbers need 8-15 digits and a leading ``+``/``00``/``0``/``(`` or the
North-American 3-3-4 grouping, so ratings, years, dates, amounts and zero-padded ids are not
taken for phones.

This module is a leaf (pyarrow and numpy only) so that both ``codebooks`` (drafting) and
``intake`` (ingestion, below it in the layers) use the same rules.

References
----------
ISO/IEC 7812-1 (Luhn check digit); ISO 13616-1 (IBAN, mod-97 check); ITU-T E.164 (at most
15 digits); OWASP "Logging Cheat Sheet"; EU GDPR art. 4(1) (personal data).

Examples
--------
>>> import pyarrow as pa
>>> c = PiiCounter()
>>> c.update(pa.array(["ok", "+44 7700 900123", "jane@example.org", "4111 1111 1111 1111"]))
>>> c.found()
{'email': 1, 'phone': 1, 'card': 1}
>>> # In R: sum(grepl("[[:alnum:]._%+-]+@[[:alnum:].-]+\\\\.[[:alpha:]]{2,}", x))
"""

from __future__ import annotations

import ipaddress
import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["EMAIL", "KIND_NAMES", "LONG_TEXT", "PiiCounter", "detect", "evidence", "redact"]

EMAIL = r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
IPV4 = rf"(?:^|[^0-9.]){_OCTET}(?:\.{_OCTET}){{3}}(?:$|[^0-9.])"
_V6_CANDIDATE = r"[0-9A-Fa-f]{0,4}:[0-9A-Fa-f]{0,4}:[0-9A-Fa-f:.]*"
_V6_TOKEN = re.compile(r"[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*")
_SEP = r"[ .\-/]"
#: a whole cell that is a phone number (digit count checked separately: 8..15)
_PHONE_CELL = (
    r"^(?:"
    rf"(?:\+[1-9]\d{{0,3}}{_SEP}?|00[1-9]\d{{0,3}}{_SEP})(?:\(0\){_SEP}?)?(?:\(?\d{{1,5}}\)?{_SEP}?){{1,6}}\d"
    rf"|\(0?\d{{1,5}}\){_SEP}?(?:\d{{1,5}}{_SEP}?){{1,4}}\d"
    rf"|0[1-9]\d{{0,4}}{_SEP}?(?:\d{{1,5}}{_SEP}?){{1,4}}\d"
    r"|\(?[2-9]\d{2}\)?[ .\-]\d{3}[ .\-]\d{4}"
    r")$")
#: an international number inside text ("call me on +44 7700 900123")
_PHONE_IN_TEXT = (r"(?:^|[^\w+])\+[1-9]\d{0,3}[ .\-]?\(?\d{1,5}\)?(?:[ .\-]?\d{2,5}){2,5}"
                  r"(?:$|[^\w])")
_CARD = r"^\d(?:[ \-]?\d){12,18}$"
_IBAN = r"^[A-Za-z]{2}\d{2}(?: ?[A-Za-z0-9]){11,30}$"
_FIRST = pa.array(list("0123456789+("))
#: cells longer than this are free text, whatever else the column holds
LONG_TEXT = 200
KIND_NAMES = {"email": "e-mail addresses", "phone": "phone numbers", "ip": "IP addresses",
              "card": "payment-card numbers", "iban": "IBANs (bank accounts)"}
_WITHHELD = {k: f"<{v[:-1] if v.endswith('s') else v} withheld>"
             for k, v in KIND_NAMES.items()}
_WITHHELD["email"] = "<e-mail address withheld>"
_WITHHELD["ip"] = "<IP address withheld>"
_WITHHELD["iban"] = "<IBAN withheld>"


def _is_v6(token: str) -> bool:
    try:
        return isinstance(ipaddress.ip_address(token.strip(".")), ipaddress.IPv6Address)
    except ValueError:
        return False


def _count(mask) -> int:
    return int(pc.sum(pc.cast(pc.fill_null(mask, False), pa.int64())).as_py() or 0)


def _luhn_ok(digits: pa.Array) -> np.ndarray:
    """Luhn check of each cell of a string array of 13-19 digits (vectorised)."""
    rev = pc.utf8_rpad(pc.utf8_reverse(digits), width=19, padding="0")
    buf = np.frombuffer(rev.buffers()[2], dtype=np.uint8)
    off = np.frombuffer(rev.buffers()[1], dtype=np.int32)[rev.offset:rev.offset + len(rev)]
    d = buf[off[:, None] + np.arange(19)].astype(np.int64) - 48
    dbl = d[:, 1::2] * 2
    total = d[:, 0::2].sum(axis=1) + (dbl - 9 * (dbl > 9)).sum(axis=1)
    return total % 10 == 0


def _iban_ok(text: str) -> bool:
    s = text.replace(" ", "").upper()
    s = s[4:] + s[:4]
    try:
        return int("".join(str(int(ch, 36)) for ch in s)) % 97 == 1
    except ValueError:
        return False


class PiiCounter:
    """Running counts of personal data in one column, fed chunk by chunk.

    ``update(arr)`` takes an Arrow string array (blanks and nulls are ignored);
    :meth:`found` gives ``{kind: cells}`` for the kinds found, kinds being ``email``,
    ``phone``, ``ip``, ``card`` and ``iban``; ``long`` counts cells over
    :data:`LONG_TEXT` characters (free text). Memory does not depend on the number of rows.
    """

    def __init__(self) -> None:
        self.cells = 0
        self.counts = {k: 0 for k in KIND_NAMES}
        self.card_shaped = 0
        self.iban_shaped = 0
        self.long = 0

    def update(self, arr) -> None:
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks()
        if not pa.types.is_string(arr.type):
            arr = pc.cast(arr, pa.string())
        arr = pc.drop_null(arr)
        if not len(arr):
            return
        self.cells += len(arr)
        length = pc.binary_length(arr)
        self.long += _count(pc.greater(pc.utf8_length(arr), LONG_TEXT))
        cand = pc.filter(arr, pc.greater_equal(length, 6))  # "a@b.cd", "1.2.3.4"
        if not len(cand):
            return
        at = pc.match_substring(cand, "@")
        if pc.any(at).as_py():
            self.counts["email"] += _count(pc.match_substring_regex(pc.filter(cand, at), EMAIL))
        dots = pc.greater_equal(pc.count_substring(cand, "."), 3)
        if pc.any(dots).as_py():
            self.counts["ip"] += _count(pc.match_substring_regex(pc.filter(cand, dots), IPV4))
        colon = pc.greater_equal(pc.count_substring(cand, ":"), 2)
        if pc.any(colon).as_py():
            sub = pc.filter(cand, colon)
            v6cand = pc.filter(sub, pc.match_substring_regex(sub, _V6_CANDIDATE))
            if len(v6cand):
                distinct = pc.unique(v6cand).to_pylist()[:5000]
                v6 = [t for t in distinct if any(_is_v6(m) for m in _V6_TOKEN.findall(t))]
                if v6:
                    v4 = pc.match_substring_regex(sub, IPV4)  # counted above already
                    self.counts["ip"] += _count(pc.and_(
                        pc.is_in(sub, value_set=pa.array(v6, pa.string())), pc.invert(v4)))
        # phone, card and IBAN numbers: 8+ characters holding a separator, "+" or "(",
        # two dots, or only digits / letters and digits (a cheap filter before the patterns)
        long = pc.filter(cand, pc.greater_equal(pc.binary_length(cand), 8))
        if not len(long):
            return
        first = pc.utf8_slice_codeunits(long, 0, 1)
        shaped = pc.is_in(first, value_set=_FIRST)  # a number starts with a digit, + or (
        shaped = pc.or_(shaped, pc.and_(pc.utf8_is_alpha(pc.utf8_slice_codeunits(long, 0, 2)),
                                        pc.utf8_is_digit(pc.utf8_slice_codeunits(long, 2, 4))))
        shaped = pc.or_(shaped, pc.match_substring(long, "+"))  # "call me on +44 ..."
        sub = pc.filter(long, shaped)
        if not len(sub):
            return
        digits = pc.count_substring_regex(sub, r"\d")
        whole = pc.and_(pc.match_substring_regex(sub, _PHONE_CELL),
                        pc.and_(pc.greater_equal(digits, 8), pc.less_equal(digits, 15)))
        phone = pc.or_(whole, pc.and_(pc.match_substring(sub, "+"),
                                      pc.match_substring_regex(sub, _PHONE_IN_TEXT)))
        card = pc.match_substring_regex(sub, _CARD)
        ncard = _count(card)
        if ncard:
            dig = pc.replace_substring_regex(pc.filter(sub, card), r"[ \-]", "")
            ok = _luhn_ok(dig)
            self.card_shaped += ncard
            self.counts["card"] += int(ok.sum())
            valid = np.zeros(len(sub), dtype=bool)
            at = np.flatnonzero(pc.fill_null(card, False).to_numpy(zero_copy_only=False))
            valid[at[ok]] = True
            phone = pc.and_(phone, pa.array(~valid))  # a valid card number is not a phone
        self.counts["phone"] += _count(phone)
        iban = pc.match_substring_regex(sub, _IBAN)
        niban = _count(iban)
        if niban:
            self.iban_shaped += niban
            shaped_iban = pc.filter(sub, iban)
            ok = {t for t in pc.unique(shaped_iban).to_pylist()[:5000] if _iban_ok(t)}
            if ok:
                self.counts["iban"] += _count(pc.is_in(shaped_iban,
                                                       value_set=pa.array(sorted(ok))))

    def found(self) -> dict[str, int]:
        """``{kind: cells}`` of the kinds of personal data found (zero counts left out);
        card and IBAN numbers only when at least half the number-shaped cells pass their
        check digits (random digits pass Luhn one time in ten, mod 97 one in 97)."""
        out = {}
        for k, n in self.counts.items():
            if not n:
                continue
            if k == "card" and n < 0.5 * self.card_shaped:
                continue
            if k == "iban" and n < 0.5 * self.iban_shaped:
                continue
            out[k] = n
        return out


def detect(col) -> dict[str, int]:
    """Counts of personal data in one whole column (an Arrow array or chunked array).

    Examples
    --------
    >>> import pyarrow as pa
    >>> detect(pa.array(["a@b.org", "12:30:45", "fe80::1", "ok", "DE89 3704 0044 0532 0130 00"]))
    {'email': 1, 'ip': 1, 'iban': 1}
    >>> # In R: sum(grepl(pattern, x)) for each pattern
    """
    c = PiiCounter()
    for chunk in (col.chunks if isinstance(col, pa.ChunkedArray) else [col]):
        c.update(chunk)
    return c.found()


def evidence(found: dict[str, int], answered: int) -> str:
    """One line of counts, never values: ``"e-mail addresses in 3 of 120 answers"``."""
    return "; ".join(f"{KIND_NAMES[k]} in {n:,} of {answered:,} answers"
                     for k, n in found.items())


_EMAIL_RE = re.compile(EMAIL)
_IPV4_RE = re.compile(rf"(?<![0-9.]){_OCTET}(?:\.{_OCTET}){{3}}(?![0-9.])")
_PHONE_RE = re.compile(r"(?<![\w+])(?:\+|00)[1-9]\d{0,3}[ .\-]?\(?\d{1,5}\)?(?:[ .\-]?\d{2,5})"
                       r"{1,5}(?!\w)|(?<![\w+])\(?0\d{1,5}\)?[ .\-/]?(?:\d{2,5}[ .\-/]?){1,4}"
                       r"\d(?!\w)")
_CARD_RE = re.compile(r"(?<!\d)\d(?:[ \-]?\d){12,18}(?!\d)")
_IBAN_RE = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b")


def _digits(s: str) -> int:
    return sum(ch.isdigit() for ch in s)


def redact(value):
    """``value`` with e-mail, IP, phone, card and IBAN numbers replaced by ``<… withheld>``;
    non-text as is.

    Examples
    --------
    >>> redact("write to jane@example.com from 10.0.0.7 or +44 7700 900123")
    'write to <e-mail address withheld> from <IP address withheld> or <phone number withheld>'
    >>> # In R: gsub("[[:alnum:]._%+-]+@[[:alnum:].-]+\\\\.[[:alpha:]]{2,}", "<withheld>", x)
    """
    if not isinstance(value, str) or not any(ch in value for ch in "@.:0123456789"):
        return value
    out = _EMAIL_RE.sub(_WITHHELD["email"], value)
    out = _IPV4_RE.sub(_WITHHELD["ip"], out)
    if ":" in out:
        out = _V6_TOKEN.sub(lambda m: _WITHHELD["ip"] if _is_v6(m.group()) else m.group(), out)
    out = _IBAN_RE.sub(lambda m: _WITHHELD["iban"] if _iban_ok(m.group()) else m.group(), out)
    out = _CARD_RE.sub(lambda m: _WITHHELD["card"] if _luhn_ok(pa.array(
        [re.sub(r"\D", "", m.group())]))[0] else m.group(), out)
    out = _PHONE_RE.sub(lambda m: _WITHHELD["phone"] if 8 <= _digits(m.group()) <= 15
                        else m.group(), out)
    return out
