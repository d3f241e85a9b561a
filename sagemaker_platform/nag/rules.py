"""The platform's own SageMaker rules, as plain functions over a resource's CloudFormation properties.

Each rule takes the resource type and its ``Properties`` as they appear in the template (strings, lists,
dicts, and intrinsics such as ``{"Ref": ...}`` or ``{"Fn::GetAtt": ...}``) and returns a :class:`Result`.
A value the rule cannot know at synth time (an intrinsic, a token) counts as present and unknown: the rule
stays quiet rather than guess. :mod:`sagemaker_platform.nag.pack` runs them on the synthesized templates.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import Enum
from typing import Any

from sagemaker_platform.rules import instances as _instances

DOMAIN = "AWS::SageMaker::Domain"
USER_PROFILE = "AWS::SageMaker::UserProfile"
SPACE = "AWS::SageMaker::Space"
NOTEBOOK_INSTANCE = "AWS::SageMaker::NotebookInstance"
ENDPOINT_CONFIG = "AWS::SageMaker::EndpointConfig"
IAM_ROLE = "AWS::IAM::Role"


class Result(Enum):
    COMPLIANT = "COMPLIANT"
    NON_COMPLIANT = "NON_COMPLIANT"
    NOT_APPLICABLE = "NOT_APPLICABLE"


@dataclass(frozen=True)
class Rule:
    """One check: ``suffix`` makes the rule id ``SageMakerPlatform-<suffix>``."""

    suffix: str
    resource_types: frozenset[str]
    info: str
    explanation: str
    check: Callable[[str, dict[str, Any]], Result]


# --------------------------------------------------------------------------------------------------- helpers
def is_intrinsic(value: Any) -> bool:
    """A CloudFormation intrinsic (``Ref``, ``Fn::*``) or an unresolved CDK token string: unknown at synth."""
    if isinstance(value, dict) and len(value) == 1:
        (key,) = value
        return key == "Ref" or key.startswith("Fn::")
    return isinstance(value, str) and "${Token[" in value


def dig(props: Any, *path: str) -> Any:
    """``props[path[0]][path[1]]...`` or None when any step is missing or not a plain object."""
    current = props
    for key in path:
        if not isinstance(current, dict) or is_intrinsic(current):
            return None
        current = current.get(key)
    return current


def _ok(compliant: bool) -> Result:
    return Result.COMPLIANT if compliant else Result.NON_COMPLIANT


def _walk(value: Any) -> Iterator[tuple[str, Any, dict[str, Any]]]:
    """Every (key, value, owning object) in a property tree, intrinsics excluded."""
    if isinstance(value, dict) and not is_intrinsic(value):
        for key, child in value.items():
            yield key, child, value
            yield from _walk(child)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item)


def _equals(value: Any, expected: str) -> bool:
    """Case-insensitive comparison for a literal; False for an intrinsic (unknown)."""
    return isinstance(value, str) and not is_intrinsic(value) and value.lower() == expected.lower()


# --------------------------------------------------------------------------------------------------- SM1, SM2
def domain_vpc_only(_type: str, props: dict[str, Any]) -> Result:
    """SM1: the domain's apps reach the network only through the VPC (``AppNetworkAccessType: VpcOnly``).

    CloudFormation's default, when the property is absent, is ``PublicInternetOnly``.
    """
    value = props.get("AppNetworkAccessType")
    if is_intrinsic(value):
        return Result.COMPLIANT
    return _ok(_equals(value, "VpcOnly"))


def domain_kms_key(_type: str, props: dict[str, Any]) -> Result:
    """SM2: the domain's home EFS volume is encrypted with a customer-managed key (``KmsKeyId``)."""
    return _ok(props.get("KmsKeyId") not in (None, ""))


# --------------------------------------------------------------------------------------------------- SM3
_IDLE_APPS = ("JupyterLabAppSettings", "CodeEditorAppSettings")


def _idle_state(app_settings: Any) -> Any:
    return dig(app_settings, "AppLifecycleManagement", "IdleSettings", "LifecycleManagement")


def idle_shutdown_enabled(resource_type: str, props: dict[str, Any]) -> Result:
    """SM3: built-in idle shutdown is on for JupyterLab and Code Editor.

    On a domain, ``DefaultUserSettings.<App>AppSettings`` ``AppLifecycleManagement.IdleSettings.``
    ``LifecycleManagement`` must be ``ENABLED`` for both apps (the schema has the setting for each). A user
    profile inherits the domain default and must not turn it off (``DISABLED`` in its own ``UserSettings``);
    the domain's default space settings must not turn it off either. Spaces have only a timeout, no switch,
    so they are governed by the domain.
    """
    if resource_type == DOMAIN:
        defaults = props.get("DefaultUserSettings")
        if is_intrinsic(defaults):
            return Result.COMPLIANT
        for app in _IDLE_APPS:
            state = _idle_state(dig(defaults, app))
            if not is_intrinsic(state) and not _equals(state, "ENABLED"):
                return Result.NON_COMPLIANT
        for app in _IDLE_APPS:
            if _equals(_idle_state(dig(props, "DefaultSpaceSettings", app)), "DISABLED"):
                return Result.NON_COMPLIANT
        return Result.COMPLIANT
    settings = props.get("UserSettings")
    for app in _IDLE_APPS:
        if _equals(_idle_state(dig(settings, app)), "DISABLED"):
            return Result.NON_COMPLIANT
    return Result.COMPLIANT


