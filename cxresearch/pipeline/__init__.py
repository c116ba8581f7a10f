"""Pipeline (top layer): notebook execution, run folders, projects and the command line.

``run`` (reproduce), ``rundata`` (the data of a run), ``notebooks`` (discovery, execution, the
reader's HTML), ``templates`` (which notebooks run for which study), ``selection`` (which wave a
notebook analyses), ``project`` (init), ``faults`` (run folders, workers that die with the run),
``lab`` (JupyterLab save hook), ``cli`` (the ``cxresearch`` command).
"""

__all__: list[str] = []
