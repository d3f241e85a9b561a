"""Names: one definition per kind of name (the API's pattern with its length limit), and derived names.

Each kind is a :class:`NameRule`: its ``pattern`` is an anchored regular expression the config model hands to
pydantic (so it also lands in the config's JSON schema) and its :meth:`NameRule.check` is what constructs call. A
token skips the check: its value is only known at deploy time.

Derived names: a change to a create-only property makes CloudFormation replace the resource, creating the new one
before deleting the old one; under an unchanged custom name that create fails. A name that carries a digest of
every create-only value (``name_digest``) changes whenever a replacement is due, and a namespace in the digest keeps
the same resource of two stacks or environments apart.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sagemaker_platform.rules.core import RuleError, is_token


@dataclass(frozen=True)
class NameRule:
    """One kind of name: an anchored ``pattern`` and the ``hint`` an error shows when a name breaks it."""

    pattern: str
    hint: str
    regex: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "regex", re.compile(self.pattern))

    def accepts(self, value: str) -> bool:
        """True for a matching literal or a token."""
        return is_token(value) or self.regex.fullmatch(value) is not None

    def check(self, field_name: str, value: str) -> str:
        """``value`` if it is a valid name (or a token), else a :class:`RuleError` naming ``field_name``."""
        if not self.accepts(value):
            raise RuleError(field_name, self.hint, value)
        return value


def _sagemaker(limit: int) -> NameRule:
    """SageMaker's entity-name pattern ``[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}``, with at most ``limit`` characters."""
    return NameRule(
        rf"^[a-zA-Z0-9](-*[a-zA-Z0-9]){{0,{limit - 1}}}$",
        f"letters, digits and hyphens (not first or last), at most {limit} characters",
    )


# Domains, user profiles, endpoints, variants, models, model package groups, model cards, hubs.
RESOURCE_NAME = _sagemaker(63)
# The guide limits space names to 62 characters (the API's pattern would take 63).
SPACE_NAME = _sagemaker(62)
# MLflow tracking servers (the schema allows longer names than other SageMaker entities).
TRACKING_SERVER_NAME = _sagemaker(256)
# Lifecycle configs are named <name>-<digest> (see derived_name), so the given name keeps room for the digest.
LIFECYCLE_CONFIG_NAME = _sagemaker(40)
BUCKET_NAME = NameRule(
    r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", "an S3 bucket name: 3-63 lowercase letters, digits, '.' and '-'"
)
# An S3 key prefix: safe characters, no leading, trailing or doubled '/'.
S3_PREFIX = NameRule(
    r"^[a-zA-Z0-9!_.*'()-]+(/[a-zA-Z0-9!_.*'()-]+)*$", "an S3 key prefix without leading or trailing '/'"
)
# Model card custom_details keys (the card's JSON schema names properties this way).
CUSTOM_DETAIL_KEY = NameRule(
    r"^[a-zA-Z_][a-zA-Z0-9_]*$", "letters, digits and '_', not starting with a digit"
)
# The platform's own prefix parts: stack names and every resource name start with <platform>-<environment>.
PLATFORM_NAME = NameRule(r"^[a-z][a-z0-9-]{0,19}$", "a lowercase letter, then up to 19 lowercase letters, digits, '-'")
ENVIRONMENT_NAME = NameRule(
    r"^[a-z][a-z0-9-]{0,11}$", "a lowercase letter, then up to 11 lowercase letters, digits, '-'"
)


def canonical(values: Mapping[str, Any]) -> str:
    """Stable JSON of CloudFormation property values; ``Tags`` lists become key -> value maps, so the order in which
    tags were added does not matter (CloudFormation does not keep it either)."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if key == "Tags" and isinstance(value, list):
            value = {t["Key"]: t["Value"] for t in value}
        out[key] = value
    return json.dumps(out, sort_keys=True, separators=(",", ":"), default=str)


def name_digest(namespace: str, values: Mapping[str, Any], length: int = 10) -> str:
    """A short hex digest of a namespace and a resource's create-only values (in CloudFormation's property names,
    as they appear in the template)."""
    text = f"{namespace}\n{canonical(values)}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]


def derived_name(base: str, digest: str, limit: int = 63) -> str:
    """``<base>-<digest>`` within ``limit`` characters, cutting the base (never the digest)."""
    head = base[: limit - len(digest) - 1].rstrip("-")
    return f"{head}-{digest}"


