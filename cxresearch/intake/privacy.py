"""Personal data at ingest: find values that look like e-mail or IP addresses, phone, card or
IBAN numbers, and keep them out of everything ingestion writes or prints except the wave's
own answers.

Columns marked ``pii: true`` in the codebook never leave ingestion (dropped before any
conversion). A column *not* so marked may still hold personal data — an e-mail address typed
into a comment box, a respondent id that is an e-mail address, an unmarked IP-address column.
:func:`scan` counts such values over the whole column so that ingest can warn, naming the
column but never the value; :func:`redact` replaces them in every message, quarantine cell and
problem record. Both use the one detector of :mod:`cxresearch.codebooks.pii`, which the
codebook draft uses too (the draft marks such columns ``pii: true``).

References
----------
OWASP, "Logging Cheat Sheet": data to exclude from logs (personal data, e-mail addresses).
EU GDPR art. 4(1): an IP address or e-mail address of a respondent is personal data.
"""

from __future__ import annotations

from cxresearch.codebooks.pii import EMAIL, IPV4, KIND_NAMES, detect, redact

__all__ = ["EMAIL", "IPV4", "KIND_NAMES", "redact", "scan"]


def scan(col) -> dict[str, int]:
    """Number of cells of an Arrow string column that hold personal data, by kind
    (``email``, ``phone``, ``ip``, ``card``, ``iban``); zero counts left out.

    Examples
    --------
    >>> import pyarrow as pa
    >>> scan(pa.array(["a@b.org", "12:30:45", "fe80::1", "ok"]))
    {'email': 1, 'ip': 1}
    >>> # In R: sum(grepl("@", x, fixed = TRUE))  (then a stricter pattern)
    """
    return detect(col)
