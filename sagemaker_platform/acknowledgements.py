"""Acknowledging compliance findings from reusable code, through ``aws_cdk.Validations`` only.

Constructs and stacks accept findings that are true by design on the narrowest construct, with the reason shown
in the report. They never import a compliance pack: this module needs nothing but aws-cdk-lib, so a team vendoring
the constructs synthesizes them without cdk-nag installed. The packs are attached by
:func:`sagemaker_platform.compliance.apply_compliance`, the one module that imports cdk-nag.

The rule ids the library acknowledges are named here, once; a finding id is ``<pack>-<rule>``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

import aws_cdk as cdk
import jsii
from aws_cdk import aws_iam as iam
from constructs import IConstruct, IValidation

# The packs whose rule ids the library writes (``compliance.PACKS`` attaches them; the platform's own pack is
# ``SageMakerPlatform``).
AWS_SOLUTIONS = "AwsSolutions"
HIPAA = "HIPAA.Security"
NIST = "NIST.800.53.R5"
PCI = "PCI.DSS.321"
REGULATED_PACKS = (HIPAA, NIST, PCI)


def in_regulated_packs(rule: str) -> tuple[str, ...]:
    """The id of a rule the HIPAA, NIST 800-53 R5 and PCI DSS packs share (they name it the same way)."""
    return tuple(f"{pack}-{rule}" for pack in REGULATED_PACKS)


# Rules acknowledged somewhere in the library, by what they check.
INLINE_POLICY_IDS = in_regulated_packs("IAMNoInlinePolicy")
INLINE_POLICY_REASON = (
    "CDK grants attach as an AWS::IAM::Policy that belongs to this one role: generated from the resources it "
    "names, never shared, deleted with the role; a managed policy would add reuse no one needs."
)
BUCKET_ACCESS_LOGS_ID = f"{AWS_SOLUTIONS}-S1"
BUCKET_LOGGING_IDS = in_regulated_packs("S3BucketLoggingEnabled")
BUCKET_KMS_ENCRYPTION_IDS = in_regulated_packs("S3DefaultEncryptionKMS")
BUCKET_REPLICATION_IDS = in_regulated_packs("S3BucketReplicationEnabled")
LAMBDA_IN_VPC_IDS = in_regulated_packs("LambdaInsideVPC")
LAMBDA_CONCURRENCY_IDS = (f"{HIPAA}-LambdaConcurrency", f"{NIST}-LambdaConcurrency")
LAMBDA_DLQ_IDS = (f"{HIPAA}-LambdaDLQ", f"{NIST}-LambdaDLQ")
ALARM_ACTION_IDS = (f"{HIPAA}-CloudWatchAlarmAction", f"{NIST}-CloudWatchAlarmAction")
STATE_MACHINE_LOGGING_ID = f"{AWS_SOLUTIONS}-SF2"
SQS_SSL_ID = f"{AWS_SOLUTIONS}-SQS3"
ENDPOINT_VOLUME_KEY_IDS = (
    f"{AWS_SOLUTIONS}-SM2", *in_regulated_packs("SageMakerEndpointConfigurationKMSKeyConfigured")
)
CODEBUILD_SOURCE_URL_IDS = (f"{HIPAA}-CodeBuildProjectSourceRepoUrl", f"{PCI}-CodeBuildProjectSourceRepoUrl")


def managed_policy_id(arn: str) -> str:
    """The AwsSolutions-IAM4 finding id of one AWS managed policy, as the pack prints its ARN."""
    return f"{AWS_SOLUTIONS}-IAM4[Policy::{arn}]"


ACK_METADATA = "sagemaker-platform:acknowledgement"


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
    return json.dumps(value, separators=(",", ":"))  # as JSON.stringify prints it (a cross-stack reference)


def _wildcard_finding_ids(document: Any) -> list[str]:
    ids: list[str] = []
    statements = document.get("Statement", []) if isinstance(document, dict) else []
    for statement in statements if isinstance(statements, list) else [statements]:
        if statement.get("Effect") != "Allow":
            continue
        actions = statement.get("Action", [])
        for action in [actions] if isinstance(actions, str) else actions:
            if isinstance(action, str) and "*" in action:
                ids.append(f"{AWS_SOLUTIONS}-IAM5[Action::{action}]")
        resources = statement.get("Resource", [])
        for resource in resources if isinstance(resources, list) else [resources]:
            # cdk-nag prints a policy variable ``${key}`` as ``<key>`` in the finding id.
            rendered = re.sub(r"\$\{([^}]+)\}", r"<\1>", _render(resource))
            if "*" in rendered:
                ids.append(f"{AWS_SOLUTIONS}-IAM5[Resource::{rendered}]")
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
