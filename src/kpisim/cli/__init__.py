"""The ``kpisim`` command line.

Exit codes: 0 on success, 2 on bad input or an impossible request (one line
on stderr, no traceback: a :class:`~kpisim.KpisimError`, an unusable ``--out``,
a file the system refuses to read or write, a cluster it cannot reach,
``--paths`` above the confirmation threshold without ``--yes``, out of memory),
1 on an internal error (a bug: one line pointing at a file with the traceback;
``KPISIM_TRACEBACK=1`` prints it), 130 when interrupted.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from kpisim._messages import text
from kpisim._validation import KpisimError
from kpisim.cli._commands import cmd_audit, cmd_backtest, cmd_catalog, cmd_report, cmd_template
from kpisim.cli._common import _CONFIRM_PATHS
from kpisim.cli._run import cmd_run

__all__ = ["build_parser", "main"]


__all__ = ["main"]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for the docs and tests)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--catalog",
        default=None,
        help="built-in catalog name or path (YAML, directory, CSV, Excel); "
        "default: the NIPA 2023–2027 catalog",
    )
    common.add_argument("--format", choices=["table", "csv", "json"], default="table")
    common.add_argument("--lang", choices=["ko", "en"], default="ko")
    common.add_argument("--out", default=".", help="output directory for reports")
    common.add_argument("--quiet", action="store_true", help="no progress bar or notes")
    sim = argparse.ArgumentParser(add_help=False)
    sim.add_argument("--until", type=int, default=2030)
    sim.add_argument("--paths", type=int, default=100_000)
    sim.add_argument("--seed", type=int, default=20231)
    sim.add_argument("--model", default="auto")
    sim.add_argument("--scenario", default=None, metavar="FILE",
                     help="scenario YAML file; every scenario in it is simulated with the same "
                          "seed and printed beside the baseline")
    sim.add_argument("--yes", action="store_true",
                     help=f"run even when --paths is above {_CONFIRM_PATHS:,} (a long run)")
    sim.add_argument("--scores", action="store_true",
                     help="also print E[평점] and P(만점) of the key indicators, 2023–2027 "
                          "(the report always shows them)")

    parser = argparse.ArgumentParser(
        prog="kpisim",
        description=(
            "How likely are performance goals to be met? Audits target rules and estimates "
            "P(goal met) by Monte Carlo."
        ),
    )
    from kpisim import __version__

    parser.add_argument("--version", action="version", version=f"kpisim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("run", parents=[common, sim], help="simulate and print the attainment table")
    p.add_argument("--no-report", action="store_true", help="do not write kpisim-report.html")
    p.add_argument("--excel", default=None, metavar="FILE",
                   help="also write every table to this Excel workbook (.xlsx)")
    p.set_defaults(func=cmd_run)
    p = sub.add_parser("audit", parents=[common], help="recompute every target path from its rule")
    p.set_defaults(func=cmd_audit)
    p = sub.add_parser("catalog", parents=[common], help="list the indicators of a catalog")
    p.set_defaults(func=cmd_catalog)
    p = sub.add_parser("report", parents=[common, sim], help="write the HTML report")
    p.set_defaults(func=cmd_report)
    p = sub.add_parser("template", help="write an empty, annotated catalog table (.xlsx or .csv)")
    p.add_argument("--out", default="kpisim-template.xlsx",
                   help="the file to write: .xlsx (annotated workbook) or .csv")
    p.add_argument("--lang", choices=["ko", "en"], default="ko")
    p.add_argument("--force", action="store_true", help="overwrite an existing file")
    p.add_argument("--quiet", action="store_true", help="print nothing")
    p.set_defaults(func=cmd_template)
    p = sub.add_parser("backtest", parents=[common], help="calibration backtest on yearly series")
    p.add_argument("--data", default="m1", help="m1, tourism, or a CSV of series")
    p.add_argument("--paths", type=int, default=2000)
    p.add_argument("--seed", type=int, default=20231)
    p.add_argument("--models", default="refgrowth,naive,naive0",
                   help="comma-separated models (default: the default model refgrowth and the "
                        "random walk with drift and the last value as baselines)")
    p.add_argument("--max-series", type=int, default=None)
    p.set_defaults(func=cmd_backtest)
    from kpisim.cli._sweep import add_sweep_parser

    add_sweep_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``kpisim`` command."""
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    once = [a for a in ("--catalog", "--out", "--excel", "--model", "--paths", "--seed")
            if sum(x == a or x.startswith(a + "=") for x in argv) > 1]
    if once:  # argparse keeps the last silently: the user meant one of them
        parser.error(f"{', '.join(once)} given more than once; give each once")
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KpisimError as e:
        from kpisim._messages import text

        lang = getattr(args, "lang", "ko")
        sys.stderr.write(text("errors.prefix", lang, message=_one_line(e.in_lang(lang))) + "\n")
        return 2
    except BrokenPipeError:  # e.g. `kpisim catalog | head`
        return 0
    except MemoryError:
        from kpisim._messages import text

        sys.stderr.write(text("errors.out_of_memory", args.lang) + "\n")
        return 2
    except OSError as e:  # the machine's answer (a path, a permission, a network), not a bug
        from kpisim._messages import text

        if getattr(e, "filename", None) is not None:
            sys.stderr.write(text("errors.file_os", args.lang, path=e.filename,
                                  reason=e.strerror or type(e).__name__) + "\n")
            return 2
        if isinstance(e, TimeoutError | ConnectionError) or "connect" in str(e).lower():
            sys.stderr.write(text("errors.connect", args.lang, reason=_one_line(e, 300)) + "\n")
            return 2
        return _internal_error(e, args.lang)
    except KeyboardInterrupt:
        from kpisim._messages import text

        sys.stderr.write("\n" + text("errors.interrupted", args.lang) + "\n")
        return 130
    except Exception as e:  # a bug: a short pointer; the traceback goes to a file
        return _internal_error(e, args.lang)


def _one_line(e: BaseException | str, limit: int = 2000) -> str:
    """The message of ``e`` (an error, or its message) on one line, bounded in length.

    A list of problems (a table with several bad cells: a first line, then
    lines starting ``  - `` or ``  …``) keeps one line per problem, each
    bounded, as the docs show it.
    """
    lines = str(e).splitlines()
    items = lines[1:]
    if len(lines) > 1 and all(x.startswith(("  - ", "  …")) for x in items):
        head = _one_line(Exception(lines[0]), limit)
        return "\n".join([head, *("  " + _one_line(Exception(x), limit) for x in items)])
    text = " ".join(str(e).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _internal_error(e: Exception, lang: str) -> int:
    """Save the traceback to a file and print one line pointing at it (exit 1).

    ``KPISIM_TRACEBACK=1`` prints the traceback itself instead.
    """
    import os
    import tempfile
    import traceback


    if os.environ.get("KPISIM_TRACEBACK"):
        traceback.print_exc()
    try:
        fd, where = tempfile.mkstemp(prefix="kpisim-crash-", suffix=".txt")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            from kpisim import __version__

            f.write(f"kpisim {__version__}, python {sys.version.split()[0]}\n")
            f.write(f"argv: {sys.argv}\n\n")
            traceback.print_exc(file=f)
    except OSError:
        where = "(not saved: set KPISIM_TRACEBACK=1 to print it)"
    sys.stderr.write(text("errors.internal", lang, kind=type(e).__name__,
                          message=_one_line(e, 300), path=where) + "\n")
    return 1
