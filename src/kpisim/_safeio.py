"""Safe input and output at kpisim's boundary: bounded reads, YAML limits, atomic writes.

One place for the limits every file kpisim reads or writes goes through
(``docs/reliability.md`` lists them):

* :func:`read_text` reads at most :data:`MAX_FILE_BYTES` (so ``/dev/zero`` or a
  huge file fails fast), refuses a named pipe (which would wait for a writer),
  decodes UTF-8 with or without a BOM, and names a CP949/EUC-KR file as such
  instead of failing with a codec traceback;
* :func:`load_yaml` refuses documents deeper than :data:`MAX_YAML_DEPTH`, with
  more than :data:`MAX_YAML_ALIASES` aliases or whose aliases expand to more
  than :data:`MAX_YAML_NODES` nodes (a "billion laughs" bomb), *before* any
  recursive step of PyYAML runs; it reads ``1e5`` as a number (YAML 1.2), not
  the string YAML 1.1 makes of it, and refuses the integers YAML 1.1 reads
  otherwise than a person would (``010`` → 8, ``0x10`` → 16, ``1:30`` → 90),
  naming the line and the number to write; a parse error names the line and
  column, never PyYAML's ``"<unicode string>"``;
* :func:`short_repr` is the bounded ``repr`` every error message uses for the
  value it quotes;
* :func:`atomic_write` writes a file through a temporary file in the same
  directory and :func:`os.replace`, so a reader never sees half a file and two
  concurrent runs never interleave;
* :func:`neutralise_cell` keeps a spreadsheet from reading text as a formula
  (OWASP "CSV injection"): text beginning with ``=``, ``+``, ``-``, ``@``, tab
  or CR gets a leading apostrophe; numbers stay numbers.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import yaml

from kpisim._messages import Msg
from kpisim._validation import CatalogError, KpisimError

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_YAML_ALIASES",
    "MAX_YAML_DEPTH",
    "MAX_YAML_NODES",
    "InputFileError",
    "OutputError",
    "StrictLoader",
    "ambiguous_number",
    "atomic_write",
    "load_yaml",
    "neutralise_cell",
    "neutralise_frame",
    "read_text",
    "short_repr",
]

#: Largest catalog or scenario file read, in bytes (16 MiB; the NIPA catalog is 144 kB).
MAX_FILE_BYTES = 16 * 1024 * 1024
#: Deepest nesting of mappings and lists a YAML document may have.
MAX_YAML_DEPTH = 64
#: Most aliases (``*name``) a YAML document may use.
MAX_YAML_ALIASES = 1000
#: Most nodes a YAML document may hold once its aliases are expanded.
MAX_YAML_NODES = 1_000_000
#: Longest message kept from a parser's own error text.
_MAX_DETAIL = 300


class OutputError(KpisimError):
    """An output file cannot be written (directory missing, not writable, a directory)."""


class InputFileError(CatalogError):
    """An input file cannot be read or parsed safely (size, encoding, YAML limits).

    A :class:`~kpisim.CatalogError` whose message is given whole (it already
    names the file and, where known, the line); :meth:`in_lang` renders it in
    another language when it is a catalogue message.
    """

    def __init__(self, message: str, *, source: str | None = None) -> None:
        ValueError.__init__(self, message)
        self.source = source
        self.indicator = None
        self.field = None
        self.expected = message
        self.got = None
        self.show_got = False
        self.line = None

    def in_lang(self, lang: str = "ko") -> str:
        """The message in ``lang`` (the English text when it is not a catalogue message)."""
        return KpisimError.in_lang(self, lang)


#: The words :func:`read_text` knows for ``what``, with their message keys.
_WHAT = {"file": "errors.input.what_file", "catalog file": "errors.input.what_catalog",
         "scenario file": "errors.input.what_scenario",
         "backtest CSV": "errors.input.what_backtest"}


def _noun(what: str) -> str:
    """``what`` as a catalogue message when it is a known file noun, else as given."""
    return Msg(_WHAT[what]) if what in _WHAT else what


from kpisim._validation import short_repr  # noqa: E402  (re-exported: its old home)


# ------------------------------------------------------------------ reading
def read_text(path: str | Path, *, what: str = "file", max_bytes: int | None = None) -> str:
    """The text of ``path`` (UTF-8, BOM allowed), read with a size cap.

    Parameters
    ----------
    path : str or Path
    what : str
        What the file is, for messages (``"catalog file"``).
    max_bytes : int, optional
        Cap on bytes read (default :data:`MAX_FILE_BYTES`). Reading stops one
        byte past it, so a device such as ``/dev/zero`` fails fast.

    Raises
    ------
    InputFileError
        Naming the file and the reason: missing, a directory, unreadable, too
        large, binary, or not UTF-8 (with CP949/EUC-KR named when it decodes
        as such).
    """
    path = Path(path)
    cap = MAX_FILE_BYTES if max_bytes is None else max_bytes
    try:
        mode = path.stat().st_mode
    except OSError:
        mode = 0  # let open() name the problem
    if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):  # open() would wait for a writer
        kind = Msg("errors.input.fifo" if stat.S_ISFIFO(mode) else "errors.input.socket")
        raise InputFileError(Msg("errors.input.special", path=path, what=_noun(what), kind=kind),
                             source=str(path))
    try:
        with open(path, "rb") as f:
            data = f.read(cap + 1)
    except IsADirectoryError as e:
        raise InputFileError(Msg("errors.input.directory", path=path, what=_noun(what)),
                             source=str(path)) from e
    except FileNotFoundError as e:
        raise InputFileError(Msg("errors.input.missing", path=path, what=_noun(what)),
                             source=str(path)) from e
    except OSError as e:
        msg = Msg("errors.input.unreadable", path=path, what=_noun(what),
                  reason=e.strerror or type(e).__name__)
        raise InputFileError(msg, source=str(path)) from e
    if len(data) > cap:
        msg = Msg("errors.input.too_large", path=path, what=_noun(what), cap=f"{cap:,}")
        raise InputFileError(msg, source=str(path))
    return decode_text(data, source=str(path), what=what)


def decode_text(data: bytes, *, source: str, what: str = "file") -> str:
    """Decode ``data`` as UTF-8 (a BOM is dropped); name CP949/EUC-KR if that is what it is."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        msg = Msg("errors.input.utf16", source=source, what=_noun(what))
        raise InputFileError(msg, source=source)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        try:
            data.decode("cp949")
        except UnicodeDecodeError:
            msg = Msg("errors.input.not_utf8", source=source, line=line, what=_noun(what),
                      byte=f"{data[e.start]:02x}")
        else:
            msg = Msg("errors.input.cp949", source=source, what=_noun(what))
        raise InputFileError(msg, source=source) from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        msg = Msg("errors.input.nul", source=source, line=line, what=_noun(what))
        raise InputFileError(msg, source=source)
    return text


