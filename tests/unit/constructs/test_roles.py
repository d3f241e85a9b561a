"""ExecutionRole: trust, least privilege, shared-model switch and persona validation."""

from __future__ import annotations

import json

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
    for name in roles:
        statements = role_statements(t, name)
        assert statements, name
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
    t = Template.from_stack(stack)
    (name,) = t.find_resources("AWS::IAM::Role")
    statements = role_statements(t, name)
    assert statements and not [s for s in statements if s.get("Sid") == "SharedModels"]


def role_statements(t: Template, role_logical_id: str) -> list[dict]:
    """Every statement of the inline and customer managed policies attached to one role of the template."""
    found = []
    for kind in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
        for policy in t.find_resources(kind).values():
            if {"Ref": role_logical_id} in policy["Properties"].get("Roles", []):
                found += policy["Properties"]["PolicyDocument"]["Statement"]
    return found


def test_persona_statements_are_in_managed_policies_under_the_quota(stack: cdk.Stack) -> None:
    """A role's inline policies share 10,240 characters: the persona's statements go to managed policies."""
    ExecutionRole(stack, "ML", persona="ml_engineer", canvas=True, kendra_index_ids=["0" * 36])
    t = Template.from_stack(stack)
    managed = t.find_resources("AWS::IAM::ManagedPolicy")
    assert len(managed) >= 5
    for policy in managed.values():
        assert len(json.dumps(stack.resolve(policy["Properties"]["PolicyDocument"]), separators=(",", ":"))) < 6144
