"""Files a run writes: tables, figures, workbooks, decks, banners, documents.

``tables`` (formatting, LaTeX/HTML), ``save`` (save_figure, save_table), ``xlsx``, ``deck``
(save_deck), ``banners`` (save_banner), ``documents`` (Markdown), ``deliverables``
(report.xlsx and report.pptx of a run).
"""

__all__: list[str] = []