# --------------------------------------------------------------------- YAML
# YAML 1.2 floats (1e5, 1.5E-3, .5, 6.) that YAML 1.1's resolver leaves as strings.
_FLOAT_12 = re.compile(
    r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
    |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
    |\.[0-9_]+(?:[eE][-+][0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""",
    re.X,
)


def add_yaml12_floats(loader: type[yaml.SafeLoader]) -> None:
    """Make ``loader`` read ``1e5`` and ``1E-3`` as floats (YAML 1.2), in place."""
    # drop the 1.1 float resolver, then add the wider one for the same first characters
    resolvers = {k: [r for r in v if r[0] != "tag:yaml.org,2002:float"]
                 for k, v in loader.yaml_implicit_resolvers.items()}
    loader.yaml_implicit_resolvers = resolvers
    loader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT_12,
                                 list("-+0123456789."))


#: libyaml's C parser when PyYAML was built with it (10–50× faster on big files),
#: else the pure-Python one; the constructor (what builds values) is the same.
_BASE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class StrictLoader(_BASE_LOADER):  # type: ignore[misc, valid-type]
    """A SafeLoader that refuses duplicate and unhashable keys and reads ``1e5`` as a float.

    It also refuses YAML 1.1's octal (``010``), hexadecimal (``0x10``), binary
    (``0b11``) and base-60 (``1:30``) integers (:func:`ambiguous_number`).
    """


class StrictDumper(yaml.SafeDumper):
    """A SafeDumper that quotes every string :class:`StrictLoader` would read as another type.

    The dumper decides whether a string may go unquoted with its own
    resolvers; with YAML 1.1's, ``"0E0"`` or ``"1e5"`` would be written bare
    and read back as floats by the YAML 1.2 loader. Sharing the loader's
    float resolver keeps every round trip exact.
    """


def _construct_mapping(loader: StrictLoader, node: yaml.MappingNode) -> dict:
    # A merge key (`<<: *x`) puts the merged pairs first; a key written in the
    # mapping itself overrides a merged one (YAML's merge rule), so only a key
    # written twice in the mapping is a duplicate.
    own = sum(1 for k, _ in node.value if k.tag != "tag:yaml.org,2002:merge")
    loader.flatten_mapping(node)
    merged = len(node.value) - own
    out: dict = {}
    key_lines: dict[Any, int] = {}
    from_merge: set = set()
    for i, (key_node, value_node) in enumerate(node.value):
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            msg = (f"a mapping key must be a plain value (text or a number), not a "
                   f"{type(key).__name__}, at line {key_node.start_mark.line + 1}")
            raise yaml.constructor.ConstructorError(None, None, msg) from None
        if key in out and key not in from_merge:
            msg = f"duplicate key {short_repr(key)} at line {key_node.start_mark.line + 1}"
            raise yaml.constructor.ConstructorError(None, None, msg)
        from_merge.discard(key)
        if i < merged:
            from_merge.add(key)
        out[key] = loader.construct_object(value_node, deep=True)
        key_lines[key] = key_node.start_mark.line + 1
    table = getattr(loader, "kpisim_lines", None)
    if table is not None:  # where each mapping and its keys are, for messages
        table[id(out)] = (node.start_mark.line + 1, key_lines)
    return out


#: An integer as YAML 1.2 and every reader reads it: plain decimal digits.
_DECIMAL_INT = re.compile(r"[-+]?(?:0|[1-9][0-9_]*)")


def _construct_int(loader: StrictLoader, node: yaml.ScalarNode) -> int:
    """An integer, refusing YAML 1.1's octal, hexadecimal, binary and base-60 forms.

    YAML 1.1 (PyYAML) reads ``010`` as 8, ``0x10`` as 16, ``0b11`` as 3 and
    ``1:30`` as 90; YAML 1.2 and a reader of the file see 10, text, text and
    text. A catalog value silently changed that way is worse than an error,
    so each is refused with the line and the number to write instead.
    """
    value = yaml.constructor.SafeConstructor.construct_yaml_int(loader, node)
    text = str(node.value)
    if _DECIMAL_INT.fullmatch(text):
        return value
    raise yaml.constructor.ConstructorError(
        None, None, f"{ambiguous_number(text, value)} (line {node.start_mark.line + 1})")


def ambiguous_number(text: str, value: int) -> str:
    """Why the YAML 1.1 integer ``text`` (read as ``value``) is refused, and what to write.

    Examples
    --------
    >>> print(ambiguous_number("010", 8).split(", or")[0])
    `010`: a zero-padded number is ambiguous in YAML (read as octal 8); write 10
    >>> ambiguous_number("0x10", 16).split(";")[0]
    '`0x10`: a hexadecimal number (read by YAML as 16)'
    """
    body = text.replace("_", "")
    sign = "-" if body.startswith("-") else ""
    digits = body.lstrip("+-")
    quote = f"or quote it ('{text}') if it is text"
    if ":" in digits:
        return (f"`{text}`: a number with `:` is read by YAML as base 60 ({value}); write the "
                f"value as one decimal number (e.g. 1.5 for 1 h 30 min), {quote}")
    if digits[:2].lower() == "0x":
        return (f"`{text}`: a hexadecimal number (read by YAML as {value}); write {value}, "
                f"{quote}")
    if digits[:2].lower() == "0b":
        return f"`{text}`: a binary number (read by YAML as {value}); write {value}, {quote}"
    decimal = sign + (digits.lstrip("0") or "0")
    return (f"`{text}`: a zero-padded number is ambiguous in YAML (read as octal {value}); "
            f"write {decimal}, {quote}")


StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
StrictLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
add_yaml12_floats(StrictLoader)
add_yaml12_floats(StrictDumper)  # type: ignore[arg-type]  (a Resolver, like the loader)


#: Raw bracket depth refused before PyYAML sees the text (its scanner is
#: quadratic in the depth of flow collections ``[[[[…``).
_MAX_BRACKET_DEPTH = 1000


def _bracket_depth(text: str) -> int:
    """Deepest nesting of ``[``/``{`` in ``text``, counted bytewise (an upper bound
    for flow collections: brackets inside quoted strings count too)."""
    import numpy as np

    raw = np.frombuffer(text.encode("utf-8", errors="replace"), dtype=np.uint8)
    if raw.size == 0:
        return 0
    step = ((raw == 0x5B) | (raw == 0x7B)).astype(np.int32)
    step -= ((raw == 0x5D) | (raw == 0x7D))
    return int(np.cumsum(step).max(initial=0))


def _limits(text: str, loader: type[yaml.SafeLoader], source: str) -> None:
    """Refuse deep nesting and alias bombs using only PyYAML's (iterative) event parser."""
    if (text.count("[") + text.count("{") > _MAX_BRACKET_DEPTH
            and _bracket_depth(text) > _MAX_BRACKET_DEPTH):
        msg = Msg("errors.input.yaml_brackets", source=source, depth=MAX_YAML_DEPTH,
                  brackets=_MAX_BRACKET_DEPTH)
        raise InputFileError(msg, source=source)
    depth = 0
    aliases = 0
    nodes = 0
    # per open collection: [anchor, expanded node count]
    stack: list[list[Any]] = []
    sizes: dict[str, int] = {}

    def add(n: int) -> None:
        nonlocal nodes
        nodes += n
        for frame in stack:
            frame[1] += n
        if nodes > MAX_YAML_NODES:
            msg = Msg("errors.input.yaml_nodes", source=source, nodes=f"{MAX_YAML_NODES:,}")
            raise InputFileError(msg, source=source)

    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, yaml.AliasEvent):
            aliases += 1
            if aliases > MAX_YAML_ALIASES:
                msg = Msg("errors.input.yaml_aliases", source=source, n=MAX_YAML_ALIASES)
                raise InputFileError(msg, source=source)
            add(sizes.get(event.anchor, 1))
        elif isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_YAML_DEPTH:
                line = event.start_mark.line + 1 if event.start_mark else "?"
                msg = Msg("errors.input.yaml_depth", source=source, line=line,
                          depth=MAX_YAML_DEPTH)
                raise InputFileError(msg, source=source)
            add(1)
            stack.append([event.anchor, 1])
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1
            anchor, size = stack.pop()
            if anchor is not None:
                sizes[anchor] = size
        elif isinstance(event, yaml.ScalarEvent):
            add(1)
            if event.anchor is not None:
                sizes[event.anchor] = 1


def yaml_error_text(e: yaml.YAMLError, text: str | None = None) -> str:
    """One line of a PyYAML error, bounded in length, with lines and columns 1-based.

    PyYAML names the text it parsed ``"<unicode string>"``; the caller names
    the file, so the marks are given as ``line L, column C`` only:
    ``while parsing a flow mapping at line 2, column 11: expected ',' or '}',
    but got '<scalar>' at line 3, column 5``.
    """
    if isinstance(e, yaml.MarkedYAMLError):
        def at(mark: Any) -> str:
            return "" if mark is None else f" at line {mark.line + 1}, column {mark.column + 1}"

        same = (e.context_mark is not None and e.problem_mark is not None
                and (e.context_mark.line, e.context_mark.column)
                == (e.problem_mark.line, e.problem_mark.column))
        parts = []
        if e.context:
            parts.append(" ".join(str(e.context).split()) + ("" if same else at(e.context_mark)))
        if e.problem:
            parts.append(" ".join(str(e.problem).split()) + at(e.problem_mark))
        if e.note:
            parts.append(" ".join(str(e.note).split()))
        detail = ": ".join(p for p in parts if p)
        if "'\\t'" in detail or _char_at(text, e.problem_mark) == "\t":
            detail += " (a tab: YAML is indented with spaces, not tabs)"
    else:
        detail = " ".join(str(e).split())
    if len(detail) <= _MAX_DETAIL:
        return detail
    return detail[: _MAX_DETAIL - 1] + "…"


def _char_at(text: str | None, mark: Any) -> str | None:
    """The character of ``text`` at a PyYAML mark (0-based line and column), if any."""
    if text is None or mark is None:
        return None
    lines = text.split("\n", mark.line + 1)
    if mark.line >= len(lines) or mark.column >= len(lines[mark.line]):
        return None
    return lines[mark.line][mark.column]


def load_yaml(text: str, loader: type[yaml.SafeLoader], *, source: str,
              on_error: Callable[[str], Exception],
              lines: dict[int, tuple[int, dict[Any, int]]] | None = None) -> Any:
    """Parse one YAML document with ``loader`` after checking the limits.

    ``on_error(detail)`` builds the exception raised for a syntax error (the
    detail names the line and column); the limits raise :class:`InputFileError`.
    With ``lines``, :class:`StrictLoader` records there, for every mapping
    built, ``id(mapping) → (its line, {key: line})`` (1-based), so that later
    messages can name the line; the table is valid while the data lives.
    Recursion and overflow inside PyYAML are caught too, so only a
    :class:`KpisimError` leaves.
    """
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        msg = Msg("errors.input.nul", source=source, line=line, what=Msg("errors.input.what_text"))
        raise InputFileError(msg, source=source)
    try:
        _limits(text, loader, source)
        instance = loader(text)
        if lines is not None:
            instance.kpisim_lines = lines
        try:
            return instance.get_single_data()
        finally:
            instance.dispose()
    except yaml.YAMLError as e:
        raise on_error(yaml_error_text(e, text)) from None
    except RecursionError:
        msg = Msg("errors.input.yaml_too_deep", source=source)
        raise InputFileError(msg, source=source) from None
    except (OverflowError, ValueError, TypeError) as e:
        if isinstance(e, KpisimError):
            raise
        detail = f"a value PyYAML cannot build ({type(e).__name__}: {short_repr(str(e))})"
        raise on_error(detail) from None


# --------------------------------------------------------------------- writing
@contextlib.contextmanager
def atomic_write(path: str | Path, mode: str = "w", *, encoding: str | None = "utf-8"
                 ) -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path``; on success move it onto ``path``.

    The temporary file is in the same directory (so :func:`os.replace` is an
    atomic rename) and is removed if the block raises. A missing or
    unwritable directory, or ``path`` naming a directory, raises
    :class:`OutputError` with one line naming the path.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
    >>> with atomic_write(p) as f:
    ...     _ = f.write("x")
    >>> p.read_text()
    'x'
    """
    path = Path(path)
    check_writable(path)
    binary = "b" in mode
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as e:
        msg = f"{path}: cannot write here ({e.strerror or type(e).__name__})"
        raise OutputError(msg) from e
    try:
        with os.fdopen(fd, mode, **({} if binary else {"encoding": encoding,
                                                         "newline": ""})) as f:
            yield f
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException as e:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(e, OSError) and not isinstance(e, KpisimError):
            msg = f"{path}: cannot write the file ({e.strerror or type(e).__name__})"
            raise OutputError(msg) from e
        raise


def write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` to ``path`` atomically (UTF-8); return the path."""
    with atomic_write(path) as f:
        f.write(text)
    return Path(path)


def write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically; return the path."""
    with atomic_write(path, "wb") as f:
        f.write(data)
    return Path(path)


def check_writable(path: str | Path) -> None:
    """Raise :class:`OutputError` unless a file can be written at ``path``."""
    path = Path(path)
    if path.is_dir():
        msg = f"{path}: is a directory; give a file name"
        raise OutputError(msg)
    parent = path.parent
    if not parent.is_dir():
        what = "is not a directory" if parent.exists() else "does not exist"
        msg = f"{path}: cannot write here: {parent} {what}"
        raise OutputError(msg)
    if not os.access(parent, os.W_OK | os.X_OK):
        msg = f"{path}: cannot write here: {parent} is not writable"
        raise OutputError(msg)


def prepare_dir(path: str | Path) -> Path:
    """Create the output directory ``path`` if needed; :class:`OutputError` if impossible."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        msg = f"--out {path}: exists and is not a directory"
        raise OutputError(msg)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        msg = f"--out {path}: cannot create the directory ({e.strerror or type(e).__name__})"
        raise OutputError(msg) from e
    if not os.access(path, os.W_OK | os.X_OK):
        msg = f"--out {path}: the directory is not writable"
        raise OutputError(msg)
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# --------------------------------------------------------------- spreadsheets
# OWASP's list, plus the full-width forms a Korean IME may type
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def neutralise_cell(value: Any) -> Any:
    """A cell value a spreadsheet will not run as a formula (OWASP CSV injection).

    Text beginning with ``=``, ``+``, ``-``, ``@``, tab or CR (or a full-width
    ``＝ ＋ － ＠``) is prefixed with an apostrophe; text that is a plain number (``-5``,
    ``+1.5e3``) and non-text values are left as they are, so negative numbers
    stay numbers.

    Examples
    --------
    >>> neutralise_cell("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> neutralise_cell(-5.0), neutralise_cell("-5")
    (-5.0, '-5')
    """
    if not isinstance(value, str) or not value.startswith(_FORMULA_START):
        return value
    if _NUMBER.fullmatch(value):
        return value
    return "'" + value


_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def neutralise_frame(frame: Any) -> Any:
    """A copy of ``frame`` with every text cell and header made formula-safe."""
    import pandas as pd

    out = frame.copy()
    out.columns = [neutralise_cell(c) for c in out.columns]
    for c in out.columns:
        col = out[c]
        if pd.api.types.is_object_dtype(col) or pd.api.types.is_string_dtype(col):
            out[c] = col.map(neutralise_cell).astype(object)
    return out
