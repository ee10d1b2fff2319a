"""The model registry: names → model factories, and the "auto" policy."""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from kpisim._validation import ModelError
from kpisim.models._base import NUMERIC_KINDS, Model

__all__ = ["available", "default_model_for", "get_model", "register_model"]

F = TypeVar("F", bound=Callable[..., Any])

_REGISTRY: dict[str, Callable[..., Model]] = {}


def _ensure_builtins() -> None:
    # kpisim.models registers the built-in models when imported.
    importlib.import_module("kpisim.models")


def register_model(name: str, *, overwrite: bool = False) -> Callable[[F], F]:
    """Register a model factory under ``name`` (a class decorator).

    Parameters
    ----------
    name : str
        The name users pass as ``model="name"``.
    overwrite : bool, default False
        Replace an existing registration instead of refusing.

    Returns
    -------
    decorator
        Registers and returns the decorated class (or factory function)
        unchanged. Calling it with the options must return an object with
        ``name``, ``min_history`` and ``fit`` (the :class:`Model` protocol).

    Examples
    --------
    >>> from kpisim.models import register_model, LogGrowth
    >>> @register_model("flat", overwrite=True)
    ... class Flat(LogGrowth):
    ...     '''Log growth with no drift uncertainty.'''
    """
    if not isinstance(name, str) or not name.strip():
        msg = f"`name` must be a non-empty string; got {name!r}."
        raise ModelError(msg)

    def decorator(factory: F) -> F:
        if name in _REGISTRY and not overwrite and _REGISTRY[name] is not factory:
            msg = (
                f"a model named `{name}` is already registered; pass "
                "`overwrite=True` to replace it."
            )
            raise ModelError(msg)
        _REGISTRY[name] = factory
        return factory

    return decorator


def get_model(name_or_model: str | Model, **options: Any) -> Model:
    """Return a model from a registered name or a model instance.

    Parameters
    ----------
    name_or_model : str or Model
        A registered name (see :func:`available`), a model instance (returned
        as is, or with ``options`` applied via :func:`dataclasses.replace`), or
        a model class.
    **options
        Options of the model, e.g. ``get_model("loggrowth", shocks="t")``.

    Raises
    ------
    ModelError
        Unknown name (the message lists the registered ones) or bad options.
    """
    if isinstance(name_or_model, str):
        _ensure_builtins()
        key = name_or_model.strip().lower() if name_or_model not in _REGISTRY else name_or_model
        if key not in _REGISTRY:
            msg = f"unknown model {name_or_model!r}; available: {sorted(_REGISTRY)}."
            raise ModelError(msg)
        factory = _REGISTRY[key]
        try:
            model = factory(**options)
        except TypeError as e:
            msg = f"model `{key}`: bad options {sorted(options)}: {e}."
            raise ModelError(msg) from e
        return model
    if isinstance(name_or_model, type):
        try:
            return name_or_model(**options)
        except TypeError as e:
            msg = f"model `{name_or_model.__name__}`: bad options {sorted(options)}: {e}."
            raise ModelError(msg) from e
    if isinstance(name_or_model, Model):
        if not options:
            return name_or_model
        if dataclasses.is_dataclass(name_or_model):
            try:
                return dataclasses.replace(name_or_model, **options)
            except TypeError as e:
                msg = f"model `{name_or_model.name}`: bad options {sorted(options)}: {e}."
                raise ModelError(msg) from e
        msg = f"model `{name_or_model.name}` is an instance; options cannot be applied to it."
        raise ModelError(msg)
    msg = (
        "`model` must be a registered name or an object with `name`, "
        f"`min_history` and `fit`; got {type(name_or_model).__name__}."
    )
    raise TypeError(msg)


def _describe(factory: Callable[..., Any]) -> str:
    text = getattr(factory, "description", None)
    if isinstance(text, str) and text:
        return text
    doc = (getattr(factory, "__doc__", None) or "").strip()
    return doc.splitlines()[0] if doc else ""


def available() -> pd.DataFrame:
    """List the registered models.

    Returns
    -------
    pandas.DataFrame
        Columns ``name``, ``min_history`` (observed actuals needed without a
        prior), ``kinds`` (indicator kinds it is meant for, comma-separated)
        and ``description``, one row per model in registration order.
    """
    _ensure_builtins()
    rows = []
    for name, factory in _REGISTRY.items():
        min_history = getattr(factory, "min_history", None)
        if not isinstance(min_history, int):
            try:
                min_history = int(factory().min_history)
            except Exception:  # a user factory may need options
                min_history = None
        kinds = getattr(factory, "kinds", NUMERIC_KINDS)
        rows.append({
            "name": name,
            "min_history": min_history,
            "kinds": ", ".join(kinds),
            "description": _describe(factory),
        })
    frame = pd.DataFrame(rows, columns=["name", "min_history", "kinds", "description"])
    frame["min_history"] = frame["min_history"].astype("Int64")
    return frame


def default_model_for(indicator_kind: str, n_obs: int) -> str:
    """The "auto" policy: which model to use for an indicator.

    Parameters
    ----------
    indicator_kind : {"count", "level", "share", "ratio", "grade"}
    n_obs : int
        Number of observed actuals.

    Returns
    -------
    str
        ``"refgrowth"`` for every numeric kind and history length.

    Raises
    ------
    ModelError
        For grades (they use the grade model), unknown kinds, or a negative
        ``n_obs``.

    Notes
    -----
    ``refgrowth`` (:class:`kpisim.models.RefGrowth`) works from one actual:
    its drift is pooled toward the reference class of real yearly series,
    damped, and bounded values (shares, scores with ``bounds``) are simulated
    on a logit scale. Values ≤ 0 without bounds cannot use it: use
    ``"linear"`` (3+ points). ``n_obs`` is validated and kept for custom
    policies that depend on it.
    """
    if indicator_kind == "grade":
        msg = (
            "grade indicators are not simulated by a numeric model; kpisim.simulate "
            "uses its `grade_model` for them (default `markov_grade`, a Markov chain "
            "over the grade scale)."
        )
        raise ModelError(msg)
    if indicator_kind not in NUMERIC_KINDS:
        msg = (
            f"`indicator_kind` must be one of {[*NUMERIC_KINDS, 'grade']}; "
            f"got {indicator_kind!r}."
        )
        raise ModelError(msg)
    if isinstance(n_obs, bool) or not isinstance(n_obs, (int, np.integer)) or n_obs < 0:
        msg = f"`n_obs` must be an integer ≥ 0; got {n_obs!r}."
        raise ModelError(msg)
    return "refgrowth"
