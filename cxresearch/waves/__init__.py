"""Waves: stored survey waves (manifest.json + responses.parquet or responses/part-*.parquet).

``wave`` (Wave, StreamedWave: the objects), ``folders`` (where a wave lives: layout, a lock per
wave, recovery of killed writes), ``storage`` (load_wave, write_wave, list_waves: atomic
create, crash-safe replace), ``engine`` (EngineWave: rows that stay in DuckDB/Spark). Sits below
intake: ingestion stores through it.
"""

__all__: list[str] = []
