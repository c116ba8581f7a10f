"""Banner tables: rows by columns with design-based tests and significance letters.

``rows`` (what a row measures), ``core`` (cell estimates and pairwise tests), ``build``
(banner: the public entry point and BannerResult), ``engine`` (engine designs: one aggregate
per row item), ``format`` (wide and text views).
"""

__all__: list[str] = []
