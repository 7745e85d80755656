"""Column roles: numeric, categorical, boolean, datetime, id-like or the model version."""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

from .._validation import RoleWarning, check_frame, check_mapping, check_names, check_option, warn
from .._vocabulary import ROLES, VERSION

#: A string column with at least this share of distinct values per non-missing row is an id.
ID_DISTINCT_SHARE = 0.95
#: Columns with fewer non-missing rows than this are never called id-like.
ID_MIN_ROWS = 20
_ID_NAME = re.compile(r"(^|[_\W])(id|uuid|guid|key)$|[a-z]Id$", re.IGNORECASE)
#: A column named like this holds the model version (``model_version``, ``modelVersion``).
_VERSION_NAME = re.compile(r"(model[_\W]?)?version", re.IGNORECASE)


def _object_value_kinds(values: pd.Series) -> set[str]:
    """Kinds of the Python values in an object column ('str', 'bool', 'number', 'other')."""
    kinds: set[str] = set()
    for value in pd.unique(values.dropna()):
        if isinstance(value, (bool, np.bool_)):
            kinds.add("bool")
        elif isinstance(value, (int, float, np.integer, np.floating)):
            kinds.add("number")
        elif isinstance(value, str):
            kinds.add("str")
        else:
            kinds.add(type(value).__name__)
        if len(kinds) > 1:
            break
    return kinds


def _looks_like_id(series: pd.Series, name: str, *, integer: bool) -> bool:
    non_missing = series.dropna()
    n = len(non_missing)
    if n < ID_MIN_ROWS:
        return False
    n_distinct = non_missing.nunique()
    if not integer:
        return n_distinct >= ID_DISTINCT_SHARE * n
    # Integer columns: all distinct and either named like an id or strictly increasing.
    return n_distinct == n and (
        bool(_ID_NAME.search(name)) or bool(non_missing.is_monotonic_increasing)
    )


def infer_role(series: pd.Series, name: str) -> str:
    """Infer the role of one column.

    Parameters
    ----------
    series : pandas.Series
        The column; pandas nullable and pyarrow-backed dtypes are understood.
    name : str
        The column name, used in messages, to recognise integer ids and the model version
        (a column named ``model_version``, ``modelVersion`` or ``version``).

    Returns
    -------
    str
        One of ``{'numeric', 'categorical', 'boolean', 'datetime', 'id', 'version'}``.

    Raises
    ------
    TypeError
        If an object column mixes value types (for example strings and numbers).

    Examples
    --------
    >>> import pandas as pd
    >>> infer_role(pd.Series([1.5, 2.0, None]), "income")
    'numeric'
    >>> infer_role(pd.Series(["a", "b", "a"]), "region")
    'categorical'
    >>> infer_role(pd.Series(["1.4.0", "1.5.0"]), "model_version")
    'version'
    """
    dtype = series.dtype
    datetime_like = pd.api.types.is_datetime64_any_dtype(dtype) or str(dtype).startswith(
        "timestamp["
    )
    if _VERSION_NAME.fullmatch(name) and not datetime_like:
        return VERSION
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_datetime64_any_dtype(dtype) or str(dtype).startswith("timestamp["):
        return "datetime"
    if isinstance(dtype, pd.CategoricalDtype):
        return "categorical"
    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_complex_dtype(dtype):
        integer = pd.api.types.is_integer_dtype(dtype)
        return "id" if integer and _looks_like_id(series, name, integer=True) else "numeric"
    if pd.api.types.is_string_dtype(dtype) and not pd.api.types.is_object_dtype(dtype):
        return "id" if _looks_like_id(series, name, integer=False) else "categorical"
    if pd.api.types.is_object_dtype(dtype):
        kinds = _object_value_kinds(series)
        if not kinds:
            return "categorical"  # all missing: defined, reported as insufficient data
        if kinds == {"str"}:
            return "id" if _looks_like_id(series, name, integer=False) else "categorical"
        if kinds == {"bool"}:
            return "boolean"
        if kinds == {"number"}:
            return "numeric"
        if kinds <= {"Timestamp", "datetime", "date"}:
            return "datetime"
        raise TypeError(
            f"column {name!r} mixes value types ({', '.join(sorted(kinds))}); cast it, e.g. "
            f"df[{name!r}] = df[{name!r}].astype(str), or set its role with "
            f"roles={{{name!r}: 'categorical'}}"
        )
    raise TypeError(
        f"column {name!r} has dtype {dtype} which has no drift role; "
        f"set roles={{{name!r}: 'ignore'}} or convert it"
    )


def infer_roles(frame: pd.DataFrame, roles: Mapping[str, str] | None = None) -> dict[str, str]:
    """Infer the role of every column of ``frame``, with explicit ``roles`` taking precedence.

    Id-like columns (a string column with nearly one distinct value per row, or an integer
    column of distinct values named like an id or increasing) are excluded from drift with
    a :class:`RoleWarning`; set their role explicitly to keep them.

    Parameters
    ----------
    frame : pandas.DataFrame
        The reference data.
    roles : dict, optional
        Column name -> one of ``{'numeric', 'categorical', 'boolean', 'datetime', 'id',
        'version', 'ignore'}``.

    Returns
    -------
    dict
        Column name -> role, in the frame's column order.

    Examples
    --------
    >>> import pandas as pd
    >>> ts = pd.to_datetime(["2024-01-01"] * 2)
    >>> df = pd.DataFrame({"x": [1.0, 2.0], "flag": [True, False], "ts": ts})
    >>> infer_roles(df)
    {'x': 'numeric', 'flag': 'boolean', 'ts': 'datetime'}
    >>> infer_roles(df, roles={"x": "categorical"})["x"]
    'categorical'
    """
    check_frame("reference", frame, allow_empty_rows=True)
    roles = dict(check_mapping("roles", roles))
    check_names("roles", roles, frame.columns)
    for column, role in roles.items():
        check_option(f"roles[{column!r}]", role, ROLES)
    result: dict[str, str] = {}
    for column in frame.columns:
        if column in roles:
            result[column] = roles[column]
            continue
        role = infer_role(frame[column], column)
        if role == VERSION:
            warn(
                f"column {column!r} looks like the model version: a new value is recorded as a "
                f"retraining event, never tested for drift; pass roles={{{column!r}: "
                f"'version'}} to confirm and silence this warning, or roles={{{column!r}: "
                f"'categorical'}} to monitor it as a feature",
                RoleWarning,
            )
        if role == "id":
            warn(
                f"column {column!r} looks like an id (nearly one distinct value per row) and is "
                f"excluded from drift; pass roles={{{column!r}: 'categorical'}} to monitor it, "
                f"or roles={{{column!r}: 'id'}} to confirm and silence this warning",
                RoleWarning,
            )
        result[column] = role
    return result
