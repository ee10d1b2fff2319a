"""The layering of ``src/kpisim``, read from the AST of every module.

Three rules (``docs/architecture.md`` explains them):

(a) **No import cycle between modules.** Every ``import`` inside kpisim is an
    edge, at module level *and* inside functions (a lazy import still ties the
    two modules together; it only moves the failure to run time). Imports
    under ``if TYPE_CHECKING:`` are not edges: they never run. An import of
    ``kpisim.a.b`` is an edge to the module ``kpisim.a.b`` only (not to the
    package ``kpisim.a`` whose ``__init__`` Python runs first: a package's
    ``__init__`` re-exports its own modules, which is not a cycle).
(b) **No private name across packages.** A *package* is a top-level module
    (``kpisim.plot``, ``kpisim._validation``) or a subpackage with all its
    modules (``kpisim.rules``, ``kpisim.rules._base``, ``kpisim.rules.audit``).
    Outside its package, nothing imports an underscore *name*
    (``from kpisim.x import _helper``) or an underscore *module inside a
    subpackage* (``kpisim.catalog._frames``): use what the package exports.
    Top-level underscore modules (``kpisim._validation``, ``_messages``,
    ``_safeio``, ``_seeding``, ``_units``, ``_typing``, …) are kpisim-private
    infrastructure, importable by every kpisim module; their underscore names
    are still private to them.
(c) **No reaching into another object's private state.** ``obj._attr`` (not
    ``self``/``cls``) is allowed only in a module that itself defines
    ``_attr`` (as a function, class attribute, field or ``self._attr``
    assignment), i.e. in the owner's module. Known private APIs of the standard
    library and of dependencies are listed in ``FOREIGN_PRIVATE``.

What is left is in the explicit ALLOWLISTs below, each entry with its
reason. Every entry must still be a violation: a fixed one fails the test
until it is removed from its list. The concept packages ``catalog``,
``rules``, ``scoring``, ``backtest`` and ``models`` have no entries.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
ROOT = SRC / "kpisim"

#: Packages that must have no allowlist entry at all (issue 17).
CLEAN = ("kpisim.catalog", "kpisim.rules", "kpisim.scoring", "kpisim.backtest", "kpisim.models")

# --------------------------------------------------------------- allowlists
#: (a) Import edges that close a cycle today, as (importer, imported).
CYCLE_ALLOWLIST: frozenset[tuple[str, str]] = frozenset({
    # ``Simulation.prob_range`` is the companion of ``prob_meet`` that issue 12
    # asked for: a one-line forwarder to ``kpisim.goals.prob_range`` (the
    # layer above, which simulates the what-ifs). The only upward edge.
    ("kpisim.simulation.result", "kpisim.goals"),
})

#: (b) Private names / private modules imported across packages today,
#: as (importer, "module:name") or (importer, "module") for a private module.
PRIVATE_IMPORT_ALLOWLIST: frozenset[tuple[str, str]] = frozenset({
})

#: (c) ``obj._attr`` reads of another module's private state today,
#: as (module, attr).
PRIVATE_ATTR_ALLOWLIST: frozenset[tuple[str, str]] = frozenset({
})

#: Private names of the standard library and dependencies that are their
#: documented (or only) API: namedtuple's methods, ``sys._getframe``.
FOREIGN_PRIVATE = frozenset({"_asdict", "_fields", "_make", "_replace", "_getframe"})


# ------------------------------------------------------------------ reading
def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, ast.Module]:
    return {_module_name(p): ast.parse(p.read_text(encoding="utf-8"), str(p))
            for p in sorted(ROOT.rglob("*.py"))}


MODULES = _modules()


def package_of(module: str) -> str:
    """``kpisim`` itself, ``kpisim.<top-level module>`` or ``kpisim.<subpackage>``."""
    parts = module.split(".")
    return ".".join(parts[:2])


def _is_type_checking(node: ast.If) -> bool:
    t = node.test
    return (isinstance(t, ast.Name) and t.id == "TYPE_CHECKING") or (
        isinstance(t, ast.Attribute) and t.attr == "TYPE_CHECKING")


def _imports(tree: ast.Module):
    """Yield (node, lazy) for every import not under ``if TYPE_CHECKING:``."""

    def walk(node: ast.AST, lazy: bool):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for sub in child.orelse:
                    yield from walk(sub, lazy)
                continue
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                yield child, lazy
            inner = lazy or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
            yield from walk(child, inner)

    yield from walk(tree, False)


def _resolve(importer: str, node: ast.ImportFrom) -> str | None:
    if node.level:  # relative imports are banned by ruff (TID252); resolve anyway
        base = importer.split(".")[: -node.level + (importer in _packages())]
        return ".".join([*base, node.module] if node.module else base)
    return node.module


def _packages() -> set[str]:
    return {m for m in MODULES if (ROOT.parent / m.replace(".", "/") / "__init__.py").exists()}


def imported(importer: str, tree: ast.Module):
    """Yield (target module, imported name or None) for each kpisim import."""
    for node, _lazy in _imports(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "kpisim":
                    yield alias.name, None
            continue
        module = _resolve(importer, node)
        if module is None or module.split(".")[0] != "kpisim":
            continue
        for alias in node.names:
            sub = f"{module}.{alias.name}"
            if sub in MODULES:  # ``from kpisim.backtest import verification``
                yield sub, None
            else:
                yield module, alias.name


def edges() -> set[tuple[str, str]]:
    return {(m, t) for m, tree in MODULES.items() for t, _ in imported(m, tree)
            if t in MODULES and t != m}


def cycles(graph: set[tuple[str, str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    succ: dict[str, list[str]] = {}
    for a, b in sorted(graph):
        succ.setdefault(a, []).append(b)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in succ.get(v, []):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(MODULES):
        if v not in index:
            visit(v)
    return out


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def private_imports() -> set[tuple[str, str]]:
    found = set()
    for m, tree in MODULES.items():
        for target, name in imported(m, tree):
            if package_of(target) == package_of(m):
                continue
            inner = target.split(".")[2:]  # module path inside a subpackage
            if any(_private(p) for p in inner):
                found.add((m, target))
            if name is not None and _private(name):
                found.add((m, f"{target}:{name}"))
    return found


def _setattr_name(node: ast.AST) -> str | None:
    """``"_x"`` of ``setattr(obj, "_x", v)`` / ``object.__setattr__(self, "_x", v)``."""
    if not (isinstance(node, ast.Call) and len(node.args) >= 2):
        return None
    f = node.func
    name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
    arg = node.args[1]
    if name in ("setattr", "__setattr__") and isinstance(arg, ast.Constant) and isinstance(
            arg.value, str):
        return arg.value
    return None


def _defined_private(tree: ast.Module) -> set[str]:
    """Underscore names a module owns: defs, assignments (``self._x =``), fields, slots."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)  # also class-level fields and ``_x: int`` annotations
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.attr)
        elif (name := _setattr_name(node)) is not None:
            names.add(name)  # frozen classes: object.__setattr__(self, "_x", v)
        elif isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "__slots__" for t in node.targets):
            names |= {c.value for c in ast.walk(node.value)
                      if isinstance(c, ast.Constant) and isinstance(c.value, str)}
    return {n for n in names if _private(n)}


