"""Notebook narration: text built from computed values only, escaped for Markdown and HTML.

- :func:`say` displays Markdown in a notebook (prints it elsewhere). Values that come from
  data — file names, wave labels, codebook labels and wordings, respondent text, error
  messages — are passed as keyword arguments, ``say("Source: {file}", file=name)``, and are
  escaped by :func:`esc` before they reach Markdown, so that they can never become markup
  (an export named ``x`<img src=x onerror=alert(1)>`.csv`` is shown as that text).
- :func:`esc` escapes one value for Markdown and HTML, for text built by hand.
- :func:`describe_wave` names a wave, its size and its kind (observed / example /
  reconstructed), for the first cell of every notebook; every value in it is escaped.
"""

from __future__ import annotations

import html
import numbers
import re
import string

__all__ = ["describe_wave", "esc", "say"]

RECONSTRUCTED = "-reconstructed"

# ASCII punctuation with a meaning in (GitHub/Jupyter) Markdown or MathJax; <, >, &, " and '
# become HTML entities instead. "_" only where it could open or close emphasis (at a word
# edge): ids such as ``ecsi_mobi`` stay readable in the Markdown source.
_MD_SPECIAL = re.compile(r"([\\`*\[\](){}!#|~$^:+\-.=])|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
_PLAIN_NUMBER = re.compile(r"[ +\-]?[0-9][0-9,_.]*(e[+-]?[0-9]+)?%?|[+-]?(nan|inf)")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def esc(value) -> str:
    """``value`` as Markdown text that renders literally: never HTML, a link, code or maths.

    HTML-escapes ``<``, ``>``, ``&`` and quotes, backslash-escapes Markdown punctuation,
    turns line breaks into spaces (a newline could start a heading or a list) and shows other
    control and bidirectional-override characters as ``\\xNN``/``\\uNNNN``.

    Examples
    --------
    >>> esc("x`<img src=x onerror=alert(1)>`.csv")
    'x\\\\`&lt;img src\\\\=x onerror\\\\=alert\\\\(1\\\\)&gt;\\\\`\\\\.csv'
    >>> esc("ecsi_mobi/2024")
    'ecsi_mobi/2024'
    """
    text = str(value).replace("\r\n", " ").replace("\r", " ").replace("\n", " ")
    text = _CONTROL.sub(lambda m: repr(m.group())[1:-1] if ord(m.group()) < 0x100
                        else f"\\u{ord(m.group()):04x}", text)
    text = _MD_SPECIAL.sub(lambda m: "\\" + m.group(), text)
    return html.escape(text, quote=True)


class _Escaping(string.Formatter):
    """``str.format`` whose every replacement field is formatted, then escaped."""

    def format_field(self, value, format_spec):
        out = super().format_field(value, format_spec)
        if isinstance(value, numbers.Number) and not isinstance(value, bool | complex) \
                and _PLAIN_NUMBER.fullmatch(out):
            return out   # a formatted number carries no markup: keep "0.35", "1,200", "-3%"
        return esc(out)


def say(text: str, /, **values) -> None:
    """Display Markdown in a notebook (print it elsewhere).

    Parameters
    ----------
    text : str
        Markdown written by the notebook author. With ``values``, a ``str.format`` template
        (``{name}``, ``{n:,}``, ``{share:.0%}``).
    **values
        Values from data, each formatted with its field's spec and then escaped with
        :func:`esc`. Without values, ``text`` is displayed as it is: pass anything that comes
        from data through ``values`` (or :func:`esc`), never inside an f-string.

    Examples
    --------
    >>> say("Source: {file}; {n:,} respondents", file="a*b.csv", n=1200)  # doctest: +SKIP
    >>> # In R (knitr): cat(sprintf("Source: %s", htmltools::htmlEscape(file)))
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    if values:
        text = _Escaping().format(text, **values)
    try:
        from IPython import get_ipython
        from IPython.display import Markdown, display

        if get_ipython() is not None:
            display(Markdown(text))
            return
    except ImportError:  # pragma: no cover - IPython ships with ipykernel
        pass
    print(text)


def describe_wave(w) -> str:
    """One line of Markdown naming a wave, its size and its kind (observed / example /
    reconstructed); study, label, seed and source file name are escaped."""
    m = w.manifest
    if str(w.label).endswith(RECONSTRUCTED):
        kind = f"reconstructed — synthetic respondents, seed {esc(m.get('seed'))}"
    elif m.get("example"):
        kind = "example export of made-up respondents"
    elif w.synthetic:
        kind = "synthetic"
    else:
        kind = "observed"
    src = f", from file “{esc(m['source_file'])}”" if m.get("source_file") else ""
    n = w.n_rows if hasattr(w, "n_rows") else len(w.data)  # a stand-in wave has data only
    where = getattr(w, "backend", None)  # an engine wave: the rows were not loaded
    stay = f"; the rows stay in {esc(where)}, only aggregates were read" if where else ""
    return f"**{esc(w.study)}/{esc(w.label)}**: {n:,} respondents ({kind}{src}{stay})"
