"""Waves (layer 3): stored survey waves (responses.parquet + manifest.json).

``storage`` (Wave, load_wave, write_wave, list_waves).
"""

__all__: list[str] = []
