"""Intake: read raw exports, recode answers against a codebook, ingest a wave.

``readers`` (CSV/XLSX/SPSS/Parquet/Qualtrics), ``encodings`` (whole-file encoding detection),
``answers`` (one item's raw answers to stored values, every problem with row/column/value),
``labels`` (SPSS value labels against the codebook), ``privacy`` (PII kept out of everything
that leaves ingestion), ``ingestion`` (ingest: validate, then store through waves.storage).
"""

__all__: list[str] = []