# --------------------------------------------------------------------------------------------------- SM4, SM5
def docker_access_off(_type: str, props: dict[str, Any]) -> Result:
    """SM4: Docker access from Studio apps is off (``DomainSettings.DockerSettings.EnableDockerAccess``).

    Absent means ``DISABLED``.
    """
    value = dig(props, "DomainSettings", "DockerSettings", "EnableDockerAccess")
    return _ok(not _equals(value, "ENABLED"))


def root_access_off(_type: str, props: dict[str, Any]) -> Result:
    """SM5: root access is off where the CloudFormation schema has the setting.

    Only ``AWS::SageMaker::NotebookInstance`` has one (``RootAccess``, default ``Enabled``): the Domain,
    UserProfile and Space schemas shipped with aws-cdk-lib 2.275 have no root-access property. In Studio,
    JupyterLab and Code Editor run as ``sagemaker-user`` with sudo inside the app container; Docker access
    (SM4) is the Studio setting that matters.
    """
    value = props.get("RootAccess")
    if is_intrinsic(value):
        return Result.COMPLIANT
    return _ok(_equals(value, "Disabled"))


# --------------------------------------------------------------------------------------------------- SM6
def _same(a: Any, b: Any) -> bool:
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


_PSEUDO = frozenset({"AWS::Partition", "AWS::Region", "AWS::AccountId", "AWS::URLSuffix"})


def _arn_form(value: Any) -> tuple[str, str] | None:
    """(kind, text) for an ARN whose identity is known at synth, else None.

    Literals and ``Fn::Join`` of literals and pseudo parameters (``format_arn``) are ``text``; a
    ``Fn::GetAtt`` names one resource of the template. Anything else (a parameter, an import) is unknown.
    """
    if isinstance(value, str):
        return None if is_intrinsic(value) else ("text", value)
    if not isinstance(value, dict) or len(value) != 1:
        return None
    (key, arg), = value.items()
    if key == "Fn::GetAtt":
        return ("getatt", json.dumps(arg))
    if key == "Ref" and arg in _PSEUDO:
        return ("text", f"<{arg}>")
    if key == "Fn::Join" and isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], list):
        parts = [_arn_form(part) for part in arg[1]]
        if all(part is not None and part[0] == "text" for part in parts):
            return ("text", str(arg[0]).join(part[1] for part in parts if part is not None))
    return None


def _differs(a: Any, b: Any) -> bool:
    """True only when two ARNs are certainly different resources."""
    fa, fb = _arn_form(a), _arn_form(b)
    return fa is not None and fb is not None and fa[0] == fb[0] and fa[1] != fb[1]


def default_lcc_in_list(_type: str, props: dict[str, Any]) -> Result:
    """SM6: a default lifecycle config (``DefaultResourceSpec.LifecycleConfigArn``) is in its app's list.

    SageMaker requires the default to be one of ``LifecycleConfigArns`` of the same app settings; an ARN left
    out of the list is detached. Checked for every ``*AppSettings`` object of a domain (user and space
    defaults), user profile or space that has a ``LifecycleConfigArns`` list; settings without the list
    (a space's JupyterLab and Code Editor settings) draw on the owner's list and are not checked here. A
    default that is missing from the list is a finding only when it certainly differs from every entry:
    literals and ``format_arn`` joins compare as text, ``Fn::GetAtt`` compares by resource; parameters and
    imports are unknown.
    """
    for key, value, _owner in _walk(props):
        if not key.endswith("AppSettings") or not isinstance(value, dict) or is_intrinsic(value):
            continue
        default = dig(value, "DefaultResourceSpec", "LifecycleConfigArn")
        if default in (None, "") or "LifecycleConfigArns" not in value:
            continue
        arns = value["LifecycleConfigArns"]
        if is_intrinsic(arns) or not isinstance(arns, list):
            continue
        if any(_same(arn, default) for arn in arns):
            continue
        if all(_differs(arn, default) for arn in arns):
            return Result.NON_COMPLIANT
    return Result.COMPLIANT


