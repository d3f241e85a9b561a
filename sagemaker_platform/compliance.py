"""Compliance packs applied at synth: published cdk-nag packs plus the platform's own SageMaker rules.

cdk-nag 3.x packs are CDK policy-validation plugins: an error fails synth. Findings that are accepted by design
are acknowledged on the narrowest construct, with a reason, through :func:`acknowledge`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

import aws_cdk as cdk
import jsii
from aws_cdk import aws_iam as iam
from cdk_nag import AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks
from constructs import IConstruct, IValidation

INLINE_POLICY_IDS = (
    "HIPAA.Security-IAMNoInlinePolicy",
    "NIST.800.53.R5-IAMNoInlinePolicy",
    "PCI.DSS.321-IAMNoInlinePolicy",
)
INLINE_POLICY_REASON = (
    "CDK grants attach as an AWS::IAM::Policy that belongs to this one role: generated from the resources it "
    "names, never shared, deleted with the role; a managed policy would add reuse no one needs."
)

PACKS = ("AwsSolutions", "HIPAA.Security", "NIST.800.53.R5", "PCI.DSS.321")


def apply_compliance(app: cdk.App) -> None:
    """Attach every pack to the app; call once, before synth."""
    plugins: list[Any] = [
        AwsSolutionsChecks(app, verbose=True),
        HIPAASecurityChecks(app, verbose=True),
        NIST80053R5Checks(app, verbose=True),
        PCIDSS321Checks(app, verbose=True),
    ]
    plugins.extend(_platform_rules(app))
    cdk.Validations.of(app).add_plugins(*plugins)


def _platform_rules(app: cdk.App) -> list[Any]:
    """The platform's own SageMaker pack, when present (see ``sagemaker_platform.nag``)."""
    try:
        from sagemaker_platform.nag import SageMakerPlatformChecks
    except ImportError:
        return []
    return [SageMakerPlatformChecks(app)]


def acknowledge(construct: IConstruct, rule_ids: str | Iterable[str], reason: str) -> None:
    """Accept findings on one construct (and its children) with the reason shown in the report."""
    ids = [rule_ids] if isinstance(rule_ids, str) else list(rule_ids)
    if not ids:
        return
    # One call for all ids, and the node fetched once: every jsii round trip counts on a thousand users.
    cdk.Validations.of(construct).acknowledge(*(cdk.Acknowledgment(id=rule_id, reason=reason) for rule_id in ids))
    node = construct.node
    for rule_id in ids:
        node.add_metadata(ACK_METADATA, {"rule": rule_id, "reason": reason})


ACK_METADATA = "sagemaker-platform:acknowledgement"


def list_acknowledgements(root: IConstruct) -> list[tuple[str, str, str]]:
    """Every acknowledgement under ``root`` as (construct path, rule id, reason), for review and tests."""
    found = []
    for node in root.node.find_all():
        for entry in node.node.metadata:
            if entry.type == ACK_METADATA:
                found.append((node.node.path, entry.data["rule"], entry.data["reason"]))
    return sorted(found)


def _render(value: Any) -> str:
    """A resolved CloudFormation value as cdk-nag prints it in a finding id (``<Logical.Attr>``, ``<AWS::Region>``)."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and len(value) == 1:
        ((fn, arg),) = value.items()
        if fn == "Ref":
            return f"<{arg}>"
        if fn == "Fn::GetAtt":
            return f"<{arg[0]}.{arg[1]}>" if isinstance(arg, list) else f"<{arg}>"
        if fn == "Fn::Join":
            sep, parts = arg
            return sep.join(_render(p) for p in parts)
    return json.dumps(value, sort_keys=True)


def _wildcard_finding_ids(document: Any) -> list[str]:
    ids: list[str] = []
    statements = document.get("Statement", []) if isinstance(document, dict) else []
    for statement in statements if isinstance(statements, list) else [statements]:
        if statement.get("Effect") != "Allow":
            continue
        actions = statement.get("Action", [])
        for action in [actions] if isinstance(actions, str) else actions:
            if isinstance(action, str) and "*" in action:
                ids.append(f"AwsSolutions-IAM5[Action::{action}]")
        resources = statement.get("Resource", [])
        for resource in resources if isinstance(resources, list) else [resources]:
            # cdk-nag prints a policy variable ``${key}`` as ``<key>`` in the finding id.
            rendered = re.sub(r"\$\{([^}]+)\}", r"<\1>", _render(resource))
            if "*" in rendered:
                ids.append(f"AwsSolutions-IAM5[Resource::{rendered}]")
    return sorted(set(ids))


@jsii.implements(IValidation)
class _WildcardAcknowledger:
    """Acknowledges the wildcard findings of the policies under ``scope`` once their documents are final.

    A node validation runs once per scope, after every aspect (CDK splits large role policies into managed
    policies in an aspect), where an aspect would call back into Python for every construct of the subtree.
    """

    def __init__(self, scope: IConstruct, reason: str) -> None:
        self.scope = scope
        self.reason = reason

    def validate(self) -> list[str]:
        for node in self.scope.node.find_all():
            if isinstance(node, (iam.CfnPolicy, iam.CfnManagedPolicy)):  # CDK moves overflow into managed policies
                document = cdk.Stack.of(node).resolve(node.policy_document)
                ids = _wildcard_finding_ids(document)
                if ids:
                    acknowledge(node, ids, self.reason)
        return []


def acknowledge_wildcards(construct: IConstruct, reason: str) -> None:
    """Accept every IAM wildcard finding (AwsSolutions-IAM5, which is granular per action and resource) of the
    policies under ``construct``, computed from the final policy documents at synth."""
    construct.node.add_validation(_WildcardAcknowledger(construct, reason))
