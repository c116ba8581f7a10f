"""Exceptions and warnings shared by every cxresearch module.

Input validation raises ``ValueError``/``TypeError`` (or the subclasses below, which are
both) with messages that name the argument and the offending value; warnings are typed so
that callers and tests can filter them.
"""

from __future__ import annotations

__all__ = [
    "Problems",
    "ReconstructionConflictWarning",
    "NegativeItemWarning",
    "NotPushedDownWarning",
    "CodebookChangedWarning",
    "WaveExistsError",
    "UnknownColumnsWarning",
    "CodebookError",
    "ConvergenceWarning",
    "CxWarning",
    "IngestError",
    "PiiSuspectedWarning",
    "WaveRecoveredWarning",
    "printable",
    "SeparationWarning",
    "SingleRespondentWarning",
    "SmallCellWarning",
    "SyntheticDataWarning",
    "UnorderedCategoryWarning",
]


class CodebookError(ValueError):
    """A codebook (instrument YAML) is malformed or contradicts itself.

    ``problems`` holds every problem found, so that all are reported at once.
    """

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(
            f"codebook {printable(source)} has {len(self.problems)} problem(s):\n{lines}")


class IngestError(ValueError):
    """A raw export failed validation against its codebook.

    ``problems`` is a list of dicts with keys ``row`` (1-based row number in the source
    file, counting the header as row 1, or ``None`` for file-level problems), ``column``,
    ``value``, ``problem`` and ``hint``; every problem found is reported at once.
    """

    def __init__(self, source: str, problems: list[dict]):
        self.source = source
        self.problems = list(problems)
        lines = []
        for p in self.problems[:200]:
            where = f"row {p['row']}" if p.get("row") is not None else "file"
            if p.get("file"):   # one of several files (a folder ingest)
                where = f"{printable(p['file'])}, {where}"
            col = f", column {p['column']!r}" if p.get("column") is not None else ""
            val = f", value {p['value']!r}" if p.get("value") is not None else ""
            hint = f" (hint: {p['hint']})" if p.get("hint") else ""
            lines.append(f"  - {where}{col}{val}: {p['problem']}{hint}")
        more = len(self.problems) - 200
        if more > 0:
            lines.append(f"  ... and {more} more problem(s)")
        super().__init__(
            f"{printable(source)}: {len(self.problems)} problem(s) found, nothing was "
            "written:\n"
            + "\n".join(lines)
        )


class CxWarning(UserWarning):
    """Base class of cxresearch warnings."""


class SmallCellWarning(CxWarning):
    """Expected or observed cell counts are too small for an asymptotic result."""


class SingleRespondentWarning(CxWarning):
    """A domain (``by=`` group) has one respondent: its standard error is undefined (NaN)."""


class UnorderedCategoryWarning(CxWarning):
    """An unordered categorical was used where an ordered one is expected."""


class SyntheticDataWarning(CxWarning):
    """A result is based on reconstructed (synthetic) data."""


class ConvergenceWarning(CxWarning):
    """An iterative procedure (e.g. raking) stopped before reaching its tolerance."""


class SeparationWarning(ConvergenceWarning):
    """A model's likelihood has no finite maximum (complete or quasi-complete separation):
    the affected coefficients are not estimable and are reported as missing."""


class ReconstructionConflictWarning(CxWarning):
    """Published figures cannot all hold at once; the reconstruction misses some (named)."""


class NegativeItemWarning(CxWarning):
    """An item correlates negatively with the rest of its scale (reverse keying missing?)."""


class NotPushedDownWarning(CxWarning):
    """Part of a result needs row-level data of an engine design (DuckDB, Spark, files) and
    was not computed; the message says which part, why, and how to get it."""


class CodebookChangedWarning(CxWarning):
    """The codebook changed since the wave was written (its sha256 differs)."""


class WaveExistsError(FileExistsError, ValueError):
    """A wave already exists and ``replace`` was not given.

    Both a ``FileExistsError`` (what it is) and a ``ValueError`` (bad input, so that the
    command line reports it and exits 1).
    """


class UnknownColumnsWarning(CxWarning):
    """Columns of an export matched no codebook item and were dropped (listed in the manifest)."""


class WaveRecoveredWarning(CxWarning):
    """Left-overs of a killed wave write were resolved (the message says what was done)."""


class PiiSuspectedWarning(CxWarning):
    """A column not marked ``pii`` holds values that look like e-mail or IP addresses."""


def printable(text) -> str:
    """``text`` with control, format (bidi) and other invisible characters escaped.

    For file names and other outside strings printed to a terminal or log: ``"a\\x1b[2Jb"``
    prints as ``a\\x1b[2Jb``, a right-to-left override as ``\\u202e``. Printable text is
    unchanged.
    """
    text = str(text)
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else ascii(c)[1:-1] for c in text)


class Problems(list):
    """Every problem found while checking an input, collected so that all are reported at once.

    The one problem collector of the package. An entry is a message (``str``: a codebook's
    contradictions, raised together as :class:`CodebookError`) or a record (``dict`` with
    ``row``, ``column``, ``value``, ``problem``, ``hint``: an export's, raised together as
    :class:`IngestError`); :meth:`add` appends either. Intake's row-level collector
    (``intake.answers.RowProblems``) extends it with problems kept as row-index vectors.
    """

    def add(self, problem: str, **where) -> None:
        """Append ``problem``: a plain message, or a record when ``where`` names its place."""
        self.append({**where, "problem": problem} if where else problem)