# --------------------------------------------------------------------------------------------------- SM7
_INTERNET_SETTINGS = {
    "AppNetworkAccessType": ("VpcOnly", True),  # anything but VpcOnly is an override to the internet
    "DirectInternetAccess": ("Enabled", False),  # Enabled is internet access
    "RemoteAccess": ("ENABLED", False),  # remote IDE connections from outside the VPC
}


def no_public_internet_override(_type: str, props: dict[str, Any]) -> Result:
    """SM7: user profiles, spaces and notebook instances add no path to the public internet.

    The network mode of Studio is the domain's (SM1); the UserProfile and Space schemas have no property that
    switches one profile or space to ``PublicInternetOnly``, so this rule catches what could: an escape-hatch
    override of ``AppNetworkAccessType`` to anything but ``VpcOnly``, a space with ``RemoteAccess: ENABLED``
    (remote IDE sessions from outside the VPC), and a notebook instance with ``DirectInternetAccess``
    ``Enabled`` (its default when absent).
    """
    for key, value, _owner in _walk(props):
        if key not in _INTERNET_SETTINGS or is_intrinsic(value):
            continue
        literal, must_equal = _INTERNET_SETTINGS[key]
        if _equals(value, literal) != must_equal:
            return Result.NON_COMPLIANT
    if _type == NOTEBOOK_INSTANCE and "DirectInternetAccess" not in props:
        return Result.NON_COMPLIANT
    return Result.COMPLIANT


# --------------------------------------------------------------------------------------------------- SM8
def has_instance_storage(instance_type: str) -> bool:
    """Whether SageMaker rejects a volume KMS key on this instance type (local NVMe storage, encrypted by the
    hardware): the package's CDK-free list, which the constructs and the config use too. Not an ``ml.*`` type: no."""
    try:
        return _instances.has_instance_storage(instance_type)
    except ValueError:
        return False



def endpoint_config_kms(_type: str, props: dict[str, Any]) -> Result:
    """SM8: an endpoint config encrypts its ML storage volumes with a KMS key (``KmsKeyId``).

    Not applicable when a production variant (or shadow variant) runs on an instance type with NVMe instance
    storage: SageMaker rejects ``KmsKeyId`` there. An instance type that is not a literal counts as unknown.
    """
    variants = [*(props.get("ProductionVariants") or []), *(props.get("ShadowProductionVariants") or [])]
    if is_intrinsic(props.get("ProductionVariants")):
        return Result.COMPLIANT if props.get("KmsKeyId") else Result.NOT_APPLICABLE
    for variant in variants:
        instance_type = dig(variant, "InstanceType")
        if is_intrinsic(instance_type):
            return Result.COMPLIANT if props.get("KmsKeyId") else Result.NOT_APPLICABLE
        if isinstance(instance_type, str) and has_instance_storage(instance_type):
            return Result.NOT_APPLICABLE
    return _ok(props.get("KmsKeyId") not in (None, ""))


# --------------------------------------------------------------------------------------------------- SM9
_FULL_ACCESS = re.compile(r"policy/(service-role/)?AmazonSageMakerFullAccess(?![A-Za-z0-9])")


def no_sagemaker_full_access(_type: str, props: dict[str, Any]) -> Result:
    """SM9: no role carries the AWS-managed ``AmazonSageMakerFullAccess`` policy (least privilege).

    Matches the policy ARN however it is written (literal, ``Fn::Join`` with the partition, ``Fn::Sub``).
    """
    arns = props.get("ManagedPolicyArns")
    if not arns:
        return Result.COMPLIANT
    return _ok(not _FULL_ACCESS.search(json.dumps(arns)))


# --------------------------------------------------------------------------------------------------- SM10
TRUSTED_SERVICES = frozenset({"sagemaker.amazonaws.com", "forecast.amazonaws.com"})
_SOURCE_KEYS = frozenset({"aws:sourceaccount", "aws:sourcearn"})
_ASSUME_ACTIONS = frozenset({"sts:assumerole", "sts:*", "*"})


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _trusts_sagemaker(statement: dict[str, Any]) -> bool:
    if not _equals(statement.get("Effect"), "Allow"):
        return False
    actions = [a.lower() for a in _as_list(statement.get("Action")) if isinstance(a, str)]
    if not any(a in _ASSUME_ACTIONS for a in actions):
        return False
    services = _as_list(dig(statement, "Principal", "Service"))
    return any(isinstance(s, str) and s.lower() in TRUSTED_SERVICES for s in services)


def _has_source_condition(statement: dict[str, Any]) -> bool:
    conditions = statement.get("Condition")
    if is_intrinsic(conditions):
        return True
    if not isinstance(conditions, dict):
        return False
    for operator in conditions.values():
        if is_intrinsic(operator):
            return True
        if isinstance(operator, dict) and any(k.lower() in _SOURCE_KEYS for k in operator):
            return True
    return False


