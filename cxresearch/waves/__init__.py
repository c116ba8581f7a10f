"""Waves: stored survey waves (responses.parquet + manifest.json).

``storage`` (Wave, load_wave, write_wave, list_waves, is_wave; a lock per wave, atomic create,
crash-safe replace and recovery). Sits below intake: ingestion stores through it.
"""

__all__: list[str] = []
