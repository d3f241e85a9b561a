"""What every rule shares: the token test and the one error type a rule raises.

A rule names the field it checked (relative to what it was given, e.g. ``variants[1].volume_size_gb``), says what
is wrong and carries the bad value; the caller adds where it came from: a construct its own name, the config model
its path in the file. So one rule gives the same words in both layers.
"""

from __future__ import annotations

import re

_TOKEN = re.compile(r"\$\{Token\[[^\]]+\]\}")


def is_token(value: object) -> bool:
    """True for a string holding an unresolved CDK token (its value is only known at deploy time), so a literal
    check cannot apply; aws-cdk-lib's own L2s skip their checks for tokens the same way."""
    return isinstance(value, str) and bool(_TOKEN.search(value))


class RuleError(ValueError):
    """A broken rule: ``field`` (relative to the checked object), ``problem`` (what is wrong) and ``value``."""

    def __init__(self, field: str, problem: str, value: object) -> None:
        self.field = field
        self.problem = problem
        self.value = value
        super().__init__(f"{field}: {problem} (got {value!r})")

    def under(self, prefix: str) -> RuleError:
        """The same error with ``prefix`` in front of its field (for a rule applied to a nested object)."""
        return RuleError(f"{prefix}.{self.field}" if self.field else prefix, self.problem, self.value)


def check_range(field: str, value: float | None, low: float, high: float) -> None:
    """``low <= value <= high`` unless the value is unset."""
    if value is not None and not low <= value <= high:
        raise RuleError(field, f"must be between {low} and {high}", value)
