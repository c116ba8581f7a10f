"""Personal data at ingest: find values that look like e-mail or IP addresses, and keep them
out of everything ingestion writes or prints except the wave's own answers.

Columns marked ``pii: true`` in the codebook never leave ingestion (dropped before any
conversion). A column *not* so marked may still hold personal data — an e-mail address typed
into a comment box, a respondent id that is an e-mail address, an unmarked IP-address column.
:func:`scan` finds such values column by column (vectorised, Arrow regular expressions; IPv6
candidates are confirmed with :mod:`ipaddress`) so that ingest can warn, naming the column but
never the value; :func:`redact` replaces them in every message, quarantine cell and problem
record.

References
----------
OWASP, "Logging Cheat Sheet": data to exclude from logs (personal data, e-mail addresses).
EU GDPR art. 4(1): an IP address or e-mail address of a respondent is personal data.
"""

from __future__ import annotations

import ipaddress
import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cxresearch.intake.encodings import bytes_have as _bytes_have
from cxresearch.intake.encodings import char_counts as _char_counts
from cxresearch.intake.readers import to_numpy

__all__ = ["EMAIL", "IPV4", "redact", "scan"]

EMAIL = r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
IPV4 = rf"(?:^|[^0-9.]){_OCTET}(?:\.{_OCTET}){{3}}(?:$|[^0-9.])"
_V6_CANDIDATE = r"[0-9A-Fa-f]{0,4}:[0-9A-Fa-f]{0,4}:[0-9A-Fa-f:.]*"
_V6_TOKEN = re.compile(r"[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*")
_EMAIL_RE = re.compile(EMAIL)
_IPV4_RE = re.compile(rf"(?<![0-9.]){_OCTET}(?:\.{_OCTET}){{3}}(?![0-9.])")
WITHHELD = {"email": "<e-mail address withheld>", "ip": "<IP address withheld>"}


def _is_v6(token: str) -> bool:
    try:
        return isinstance(ipaddress.ip_address(token.strip(".")), ipaddress.IPv6Address)
    except ValueError:
        return False


def redact(value):
    """``value`` with e-mail and IP addresses replaced by ``<… withheld>``; non-text as is.

    Examples
    --------
    >>> redact("write to jane@example.com from 10.0.0.7")
    'write to <e-mail address withheld> from <IP address withheld>'
    >>> # In R: gsub("[[:alnum:]._%+-]+@[[:alnum:].-]+\\\\.[[:alpha:]]{2,}", "<withheld>", x)
    """
    if not isinstance(value, str) or ("@" not in value and "." not in value and ":" not in value):
        return value
    out = _EMAIL_RE.sub(WITHHELD["email"], value)
    out = _IPV4_RE.sub(WITHHELD["ip"], out)
    if ":" in out:
        out = _V6_TOKEN.sub(lambda m: WITHHELD["ip"] if _is_v6(m.group()) else m.group(), out)
    return out


def _where(col, literal: str, at_least: int, pattern: str) -> np.ndarray:
    """Positions of cells matching ``pattern``; the regular expression runs only on cells that
    hold ``literal`` at least ``at_least`` times (a cheap pre-filter: most columns have none)."""
    if not _bytes_have(col, literal):
        return np.zeros(0, dtype=np.int64)
    pos = np.flatnonzero(_char_counts(col, literal) >= at_least)
    if not pos.size:
        return pos
    sub = col.take(pa.array(pos))
    return pos[to_numpy(pc.fill_null(pc.match_substring_regex(sub, pattern), False))]


def scan(col) -> dict[str, int]:
    """Number of cells of an Arrow string column that hold an e-mail / IP address.

    Returns ``{"email": n, "ip": n}`` with zero counts left out.

    Examples
    --------
    >>> import pyarrow as pa
    >>> scan(pa.array(["a@b.org", "12:30:45", "fe80::1", "ok"]))
    {'email': 1, 'ip': 1}
    >>> # In R: sum(grepl("@", x, fixed = TRUE))  (then a stricter pattern)
    """
    out: dict[str, int] = {}
    if not len(col):
        return out
    email = _where(col, "@", 1, EMAIL)
    if email.size:
        out["email"] = int(email.size)
    ip = set(_where(col, ".", 3, IPV4).tolist())
    cand = _where(col, ":", 2, _V6_CANDIDATE)
    if cand.size:  # "12:30:45" is a time, not an address: confirm each distinct candidate
        sub = col.take(pa.array(cand))
        distinct = pc.unique(sub).to_pylist()[:5000]
        v6 = {t for t in distinct if t and any(_is_v6(m) for m in _V6_TOKEN.findall(t))}
        if v6:
            hit = to_numpy(pc.is_in(sub, value_set=pa.array(sorted(v6), pa.string())))
            ip.update(cand[hit].tolist())
    if ip:
        out["ip"] = len(ip)
    return out
