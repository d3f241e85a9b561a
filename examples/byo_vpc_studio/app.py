#!/usr/bin/env python3
"""A VpcOnly Studio domain in a VPC you already have, built from the constructs alone (no config file).

The VPC and its subnets are named by id, so nothing is looked up at synth; the construct adds the security groups
and the VPC endpoints Studio needs. Replace the ids, account and region with yours, then:
``npx cdk deploy`` from this folder (with ``sagemaker-platform`` installed or vendored).
"""

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2

from sagemaker_platform.compliance import apply_compliance
from sagemaker_platform.constructs.bucket import AccessLogBucket, StudioBucket
from sagemaker_platform.constructs.domain import StudioDomain, TeardownOptions
from sagemaker_platform.constructs.key import PlatformKey
from sagemaker_platform.constructs.lifecycle_config import LifecycleConfig, builtin_script
from sagemaker_platform.constructs.network import ExistingSubnet, StudioNetwork
from sagemaker_platform.constructs.roles import ExecutionRole

app = cdk.App()
stack = cdk.Stack(app, "byo-vpc-studio", env=cdk.Environment(account="111111111111", region="eu-west-1"))

network = StudioNetwork(
    stack,
    "Network",
    existing_vpc_id="vpc-0a1b2c3d4e5f60718",
    existing_subnets=[
        ExistingSubnet("subnet-0a1b2c3d4e5f60001", "eu-west-1a", "rtb-0a1b2c3d4e5f60001"),
        ExistingSubnet("subnet-0a1b2c3d4e5f60002", "eu-west-1b", "rtb-0a1b2c3d4e5f60002"),
    ],
)
key = PlatformKey(stack, "Key", alias="byo-vpc-studio/studio", description="Studio EFS/EBS, bucket and logs")
access_logs = AccessLogBucket(stack, "AccessLogs")
bucket = StudioBucket(stack, "Bucket", encryption_key=key, access_log_bucket=access_logs)
scientist = ExecutionRole(stack, "DataScientist", persona="data_scientist", buckets=[bucket], encryption_key=key)
git_identity = LifecycleConfig(stack, "GitIdentity", name="git-identity", app_type="JupyterLab",
                               script_path=builtin_script("git-identity"))

domain = StudioDomain(
    stack,
    "Domain",
    domain_name="byo-vpc-studio",
    vpc=network.vpc,
    vpc_subnets=ec2.SubnetSelection(subnets=network.subnets),
    security_groups=[network.studio_security_group],
    default_execution_role=scientist,
    encryption_key=key,
    lifecycle_configs=[git_identity],
    default_lifecycle_configs={"JupyterLab": git_identity},
    sharing_bucket=bucket,
    # The domain deletes users' apps before CloudFormation deletes profiles, spaces and itself.
    teardown=TeardownOptions(encryption_key=key),
)
domain.node.add_dependency(*network.endpoint_dependables())

ana = domain.add_user_profile("Ana", user_profile_name="ana", execution_role=scientist)
ana.add_private_space("AnaLab", space_name="ana-lab")
domain.add_shared_space("TeamLab", space_name="team-lab", ebs_gb=20)

apply_compliance(app)
app.synth()
