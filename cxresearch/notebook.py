"""The public API of notebooks and templates (placeholder filled in by this round's work)."""

__all__: list[str] = []
