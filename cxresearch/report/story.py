"""Notebook narration: text built from computed values only.

- :func:`say` displays Markdown in a notebook (prints it elsewhere); notebooks pass f-strings
  of computed values, never typed-in numbers.
- :func:`describe_wave` names a wave, its size and its kind (observed / example /
  reconstructed), for the first cell of every notebook.
"""

from __future__ import annotations

__all__ = ["describe_wave", "say"]

RECONSTRUCTED = "-reconstructed"


def say(text: str) -> None:
    """Display Markdown in a notebook (print it elsewhere); use f-strings of computed values."""
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
    """One line naming a wave, its size and its kind (observed / example / reconstructed)."""
    m = w.manifest
    if str(w.label).endswith(RECONSTRUCTED):
        kind = f"reconstructed — synthetic respondents, seed {m.get('seed')}"
    elif m.get("example"):
        kind = "example export of made-up respondents"
    elif w.synthetic:
        kind = "synthetic"
    else:
        kind = "observed"
    src = f", from `{m['source_file']}`" if m.get("source_file") else ""
    return f"**{w.study}/{w.label}**: {len(w.data):,} respondents ({kind}{src})"

