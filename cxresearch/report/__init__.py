"""Report: style, charts, tables, provenance and the files a run writes.

``style`` (theme, palettes), ``charts/`` (chart functions), ``tables`` (formatting, show_table,
LaTeX/HTML), ``save`` (save_figure, save_table), ``xlsx``, ``deck`` (save_deck), ``banners``
(save_banner), ``deliverables`` (report.xlsx and report.pptx of a run), ``provenance`` (the
manifest; is_synthetic), ``documents`` (Markdown tables, scorecard.md, published checks),
``story`` (say, describe_wave: narration with escaped values), ``wavereport`` (what the
study-agnostic templates compute).
"""

__all__: list[str] = []