def trust_policy_source_conditions(_type: str, props: dict[str, Any]) -> Result:
    """SM10: a role that SageMaker (or Forecast, for Canvas time series) may assume names the source.

    Every statement allowing ``sts:AssumeRole`` to ``sagemaker.amazonaws.com`` or ``forecast.amazonaws.com``
    carries an ``aws:SourceAccount`` or ``aws:SourceArn`` condition (the guide's confused-deputy protection).
    Roles trusting other services (Lambda, Step Functions, VPC flow logs ...) are not applicable.
    """
    document = props.get("AssumeRolePolicyDocument")
    if is_intrinsic(document):
        return Result.COMPLIANT
    statements = _as_list(dig(document, "Statement"))
    relevant = [s for s in statements if isinstance(s, dict) and not is_intrinsic(s) and _trusts_sagemaker(s)]
    if not relevant:
        return Result.NOT_APPLICABLE
    return _ok(all(_has_source_condition(s) for s in relevant))


# ----------------------------------------------------------------------------------------------- catalogue
RULES: tuple[Rule, ...] = (
    Rule("SM1", frozenset({DOMAIN}),
         "The SageMaker domain does not use VpcOnly network access.",
         "With PublicInternetOnly (the CloudFormation default) Studio apps reach the internet through a "
         "SageMaker-managed VPC, bypassing the platform's VPC endpoints, security groups and endpoint "
         "policies. "
         "Set AppNetworkAccessType to VpcOnly.",
         domain_vpc_only),
    Rule("SM2", frozenset({DOMAIN}),
         "The SageMaker domain has no customer-managed KMS key.",
         "KmsKeyId encrypts the domain's home EFS volume and the apps' EBS volumes with a key the platform "
         "controls and can audit. It can only be set when the domain is created.",
         domain_kms_key),
    Rule("SM3", frozenset({DOMAIN, USER_PROFILE}),
         "Idle shutdown is not enabled for JupyterLab and Code Editor (or a user profile turns it off).",
         "Set DefaultUserSettings.JupyterLabAppSettings and CodeEditorAppSettings "
         "AppLifecycleManagement.IdleSettings.LifecycleManagement to ENABLED so idle apps stop billing, and "
         "do not set DISABLED on user profiles or default space settings.",
         idle_shutdown_enabled),
    Rule("SM4", frozenset({DOMAIN}),
         "Docker access is enabled for the SageMaker domain.",
         "DomainSettings.DockerSettings.EnableDockerAccess lets Studio apps build and run containers. "
         "Keep it DISABLED unless the config asks for it, and acknowledge it where it does.",
         docker_access_off),
    Rule("SM5", frozenset({NOTEBOOK_INSTANCE}),
         "Root access is enabled on the notebook instance.",
         "RootAccess defaults to Enabled; users with root can change the instance and its security software. "
         "Set RootAccess to Disabled.",
         root_access_off),
    Rule("SM6", frozenset({DOMAIN, USER_PROFILE, SPACE}),
         "A default lifecycle configuration is not in the LifecycleConfigArns list of the same app settings.",
         "SageMaker requires DefaultResourceSpec.LifecycleConfigArn to be one of LifecycleConfigArns; "
         "any ARN missing from the list is detached, and the update fails.",
         default_lcc_in_list),
    Rule("SM7", frozenset({USER_PROFILE, SPACE, NOTEBOOK_INSTANCE}),
         "A user profile, space or notebook instance opens a path to the public internet.",
         "Keep all Studio traffic in the VPC: no AppNetworkAccessType override other than VpcOnly, no space "
         "RemoteAccess, and DirectInternetAccess Disabled on notebook instances.",
         no_public_internet_override),
    Rule("SM8", frozenset({ENDPOINT_CONFIG}),
         "The endpoint config has no KMS key for its ML storage volumes.",
         "KmsKeyId encrypts the volumes mounted at /opt/ml and /tmp on hosting instances. Instance "
         "types with NVMe instance storage are exempt because SageMaker rejects a volume key for them.",
         endpoint_config_kms),
    Rule("SM9", frozenset({IAM_ROLE}),
         "The role has the AWS-managed AmazonSageMakerFullAccess policy.",
         "Execution roles are least-privilege per persona; AmazonSageMakerFullAccess grants every SageMaker "
         "action on every resource, plus broad S3, IAM PassRole and EC2 rights.",
         no_sagemaker_full_access),
    Rule("SM10", frozenset({IAM_ROLE}),
         "A trust policy lets SageMaker or Forecast assume the role without aws:SourceAccount/aws:SourceArn.",
         "Without a source condition any account's SageMaker resources could be used as a confused deputy to "
         "assume the role. Add aws:SourceAccount and/or aws:SourceArn conditions to the trust statement.",
         trust_policy_source_conditions),
)

RULE_TYPES: frozenset[str] = frozenset().union(*(r.resource_types for r in RULES))
