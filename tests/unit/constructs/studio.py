"""Builders shared by the Studio construct tests: a domain on an imported VPC, and lifecycle configs."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms

from sagemaker_platform.constructs.domain import StudioDomain
from sagemaker_platform.constructs.lifecycle_config import LifecycleConfig

SCRIPT = "#!/bin/bash\necho hello\n"


def build_domain(stack: cdk.Stack, **overrides: Any) -> StudioDomain:
    """A valid domain (imported VPC, one security group, own key); ``overrides`` replace single props."""
    role = iam.Role(stack, "R", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
    vpc = ec2.Vpc.from_vpc_attributes(
        stack, "Vpc", vpc_id="vpc-0123456789abcdef0", availability_zones=["eu-west-1a", "eu-west-1b"],
        isolated_subnet_ids=["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
    )
    props: dict[str, Any] = dict(
        domain_name="d1",
        vpc=vpc,
        security_groups=[ec2.SecurityGroup.from_security_group_id(stack, "Sg", "sg-0123456789abcdef0")],
        default_execution_role=role,
        encryption_key=kms.Key(stack, "K"),
    )
    props.update(overrides)
    return StudioDomain(stack, "Domain", **props)


def build_lifecycle_config(
    stack: cdk.Stack, name: str, app_type: str = "JupyterLab", script: str = SCRIPT
) -> LifecycleConfig:
    """A lifecycle config named ``name`` (construct id ``L-<name>``)."""
    return LifecycleConfig(stack, f"L-{name}", name=name, app_type=app_type, script=script)
