"""Write the committed notebooks ``NN_topic.ipynb`` from the cell sources below.

The ``.ipynb`` files are what runs (``make reproduce``, ``make lab``, the tests); this script
only keeps them consistent (one ``parameters`` cell, metadata, deterministic cell ids, no
outputs). Edit a notebook here, or in JupyterLab and strip its outputs — but then port the
change here before running this script again, or it is overwritten.

Usage: ``python notebooks/_build.py`` (writes every notebook) or ``... NAME ...``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _cells import NOTEBOOKS  # noqa: E402


def build(name: str, spec: dict) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)",
                       "language": "python"},
        "language_info": {"name": "python"},
        "cxresearch": {"studies": spec["studies"], "reconstruct": spec.get("reconstruct", [])},
    }
    for i, (kind, src) in enumerate(spec["cells"]):
        src = src.strip("\n")
        if kind == "md":
            cell = nbformat.v4.new_markdown_cell(src)
        else:
            cell = nbformat.v4.new_code_cell(src)
            if kind == "parameters":
                cell.metadata["tags"] = ["parameters"]
        cell.id = f"{name[:2]}-{i:02d}"
        nb.cells.append(cell)
    nbformat.validate(nb)
    return nb


def main(argv: list[str]) -> None:
    names = argv or sorted(NOTEBOOKS)
    for name in names:
        nbformat.write(build(name, NOTEBOOKS[name]), HERE / f"{name}.ipynb")
        print(f"wrote notebooks/{name}.ipynb")


if __name__ == "__main__":
    main(sys.argv[1:])
