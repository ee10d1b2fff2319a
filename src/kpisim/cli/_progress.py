"""The command line's one progress display (tqdm on stderr), shared by every command."""

from __future__ import annotations

import sys


class Progress:
    """One progress display for every phase of a command (tqdm, on stderr).

    Silent when stderr is not a terminal or with ``--quiet``. Each phase —
    fitting, simulating, the growth what-ifs, the report — gets its own bar;
    an object of this class is also :func:`kpisim.simulate`'s ``progress``
    callback (``progress(done, total)`` per chunk, ``progress.fitting(done,
    total)`` per indicator fitted).
    """

    def __init__(self, *, quiet: bool, lang: str = "ko") -> None:
        self.enabled = not quiet and sys.stderr.isatty()
        self.lang = lang
        self.bar = None
        self.key = ""

    def phase(self, key: str, total: int, unit: str) -> None:
        """Start the bar of phase ``key`` (a ``progress.*`` message key)."""
        self.close()
        self.key = key
        if not self.enabled:
            return
        import shutil

        from tqdm import tqdm

        from kpisim._messages import text

        self.bar = tqdm(total=total, desc=text(key, self.lang), file=sys.stderr, leave=False,
                        unit=" " + text(f"progress.unit.{unit}", self.lang),
                        ncols=min(shutil.get_terminal_size().columns, 100),
                        unit_scale=unit == "path", mininterval=0.2)

    def advance(self, done: int) -> None:
        if self.bar is not None:
            self.bar.update(max(0, done - self.bar.n))

    def steps(self, done: int, total: int) -> None:
        """``done`` of ``total`` steps of the current phase (the report's figures)."""
        if self.bar is not None:
            self.bar.total = total
        self.advance(done)

    def fitting(self, done: int, total: int) -> None:
        if self.key != "progress.fit":
            self.phase("progress.fit", total, "indicator")
        self.advance(done + 1)

    def __call__(self, done: int, total: int) -> None:
        if self.key != "progress.simulate":
            self.phase("progress.simulate", total, "path")
        self.advance(done)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
        self.bar = None
        self.key = ""
