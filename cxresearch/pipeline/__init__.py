"""Pipeline (layer 8): notebook execution, run folders and the command line.

``run`` (reproduce), ``notebooks`` (discovery and execution), ``cli`` (the ``cxresearch`` command),
``story`` (notebook support: which wave a notebook analyses, narration, the scorecard).
"""

__all__: list[str] = []
