"""StudioDomain: secure defaults, sharing settings, lifecycle defaults, grants and validation errors."""

from __future__ import annotations

import re

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Match, Template

from sagemaker_platform.constructs.bucket import AccessLogBucket, StudioBucket
from sagemaker_platform.constructs.domain import IdleShutdown
from sagemaker_platform.constructs.roles import ExecutionRole
from sagemaker_platform.constructs.user_profile import UserProfile
from tests.unit.constructs.studio import build_domain, build_lifecycle_config


def test_domain_secure_defaults(stack: cdk.Stack) -> None:
    build_domain(stack)
    t = Template.from_stack(stack)
    t.has_resource_properties(
        "AWS::SageMaker::Domain",
        {
            "AppNetworkAccessType": "VpcOnly",
            "KmsKeyId": Match.any_value(),
            "TagPropagation": "ENABLED",
            "DomainSettings": {
                "DockerSettings": {"EnableDockerAccess": "DISABLED"},
                "ExecutionRoleIdentityConfig": "USER_PROFILE_NAME",
            },
            "DefaultUserSettings": Match.object_like(
                {
                    "StudioWebPortal": "ENABLED",
                    "DefaultLandingUri": "studio::",
                    "SecurityGroups": ["sg-0123456789abcdef0"],
                    "JupyterLabAppSettings": {
                        "AppLifecycleManagement": {
                            "IdleSettings": {
                                "LifecycleManagement": "ENABLED",
                                "IdleTimeoutInMinutes": 120,
                                "MinIdleTimeoutInMinutes": 60,
                                "MaxIdleTimeoutInMinutes": 480,
                            }
                        }
                    },
                    "CodeEditorAppSettings": {"AppLifecycleManagement": Match.any_value()},
                    "SpaceStorageSettings": {
                        "DefaultEbsStorageSettings": {"DefaultEbsVolumeSizeInGb": 5, "MaximumEbsVolumeSizeInGb": 100}
                    },
                }
            ),
            "DefaultSpaceSettings": Match.object_like({"SecurityGroups": ["sg-0123456789abcdef0"]}),
        },
    )


def test_domain_lifecycle_defaults_are_in_their_lists(stack: cdk.Stack) -> None:
    extra = build_lifecycle_config(stack, "extra")
    default = build_lifecycle_config(stack, "default", script="#!/bin/bash\necho default\n")
    build_domain(stack, lifecycle_configs=[extra], default_lifecycle_configs={"JupyterLab": default})
    domain = next(iter(Template.from_stack(stack).find_resources("AWS::SageMaker::Domain").values()))
    lab = domain["Properties"]["DefaultUserSettings"]["JupyterLabAppSettings"]
    arns = lab["LifecycleConfigArns"]
    assert lab["DefaultResourceSpec"]["LifecycleConfigArn"] in arns
    assert len(arns) == 2


def test_domain_sharing_settings_use_platform_bucket_and_key(stack: cdk.Stack) -> None:
    key = kms.Key(stack, "SharingKey")
    logs = AccessLogBucket(stack, "Logs")
    bucket = StudioBucket(stack, "B", encryption_key=key, access_log_bucket=logs.bucket)
    build_domain(stack, sharing_bucket=bucket.bucket)
    Template.from_stack(stack).has_resource_properties(
        "AWS::SageMaker::Domain",
        {
            "DefaultUserSettings": Match.object_like(
                {
                    "SharingSettings": {
                        "NotebookOutputOption": "Allowed",
                        "S3OutputPath": Match.any_value(),
                        "S3KmsKeyId": Match.any_value(),
                    }
                }
            )
        },
    )


@pytest.mark.parametrize(
    ("overrides", "field", "got"),
    [
        ({"domain_name": "bad_name"}, "domain_name", "'bad_name'"),
        ({"auth_mode": "LDAP"}, "auth_mode", "'LDAP'"),
        ({"app_network_access_type": "Public"}, "app_network_access_type", "'Public'"),
        ({"vpc_subnets": ec2.SubnetSelection(subnets=[])}, "vpc_subnets", "subnets=[]"),
        ({"security_groups": []}, "security_groups", "[]"),
        ({"default_ebs_gb": 200, "max_ebs_gb": 100}, "default_ebs_gb", "200 and 100"),
        ({"docker_access": True, "app_network_access_type": "PublicInternetOnly"}, "docker_access", "True"),
        ({"idle_shutdown": IdleShutdown(30, 60, 120)}, "idle_shutdown.idle_timeout_minutes", "30"),
        ({"idle_shutdown": IdleShutdown(200, 60, 120)}, "idle_shutdown.idle_timeout_minutes", "got 200"),
    ],
)
def test_domain_validation(stack: cdk.Stack, overrides: dict, field: str, got: str) -> None:
    with pytest.raises(ValueError, match=rf"^StudioDomain {re.escape(field)}: .*{re.escape(got)}"):
        build_domain(stack, **overrides)


def test_domain_rejects_default_lcc_of_wrong_app_type(stack: cdk.Stack) -> None:
    editor = build_lifecycle_config(stack, "editor", "CodeEditor")
    with pytest.raises(ValueError, match=r"default_lifecycle_configs\[JupyterLab\]: .*CodeEditor"):
        build_domain(stack, default_lifecycle_configs={"JupyterLab": editor})


def test_domain_grants_studio_access_scoped_to_itself(stack: cdk.Stack) -> None:
    domain = build_domain(stack)
    extra = ExecutionRole(stack, "ML", persona="ml_engineer")
    assert domain.grant_studio_access(extra) is domain.grant_studio_access(extra)
    t = Template.from_stack(stack)
    access = {k: p for k, p in t.find_resources("AWS::IAM::ManagedPolicy").items() if "StudioAccess" in k}
    assert len(access) == 2  # the default role and the ML engineer's
    domain_ref = {"Fn::GetAtt": [stack.get_logical_id(domain.resource), "DomainId"]}
    for policy in access.values():
        statements = policy["Properties"]["PolicyDocument"]["Statement"]
        for s in statements:
            resources = s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]]
            for resource in resources:
                assert domain_ref in resource["Fn::Join"][1], s["Sid"]
        spaces = next(s for s in statements if s["Sid"] == "OwnSpaces")
        assert "sagemaker:OwnerUserProfileArn" in spaces["Condition"]["ArnLike"]
        tag = next(s for s in statements if s.get("Sid") == "StudioTagOnCreate")
        assert tag["Condition"] == {"Null": {"sagemaker:TaggingAction": "false"}}
        assert not any("CreatePresignedDomainUrl" in str(s["Action"]) for s in statements)


def test_wrong_types_fail_at_the_call_naming_the_parameter(stack: cdk.Stack) -> None:
    bucket = s3.Bucket(stack, "NotAKey")
    with pytest.raises(TypeError, match=r"StudioDomain encryption_key: expected IKey \(got Bucket\)"):
        build_domain(stack, encryption_key=bucket)
    with pytest.raises(TypeError, match=r"UserProfile domain: expected a StudioDomain"):
        UserProfile(stack, "U", domain="d-123", user_profile_name="ana")  # type: ignore[arg-type]
