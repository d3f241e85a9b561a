#!/usr/bin/env python3
"""A VpcOnly Studio domain in a VPC you already have, built from the constructs alone (no config file).

The VPC and its subnets are named by id, so nothing is looked up at synth; the construct adds the security groups
and the VPC endpoints Studio needs. Replace the ids, account and region with yours, then:
``npx cdk deploy`` from this folder (with ``sagemaker-platform`` installed or vendored).
"""

import aws_cdk as cdk

from sagemaker_platform.compliance import apply_compliance
from sagemaker_platform.constructs.bucket import AccessLogBucket, StudioBucket
from sagemaker_platform.constructs.domain import StudioDomain
from sagemaker_platform.constructs.key import PlatformKey
from sagemaker_platform.constructs.lifecycle_config import LifecycleConfig, builtin_script
from sagemaker_platform.constructs.network import ExistingSubnet, StudioNetwork
from sagemaker_platform.constructs.roles import ExecutionRole
from sagemaker_platform.constructs.space import PrivateSpace, SharedSpace
from sagemaker_platform.constructs.teardown import StudioTeardown
from sagemaker_platform.constructs.user_profile import UserProfile

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
bucket = StudioBucket(stack, "Bucket", encryption_key=key.key, access_log_bucket=access_logs.bucket)
scientist = ExecutionRole(stack, "DataScientist", persona="data_scientist", buckets=[bucket.bucket],
                          encryption_key=key.key)
git_identity = LifecycleConfig(stack, "GitIdentity", name="git-identity", app_type="JupyterLab",
                               script_path=builtin_script("git-identity"))

domain = StudioDomain(
    stack,
    "Domain",
    domain_name="byo-vpc-studio",
    vpc_id=network.vpc.vpc_id,
    subnet_ids=network.subnet_ids,
    security_group_ids=[network.studio_security_group.security_group_id],
    default_execution_role=scientist.role,
    kms_key=key.key,
    lifecycle_configs=[git_identity],
    default_lifecycle_configs={"JupyterLab": git_identity},
    sharing_bucket=bucket.bucket,
)
domain.node.add_dependency(*network.endpoint_dependables())

ana = UserProfile(stack, "Ana", domain=domain, user_profile_name="ana", execution_role=scientist.role)
lab = PrivateSpace(stack, "AnaLab", domain=domain, owner=ana, space_name="ana-lab")
team = SharedSpace(stack, "TeamLab", domain=domain, space_name="team-lab", ebs_gb=20)
# Deletes the apps (and UI-created spaces) that would otherwise block deleting the profile, spaces and domain.
StudioTeardown(stack, "Teardown", domain=domain, user_profiles=[ana], spaces=[lab, team], log_key=key.key)

apply_compliance(app)
app.synth()
