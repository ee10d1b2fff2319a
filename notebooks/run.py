"""Execute notebooks top to bottom and fail on the first error.

Usage::

    python notebooks/run.py                      # every notebooks/*.ipynb
    python notebooks/run.py notebooks/tutorial.ipynb --timeout 300
    python notebooks/run.py --save executed/     # also keep executed copies

The notebooks are committed without outputs; this script is how CI knows they
still run. It needs the ``notebook`` extra (``pip install -e '.[notebook]'``:
nbclient, nbformat, ipykernel) and runs each notebook in a fresh Python
kernel from the current environment, with the notebook's directory as the
working directory. Exit status 1 names the notebook and the failing cell.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

HERE = Path(__file__).resolve().parent


def run(path: Path, *, timeout: int, save: Path | None) -> float:
    """Execute ``path``; return the seconds it took. Raises on a failing cell."""
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    elapsed = time.perf_counter() - start
    if save is not None:
        save.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, save / path.name)
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="notebooks to run (default: notebooks/*.ipynb)")
    parser.add_argument("--timeout", type=int, default=300, help="seconds per cell")
    parser.add_argument("--save", type=Path, help="directory for executed copies")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted(HERE.glob("*.ipynb"))
    if not paths:
        print("no notebooks found", file=sys.stderr)
        return 1
    failed = 0
    for path in paths:
        try:
            seconds = run(path, timeout=args.timeout, save=args.save)
        except CellExecutionError as e:
            failed += 1
            print(f"FAILED {path}:\n{e}", file=sys.stderr)
        else:
            print(f"ok     {path} ({seconds:.1f} s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
