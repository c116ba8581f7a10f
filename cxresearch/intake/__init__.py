"""Intake (layer 2): read raw exports, recode answers against a codebook, ingest a wave.

``readers`` (CSV/XLSX/SPSS/Parquet/Qualtrics with encoding detection), ``answers`` (one item's
raw answers to stored values, with every problem), ``ingestion`` (ingest: validate and store).
"""

__all__: list[str] = []
