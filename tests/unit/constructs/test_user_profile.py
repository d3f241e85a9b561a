"""UserProfile: IAM and SSO profiles and their validation errors."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Match, Template

from sagemaker_platform.constructs.user_profile import UserProfile
from tests.unit.constructs.studio import build_domain, build_lifecycle_config


def test_user_profile_iam_and_sso(stack: cdk.Stack) -> None:
    domain = build_domain(stack)
    role = iam.Role(stack, "UserRole", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
    extra = build_lifecycle_config(stack, "user-extra")
    UserProfile(stack, "Ana", domain=domain, user_profile_name="ana", execution_role=role, lifecycle_configs=[extra])
    UserProfile(stack, "Bea", domain=domain, user_profile_name="bea", sso_user_name="bea@example.com")
    t = Template.from_stack(stack)
    t.has_resource_properties(
        "AWS::SageMaker::UserProfile",
        {
            "UserProfileName": "ana",
            "UserSettings": {
                "ExecutionRole": Match.any_value(),
                "JupyterLabAppSettings": {"LifecycleConfigArns": [Match.any_value()]},
            },
            "SingleSignOnUserIdentifier": Match.absent(),
        },
    )
    t.has_resource_properties(
        "AWS::SageMaker::UserProfile",
        {
            "UserProfileName": "bea",
            "SingleSignOnUserIdentifier": "UserName",
            "SingleSignOnUserValue": "bea@example.com",
        },
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"user_profile_name": "bad_name"}, r"user_profile_name: .*'bad_name'"),
        ({"user_profile_name": "x" * 64}, r"user_profile_name"),
        ({"user_profile_name": "ok", "sso_user_name": ""}, r"sso_user_name: 1-128"),
        ({"user_profile_name": "ok", "security_groups": 3}, r"security_groups: at most 2 .*\(got 3\)"),
    ],
)
def test_user_profile_validation(stack: cdk.Stack, kwargs: dict, message: str) -> None:
    domain = build_domain(stack)
    if "security_groups" in kwargs:
        groups = [ec2.SecurityGroup.from_security_group_id(stack, f"G{i}", f"sg-0{i}") for i in range(3)]
        kwargs = {**kwargs, "security_groups": groups[: kwargs["security_groups"]]}
    with pytest.raises(ValueError, match=message):
        UserProfile(stack, "U", domain=domain, **kwargs)