def private_attrs() -> set[tuple[str, str]]:
    found = set()
    for m, tree in MODULES.items():
        own = _defined_private(tree)
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id == "getattr" and len(node.args) >= 2
                    and isinstance(node.args[1], ast.Constant)
                    and isinstance(node.args[1].value, str) and _private(node.args[1].value)):
                node = ast.Attribute(value=node.args[0], attr=node.args[1].value)
            if not (isinstance(node, ast.Attribute) and _private(node.attr)):
                continue
            v = node.value
            if isinstance(v, ast.Name) and v.id in ("self", "cls"):
                continue
            if isinstance(v, ast.Call) and isinstance(v.func, ast.Name) and v.func.id == "super":
                continue
            if node.attr in own or node.attr in FOREIGN_PRIVATE:
                continue
            found.add((m, node.attr))
    return found


# -------------------------------------------------------------------- tests
def test_the_tree_is_read():
    assert {"kpisim", "kpisim.catalog", "kpisim.rules.audit", "kpisim.scoring.handbook",
            "kpisim.backtest.verification"} <= set(MODULES)
    assert package_of("kpisim.rules._base") == "kpisim.rules"
    assert package_of("kpisim._validation") == "kpisim._validation"


def test_no_import_cycle():
    graph = edges()
    stale = CYCLE_ALLOWLIST - graph
    assert not stale, f"allowlisted edges that no longer exist (remove them): {sorted(stale)}"
    left = cycles(graph - CYCLE_ALLOWLIST)
    assert not left, f"import cycles: {left}"


def test_allowlisted_cycle_edges_are_each_needed():
    """Each allowlisted edge still closes a cycle (else it is not a cycle edge)."""
    graph = edges()
    for edge in sorted(CYCLE_ALLOWLIST):
        assert any(set(edge) <= set(c) for c in cycles(graph)), edge


def test_no_private_import_across_packages():
    found = private_imports()
    stale = PRIVATE_IMPORT_ALLOWLIST - found
    assert not stale, f"fixed, remove from PRIVATE_IMPORT_ALLOWLIST: {sorted(stale)}"
    new = found - PRIVATE_IMPORT_ALLOWLIST
    assert not new, f"private imports across packages: {sorted(new)}"


def test_no_private_attribute_of_another_module():
    found = private_attrs()
    stale = PRIVATE_ATTR_ALLOWLIST - found
    assert not stale, f"fixed, remove from PRIVATE_ATTR_ALLOWLIST: {sorted(stale)}"
    new = found - PRIVATE_ATTR_ALLOWLIST
    assert not new, f"private attributes read outside their module: {sorted(new)}"


@pytest.mark.parametrize("allowlist", [CYCLE_ALLOWLIST, PRIVATE_IMPORT_ALLOWLIST,
                                       PRIVATE_ATTR_ALLOWLIST])
def test_the_concept_packages_have_no_allowlist_entry(allowlist):
    assert not [e for e in allowlist if any(package_of(x.split(":")[0]) in CLEAN for x in e)]


# ------------------------------------------------- the checks can fail at all
def _parse(src: str) -> ast.Module:
    return ast.parse(src)


def test_cycle_finder_finds_a_two_module_cycle():
    assert cycles({("kpisim.plot", "kpisim.report"), ("kpisim.report", "kpisim.plot")}) == [
        ["kpisim.plot", "kpisim.report"]]
    assert cycles({("kpisim.plot", "kpisim.report")}) == []


def test_type_checking_imports_are_not_edges():
    tree = _parse("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                  "    from kpisim.plot import x\ndef f():\n    from kpisim.report import y\n")
    assert [t for t, _ in imported("kpisim.cli", tree)] == ["kpisim.report"]


def test_private_attr_of_another_module_is_found():
    tree = _parse("def f(sim):\n    return sim._track, self._own\n")
    assert {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)} == {"_track", "_own"}
    assert "_track" not in _defined_private(tree)
    assert "_x" in _defined_private(_parse("class A:\n    def __init__(self):\n"
                                           "        self._x = 1\n"))
    assert "_x" in _defined_private(_parse("object.__setattr__(self, '_x', 1)"))
    assert "_x" not in _defined_private(_parse("print('_x')"))
