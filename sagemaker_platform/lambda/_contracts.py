"""The properties of each custom resource, defined once, as plain data.

The handler parses its event with :func:`parse`, the construct builds its properties with :func:`build` (it loads
this file through ``constructs.handler_provider.load_contracts``: the Lambda asset's modules import each other as
top-level modules, so it is not part of the ``sagemaker_platform`` package), and a contract test feeds the
synthesized properties of every ``Custom::*`` resource to :func:`parse`. This module needs only the standard
library: it runs in the Lambda function.

Kinds of value (CloudFormation sends every scalar as a string):
  ``str``      a non-empty string
  ``bool``     ``"true"`` or ``"false"``
  ``int``      a decimal integer as a string
  ``list``     a list of non-empty strings
  ``objects``  a list of objects (``Rules`` of a CORS configuration)
  ``object``   an object (an API structure)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Prop:
    """One property: its kind and whether the handler needs it."""

    kind: str
    required: bool = False


@dataclass(frozen=True)
class Contract:
    """The properties of one custom resource type, and the handler (module) that serves it."""

    resource_type: str
    handler: str
    properties: Mapping[str, Prop]


# Properties CloudFormation or the Provider framework add themselves.
FRAMEWORK_PROPERTIES = frozenset({"ServiceToken"})

CONTRACTS: dict[str, Contract] = {
    c.resource_type: c
    for c in (
        Contract("Custom::StudioTeardown", "studio_teardown", {
            "DomainId": Prop("str", required=True),
            "UserProfileNames": Prop("list"),
            "SpaceNames": Prop("list"),
            "DeletePrivateSpaceData": Prop("bool"),
            "TimeoutMinutes": Prop("int"),
        }),
        Contract("Custom::StudioDomainCleanup", "domain_leftovers", {
            "DomainId": Prop("str", required=True),
            "VpcId": Prop("str", required=True),
            "HomeEfs": Prop("str"),
            "HomeEfsFileSystemId": Prop("str"),
        }),
        Contract("Custom::CanvasSettings", "canvas_settings", {
            "DomainId": Prop("str", required=True),
            "UserProfileName": Prop("str"),
            "CanvasAppSettings": Prop("object"),
        }),
        Contract("Custom::SageMakerProjects", "projects", {
            "PrincipalArns": Prop("list"),
        }),
        Contract("Custom::BucketCors", "bucket_cors", {
            "BucketName": Prop("str", required=True),
            "Rules": Prop("objects"),
        }),
        Contract("Custom::HubContent", "hub_content", {
            "HubName": Prop("str", required=True),
            "HubContentType": Prop("str", required=True),
            "HubContentName": Prop("str", required=True),
            "HubContentVersion": Prop("str", required=True),
            "DocumentSchemaVersion": Prop("str", required=True),
            "HubContentDocument": Prop("str", required=True),
            "HubContentDisplayName": Prop("str"),
            "HubContentDescription": Prop("str"),
            "HubContentMarkdown": Prop("str"),
            "HubContentSearchKeywords": Prop("list"),
            "SupportStatus": Prop("str"),
        }),
        Contract("Custom::HubModelReference", "hub_content", {
            "HubName": Prop("str", required=True),
            "HubContentType": Prop("str", required=True),
            "HubContentName": Prop("str", required=True),
            "SageMakerPublicHubContentArn": Prop("str", required=True),
            "MinVersion": Prop("str"),
        }),
        Contract("Custom::ModelCardExport", "model_card_export", {
            "ModelCardName": Prop("str", required=True),
            "ModelCardVersion": Prop("int", required=True),
            "BucketName": Prop("str", required=True),
            "Prefix": Prop("str"),
        }),
    )
}


def _is_intrinsic(value: Any) -> bool:
    """A CloudFormation function (``{"Ref": ...}``, ``{"Fn::GetAtt": ...}``): its value is known at deploy time."""
    return isinstance(value, dict) and len(value) == 1 and next(iter(value)).startswith(("Ref", "Fn::"))


def _kind_problem(kind: str, value: Any) -> str | None:
    if _is_intrinsic(value):
        return None if kind in ("str", "bool", "int", "list") else "must be a literal"
    if kind == "str":
        return None if isinstance(value, str) and value.strip() else "must be a non-empty string"
    if kind == "bool":
        return None if isinstance(value, str) and value in ("true", "false") else "must be 'true' or 'false'"
    if kind == "int":
        return None if isinstance(value, str) and value.strip().isdigit() else "must be an integer as a string"
    if kind == "list":
        ok = isinstance(value, list) and all((isinstance(v, str) and v) or _is_intrinsic(v) for v in value)
        return None if ok else "must be a list of non-empty strings"
    if kind == "objects":
        ok = isinstance(value, list) and all(isinstance(v, dict) for v in value)
        return None if ok else "must be a list of objects"
    if kind == "object":
        return None if isinstance(value, dict) else "must be an object"
    raise ValueError(f"unknown property kind {kind!r}")


def parse(resource_type: str, properties: Mapping[str, Any]) -> dict[str, Any]:
    """The properties of a ``resource_type`` request, checked against its contract (the framework's own removed):
    every required property present, no unknown property, every value of its kind. Raises ValueError naming the
    property."""
    contract = CONTRACTS.get(resource_type)
    if contract is None:
        raise ValueError(f"no contract for resource type {resource_type!r}")
    props = {k: v for k, v in properties.items() if k not in FRAMEWORK_PROPERTIES}
    unknown = sorted(set(props) - set(contract.properties))
    if unknown:
        raise ValueError(f"{resource_type}: unknown property {unknown[0]} (known: {', '.join(contract.properties)})")
    for name, prop in contract.properties.items():
        value = props.get(name)
        if value is None:
            if prop.required:
                raise ValueError(f"{resource_type}: property {name} is required")
            continue
        problem = _kind_problem(prop.kind, value)
        if problem is not None:
            raise ValueError(f"{resource_type}: property {name} {problem}, got {value!r}")
    return props


def build(resource_type: str, **values: Any) -> dict[str, Any]:
    """The properties of a ``resource_type`` as a construct declares them: names checked against the contract
    (a value of None leaves the property out; values may be tokens, resolved at synth)."""
    contract = CONTRACTS[resource_type]
    unknown = sorted(set(values) - set(contract.properties))
    if unknown:
        raise ValueError(f"{resource_type}: unknown property {unknown[0]} (known: {', '.join(contract.properties)})")
    props = {k: v for k, v in values.items() if v is not None}
    missing = [name for name, prop in contract.properties.items() if prop.required and name not in props]
    if missing:
        raise ValueError(f"{resource_type}: property {missing[0]} is required")
    return props
