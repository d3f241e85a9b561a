"""CDK-free rules shared by the config model and the constructs: CloudFormation enums and derived names.

Enums: the values CloudFormation accepts come from its registry schemas. The package must not need cfn-lint (where
those schemas ship) at run time, so they are copied into ``instance_types.py`` by ``python -m
sagemaker_platform.rules > sagemaker_platform/instance_types.py`` and a test fails when the copy drifts from the
schemas cfn-lint carries. The checks are token-aware: a CDK token (``${Token[...]}``) is only known at deploy time,
so it skips the literal check.

Derived names: a change to a create-only property makes CloudFormation replace the resource, creating the new one
before deleting the old one; under an unchanged custom name that create fails. A name that carries a digest of
every create-only value (``name_digest``) changes whenever a replacement is due, and a namespace in the digest keeps
the same resource of two stacks or environments apart.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Any

from sagemaker_platform import instance_types as tables

_TOKEN = re.compile(r"\$\{Token\[[^\]]+\]\}")

# table name in instance_types.py -> (resource type, JSON pointer of the enum in that type's registry schema)
SCHEMA_ENUMS: dict[str, tuple[str, str]] = {
    "HOSTING_INSTANCE_TYPES": (
        "AWS::SageMaker::EndpointConfig",
        "/definitions/ProductionVariant/properties/InstanceType",
    ),
    "STUDIO_INSTANCE_TYPES": ("AWS::SageMaker::Domain", "/definitions/AppInstanceType"),
    "HIDDEN_APP_TYPES": ("AWS::SageMaker::Domain", "/definitions/AppType"),
    "LIFECYCLE_CONFIG_APP_TYPES": (
        "AWS::SageMaker::StudioLifecycleConfig",
        "/properties/StudioLifecycleConfigAppType",
    ),
}
# What each table holds, for error messages: "<owner> <field>: not <WHAT> (got <value>)".
_WHAT = {
    "HOSTING_INSTANCE_TYPES": "a SageMaker hosting instance type",
    "STUDIO_INSTANCE_TYPES": "a SageMaker Studio app instance type",
    "HIDDEN_APP_TYPES": "an app type Studio can hide",
    "LIFECYCLE_CONFIG_APP_TYPES": "an app type that takes lifecycle configurations",
}


def is_token(value: object) -> bool:
    """True for a string holding an unresolved CDK token (its value is only known at deploy time)."""
    return isinstance(value, str) and bool(_TOKEN.search(value))


def enum_problem(table: str, value: object) -> str | None:
    """What is wrong with ``value`` for the enum ``table`` (a name in ``SCHEMA_ENUMS``), or None if it is valid
    or a token. The text names neither the field nor the value: callers add both."""
    allowed: Collection[str] = getattr(tables, table)
    if is_token(value) or (isinstance(value, str) and value in allowed):
        return None
    if len(allowed) <= 12:
        return f"must be one of {', '.join(sorted(allowed))}"
    near = sorted(v for v in allowed if isinstance(value, str) and v.split(".")[:2] == value.split(".")[:2])
    hint = f"; known in this family: {', '.join(near[:8])}" if near else ""
    return f"not {_WHAT[table]}{hint}"


def _check(table: str, where: str, value: object) -> str:
    problem = enum_problem(table, value)
    if problem is not None:
        raise ValueError(f"{where}: {problem} (got {value!r})")
    return str(value)


def config_validator(table: str) -> Callable[[str], str]:
    """A pydantic ``AfterValidator`` for the enum ``table``; the config's error adds the field path and value."""

    def check(value: str) -> str:
        problem = enum_problem(table, value)
        if problem is not None:
            raise ValueError(problem)
        return value

    return check


def hosting_instance_type(where: str, value: str) -> str:
    """An endpoint variant's instance type, as ``AWS::SageMaker::EndpointConfig`` accepts it."""
    return _check("HOSTING_INSTANCE_TYPES", where, value)


def studio_instance_type(where: str, value: str) -> str:
    """A Studio app instance type, as the domain's settings (e.g. ``HiddenInstanceTypes``) accept it."""
    return _check("STUDIO_INSTANCE_TYPES", where, value)


def hidden_app_type(where: str, value: str) -> str:
    """An app type the domain's ``StudioWebPortalSettings.HiddenAppTypes`` accepts."""
    return _check("HIDDEN_APP_TYPES", where, value)


def lifecycle_config_app_type(where: str, value: str) -> str:
    """An app type ``AWS::SageMaker::StudioLifecycleConfig`` accepts."""
    return _check("LIFECYCLE_CONFIG_APP_TYPES", where, value)


# --------------------------------------------------------------------------------------------------- names
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


# --------------------------------------------------------------------------------------------------- tables
def load_schema_enums() -> dict[str, list[str]]:
    """The enums of ``SCHEMA_ENUMS`` from the registry schemas cfn-lint ships (a test and generator dependency)."""
    from cfnlint.schema.manager import PROVIDER_SCHEMA_MANAGER

    out: dict[str, list[str]] = {}
    for table, (resource_type, pointer) in SCHEMA_ENUMS.items():
        node: Any = PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", resource_type).schema
        for part in pointer.strip("/").split("/"):
            node = node[part]
        out[table] = sorted(node["enum"])
    return out


def render_tables(enums: Mapping[str, Iterable[str]], schema_date: str) -> str:
    """The source of ``instance_types.py`` for these enums."""
    lines = [
        f'"""Enums CloudFormation accepts, copied from its registry schemas (cfn-lint data dated {schema_date}).',
        "",
        "Generated by ``python -m sagemaker_platform.rules > sagemaker_platform/instance_types.py``; do not edit.",
        "tests/template/test_construct_options.py fails when these drift from the schemas cfn-lint ships.",
        '"""',
        "",
    ]
    for table, values in enums.items():
        resource_type, pointer = SCHEMA_ENUMS[table]
        lines.append(f"# {resource_type} {pointer}")
        lines.append(f"{table}: frozenset[str] = frozenset({{")
        lines.extend(f'    "{v}",' for v in values)
        lines.append("})")
        lines.append("")
    return "\n".join(lines)


def schema_date() -> str:
    from pathlib import Path

    import cfnlint.data.schemas

    version = Path(cfnlint.data.schemas.__file__).parent / "version.json"
    return str(json.loads(version.read_text(encoding="utf-8")).get("schema_date", "unknown"))


if __name__ == "__main__":
    print(render_tables(load_schema_enums(), schema_date()), end="")
