"""ExecutionRole: trust, least privilege, shared-model switch and persona validation."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from sagemaker_platform.constructs.roles import SHARED_MODEL_ACTIONS, ExecutionRole


def test_execution_role_trust_and_least_privilege(stack: cdk.Stack) -> None:
    ExecutionRole(stack, "DS", persona="data_scientist")
    ExecutionRole(stack, "BA", persona="business_analyst", canvas_time_series=True)
    t = Template.from_stack(stack)
    roles = t.find_resources("AWS::IAM::Role")
    for role in roles.values():
        (statement,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        assert "aws:SourceAccount" in statement["Condition"]["StringEquals"]
        assert "aws:SourceArn" in statement["Condition"]["ArnLike"]
        for arn in role["Properties"].get("ManagedPolicyArns", []):
            assert "AmazonSageMakerFullAccess" not in str(arn)
    analyst = next(r for k, r in roles.items() if k.startswith("BA"))
    services = analyst["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["Service"]
    assert sorted(services) == ["forecast.amazonaws.com", "sagemaker.amazonaws.com"]
    policies = t.find_resources("AWS::IAM::Policy")
    for name, policy in policies.items():
        statements = policy["Properties"]["PolicyDocument"]["Statement"]
        shared = [s for s in statements if s.get("Sid") == "SharedModels"]
        assert shared and sorted(shared[0]["Action"]) == sorted(SHARED_MODEL_ACTIONS), name
        denies = {s["Sid"] for s in statements if s["Effect"] == "Deny"}
        assert {"DenyPassingOtherRoles", "DenyPresignedUrls", "DenyObjectVersionDeletion", "DenyOthersSpaces",
                "DenyOthersApps"} <= denies, name
        for s in statements:
            assert s["Action"] != "*" and s["Action"] != "sagemaker:*"
            # Studio statements belong to a domain: the role has none until the domain grants them.
            if s["Effect"] == "Allow":
                assert "sagemaker:CreateApp" not in s["Action"] and "sagemaker:CreateSpace" not in s["Action"]


def test_execution_role_rejects_unknown_persona(stack: cdk.Stack) -> None:
    with pytest.raises(ValueError, match=r"persona: must be one of .*'wizard'"):
        ExecutionRole(stack, "X", persona="wizard")


def test_collaboration_switch_controls_shared_model_actions(stack: cdk.Stack) -> None:
    ExecutionRole(stack, "Off", persona="data_scientist", shared_models=False)
    statements = [
        s
        for p in Template.from_stack(stack).find_resources("AWS::IAM::Policy").values()
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]
    assert statements and not [s for s in statements if s.get("Sid") == "SharedModels"]
