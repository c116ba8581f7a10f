"""Report (layer 7): style, charts, tables, provenance and the files a run writes.

``style`` (theme, palettes), ``charts/`` (chart functions), ``tables`` (formatting),
``provenance`` (the run manifest), ``save`` (save_figure, save_table).
"""

__all__: list[str] = []
