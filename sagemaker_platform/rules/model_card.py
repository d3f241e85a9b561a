"""Model-card metric rules from the card's CloudFormation schema (``AWS::SageMaker::ModelCard``), CDK-free so the
config model and the construct check a metric the same way.

A metric of an evaluation's metric group has a ``type`` and a ``value`` whose shape follows the type:

- ``number``, ``string``, ``boolean``: one value of that type (a string at most 63 characters);
- ``linear_graph``: one or more ``[x, y]`` points (numbers or strings);
- ``bar_chart``: one or more bars (numbers or strings); ``x_axis_name`` is a list of names;
- ``matrix``: 1-20 rows of 1-20 cells (numbers or strings); both axis names are lists.

Axis names are at most 63 characters each.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

SIMPLE_METRIC_TYPES = ("number", "string", "boolean")
METRIC_TYPES = (*SIMPLE_METRIC_TYPES, "linear_graph", "bar_chart", "matrix")
# Axis names as a list (True) or a single string (False), per type: (x, y).
AXIS_LISTS = {
    "number": (False, False),
    "string": (False, False),
    "boolean": (False, False),
    "linear_graph": (False, False),
    "bar_chart": (True, False),
    "matrix": (True, True),
}
MAX_NAME = 255  # metric names
MAX_GROUP_NAME = 63  # metric group and evaluation names
MAX_AXIS_NAME = 63
MAX_STRING_VALUE = 63
MAX_MATRIX = 20
MAX_NOTES = 1024
MAX_TRAINING_METRICS = 50


def _cell(value: Any) -> bool:
    return isinstance(value, str) or (isinstance(value, (int, float)) and not isinstance(value, bool))


def value_problem(metric_type: str, value: Any) -> str | None:
    """Why ``value`` does not fit a metric of ``metric_type``, or None."""
    if metric_type not in METRIC_TYPES:
        return f"type must be one of {', '.join(METRIC_TYPES)} (got {metric_type!r})"
    if metric_type == "number":
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        return None if ok else f"a number metric's value must be a number (got {value!r})"
    if metric_type == "boolean":
        return None if isinstance(value, bool) else f"a boolean metric's value must be true or false (got {value!r})"
    if metric_type == "string":
        if not isinstance(value, str) or len(value) > MAX_STRING_VALUE:
            return f"a string metric's value must be a string of at most {MAX_STRING_VALUE} characters (got {value!r})"
        return None
    if not isinstance(value, list) or not value:
        return f"a {metric_type} metric's value must be a non-empty list (got {value!r})"
    if metric_type == "bar_chart":
        bad = [v for v in value if not _cell(v)]
        return f"a bar_chart metric's bars must be numbers or strings (got {bad[0]!r})" if bad else None
    if metric_type == "linear_graph":
        for point in value:
            if not (isinstance(point, list) and len(point) == 2 and all(_cell(v) for v in point)):
                return f"a linear_graph metric's points must be [x, y] pairs of numbers or strings (got {point!r})"
        return None
    if len(value) > MAX_MATRIX:
        return f"a matrix metric has at most {MAX_MATRIX} rows (got {len(value)})"
    for row in value:
        if not (isinstance(row, list) and 1 <= len(row) <= MAX_MATRIX and all(_cell(v) for v in row)):
            return f"a matrix metric's rows must be lists of 1-{MAX_MATRIX} numbers or strings (got {row!r})"
    return None


def axis_problem(metric_type: str, axis: str, names: str | Sequence[str] | None) -> str | None:
    """Why an axis name does not fit a metric of ``metric_type`` (``axis`` is "x" or "y"), or None."""
    if names is None or metric_type not in AXIS_LISTS:
        return None
    as_list = AXIS_LISTS[metric_type][0 if axis == "x" else 1]
    field = f"{axis}_axis_name"
    if as_list:
        if isinstance(names, str) or not all(isinstance(n, str) and len(n) <= MAX_AXIS_NAME for n in names):
            return (
                f"{field} of a {metric_type} metric is a list of names of at most {MAX_AXIS_NAME} characters "
                f"(got {names!r})"
            )
        return None
    if not isinstance(names, str) or len(names) > MAX_AXIS_NAME:
        return f"{field} of a {metric_type} metric is one name of at most {MAX_AXIS_NAME} characters (got {names!r})"
    return None
