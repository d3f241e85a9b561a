"""Construct-level assertions for the Studio core and every synth-time validation error."""

from __future__ import annotations

import base64
import re

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sagemaker as sagemaker
from aws_cdk.assertions import Match, Template

from sagemaker_platform.cdk_context import new_app
from sagemaker_platform.constructs import cors
from sagemaker_platform.constructs.bucket import AccessLogBucket, StudioBucket
from sagemaker_platform.constructs.domain import IdleShutdown, StudioDomain, TeardownOptions
from sagemaker_platform.constructs.lifecycle_config import MAX_CONTENT, LifecycleConfig, builtin_script
from sagemaker_platform.constructs.network import ExistingSubnet, StudioNetwork
from sagemaker_platform.constructs.roles import SHARED_MODEL_ACTIONS, ExecutionRole
from sagemaker_platform.constructs.space import PrivateSpace, SharedSpace
from sagemaker_platform.constructs.teardown import StudioTeardown
from sagemaker_platform.constructs.user_profile import UserProfile

SCRIPT = "#!/bin/bash\necho hello\n"


def _domain(stack: cdk.Stack, **overrides) -> StudioDomain:
    role = iam.Role(stack, "R", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
    vpc = ec2.Vpc.from_vpc_attributes(
        stack, "Vpc", vpc_id="vpc-0123456789abcdef0", availability_zones=["eu-west-1a", "eu-west-1b"],
        isolated_subnet_ids=["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
    )
    props = dict(
        domain_name="d1",
        vpc=vpc,
        security_groups=[ec2.SecurityGroup.from_security_group_id(stack, "Sg", "sg-0123456789abcdef0")],
        default_execution_role=role,
        encryption_key=kms.Key(stack, "K"),
    )
    props.update(overrides)
    return StudioDomain(stack, "Domain", **props)


def _lcc(stack: cdk.Stack, name: str, app_type: str = "JupyterLab", script: str = SCRIPT) -> LifecycleConfig:
    return LifecycleConfig(stack, f"L-{name}", name=name, app_type=app_type, script=script)


# ------------------------------------------------------------------------------------------------- domain
def test_domain_secure_defaults(stack: cdk.Stack) -> None:
    _domain(stack)
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
    extra = _lcc(stack, "extra")
    default = _lcc(stack, "default", script="#!/bin/bash\necho default\n")
    _domain(stack, lifecycle_configs=[extra], default_lifecycle_configs={"JupyterLab": default})
    domain = next(iter(Template.from_stack(stack).find_resources("AWS::SageMaker::Domain").values()))
    lab = domain["Properties"]["DefaultUserSettings"]["JupyterLabAppSettings"]
    arns = lab["LifecycleConfigArns"]
    assert lab["DefaultResourceSpec"]["LifecycleConfigArn"] in arns
    assert len(arns) == 2


def test_domain_sharing_settings_use_platform_bucket_and_key(stack: cdk.Stack) -> None:
    key = kms.Key(stack, "SharingKey")
    logs = AccessLogBucket(stack, "Logs")
    bucket = StudioBucket(stack, "B", encryption_key=key, access_log_bucket=logs.bucket)
    _domain(stack, sharing_bucket=bucket.bucket)
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
        _domain(stack, **overrides)


def test_domain_rejects_default_lcc_of_wrong_app_type(stack: cdk.Stack) -> None:
    editor = _lcc(stack, "editor", "CodeEditor")
    with pytest.raises(ValueError, match=r"default_lifecycle_configs\[JupyterLab\]: .*CodeEditor"):
        _domain(stack, default_lifecycle_configs={"JupyterLab": editor})


# ------------------------------------------------------------------------------------------------- lifecycle
def test_lifecycle_name_follows_content(stack: cdk.Stack) -> None:
    a = _lcc(stack, "same")
    b = LifecycleConfig(stack, "B", name="same", app_type="JupyterLab", script=SCRIPT + "echo more\n")
    c = LifecycleConfig(stack, "C", name="same", app_type="CodeEditor", script=SCRIPT)
    names = [stack.resolve(x.name) for x in (a, b, c)]  # derived at synth, once tags are known
    assert len(set(names)) == 3 and all(n.startswith("same-") and len(n) <= 63 for n in names)
    # The same script in another stack: another namespace, another name (no collision between stacks) ...
    other = cdk.Stack(cdk.App(), "Other")
    assert other.resolve(LifecycleConfig(other, "A", name="same", app_type="JupyterLab", script=SCRIPT).name) \
        not in names
    # ... unless both name the same namespace; then the tags decide, as CloudFormation replaces on them too.
    apps = [cdk.App() for _ in range(3)]
    shared = [cdk.Stack(app, f"S{i}") for i, app in enumerate(apps)]
    owned = [LifecycleConfig(s, "L", name="same", app_type="JupyterLab", script=SCRIPT, namespace="mlp-dev")
             for s in shared]
    cdk.Tags.of(shared[0]).add("team", "a")
    cdk.Tags.of(shared[1]).add("team", "b")
    rendered = [app.synth().get_stack_by_name(s.stack_name).template for app, s in zip(apps, shared, strict=True)]
    lcc_names = [next(iter(t["Resources"].values()))["Properties"]["StudioLifecycleConfigName"] for t in rendered]
    assert len(set(lcc_names)) == 3 and owned[0].namespace == "mlp-dev"
    imported = LifecycleConfig.from_script(
        other, "I", name="same", app_type="JupyterLab", script=SCRIPT, namespace="mlp-dev", tags={"team": "a"}
    )
    assert imported.name == lcc_names[0]
    untagged = LifecycleConfig.from_script(other, "U", name="same", app_type="JupyterLab", script=SCRIPT,
                                           namespace="mlp-dev")
    assert untagged.name == lcc_names[2]


def test_lifecycle_content_is_base64_and_crlf_normalised(stack: cdk.Stack) -> None:
    lcc = LifecycleConfig(stack, "Crlf", name="crlf", app_type="JupyterLab", script="#!/bin/bash\r\necho hi\r\n")
    content = Template.from_stack(stack).find_resources("AWS::SageMaker::StudioLifecycleConfig")
    (resource,) = content.values()
    props = resource["Properties"]
    assert base64.b64decode(props["StudioLifecycleConfigContent"]).decode() == "#!/bin/bash\necho hi\n"
    assert props["StudioLifecycleConfigName"] == stack.resolve(lcc.name)
    assert props["StudioLifecycleConfigAppType"] == "JupyterLab"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"script": "echo no shebang\n"}, r"must start with a shebang .*'echo no shebang'"),
        ({"script": "#!/bin/bash\r\necho\r\n", "line_endings": "reject"}, r"CRLF or CR line endings"),
        ({"script": "#!/bin/bash\n" + "x" * MAX_CONTENT}, r"characters after base64, over the limit of 16384"),
        ({"script": SCRIPT, "app_type": "RStudio"}, r"app_type: must be one of .*'RStudio'"),
        ({"script": SCRIPT, "name": "bad name"}, r"name: .*'bad name'"),
        ({"script_path": "/nonexistent/script.sh"}, r"script_path: no such file"),
        ({}, r"exactly one of script or script_path"),
    ],
)
def test_lifecycle_validation(stack: cdk.Stack, kwargs: dict, message: str) -> None:
    props = {"name": "ok", "app_type": "JupyterLab", **kwargs}
    with pytest.raises(ValueError, match=message):
        LifecycleConfig(stack, "L", **props)


def test_lifecycle_limit_is_on_base64_length(stack: cdk.Stack) -> None:
    raw_limit = MAX_CONTENT * 3 // 4
    ok = "#!/bin/bash\n" + "#" * (raw_limit - 13) + "\n"
    LifecycleConfig(stack, "Fits", name="fits", app_type="JupyterLab", script=ok)
    with pytest.raises(ValueError, match="over the limit"):
        LifecycleConfig(stack, "TooBig", name="big", app_type="JupyterLab", script=ok + "#" * 4)


def test_builtin_scripts_are_valid(stack: cdk.Stack) -> None:
    for name in ("git-identity", "pip-index", "classic-idle-shutdown"):
        LifecycleConfig(stack, name, name=name, app_type="JupyterLab", script_path=builtin_script(name))
    with pytest.raises(ValueError, match="no packaged script named 'nope'"):
        builtin_script("nope")


# ------------------------------------------------------------------------------------------------- users, spaces
def test_user_profile_iam_and_sso(stack: cdk.Stack) -> None:
    domain = _domain(stack)
    role = iam.Role(stack, "UserRole", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
    extra = _lcc(stack, "user-extra")
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
    domain = _domain(stack)
    if "security_groups" in kwargs:
        groups = [ec2.SecurityGroup.from_security_group_id(stack, f"G{i}", f"sg-0{i}") for i in range(3)]
        kwargs = {**kwargs, "security_groups": groups[: kwargs["security_groups"]]}
    with pytest.raises(ValueError, match=message):
        UserProfile(stack, "U", domain=domain, **kwargs)


def test_spaces_private_and_shared(stack: cdk.Stack) -> None:
    domain = _domain(stack)
    owner = UserProfile(stack, "Owner", domain=domain, user_profile_name="owner")
    lab_default = _lcc(stack, "lab")
    PrivateSpace(
        stack, "P", domain=domain, owner=owner, space_name="owner-lab", ebs_gb=50, default_lifecycle_config=lab_default
    )
    SharedSpace(stack, "S", domain=domain, space_name="team-editor", app_type="CodeEditor")
    t = Template.from_stack(stack)
    t.has_resource_properties(
        "AWS::SageMaker::Space",
        {
            "SpaceName": "owner-lab",
            "OwnershipSettings": {"OwnerUserProfileName": "owner"},
            "SpaceSharingSettings": {"SharingType": "Private"},
            "SpaceSettings": {
                "AppType": "JupyterLab",
                "JupyterLabAppSettings": {"DefaultResourceSpec": {"LifecycleConfigArn": Match.any_value()}},
                "SpaceStorageSettings": {"EbsStorageSettings": {"EbsVolumeSizeInGb": 50}},
            },
        },
    )
    t.has_resource_properties(
        "AWS::SageMaker::Space",
        {
            "SpaceName": "team-editor",
            "SpaceSharingSettings": {"SharingType": "Shared"},
            "OwnershipSettings": Match.absent(),
            "SpaceSettings": {"AppType": "CodeEditor"},
        },
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"space_name": "x" * 63}, r"space_name: 1-62"),
        ({"space_name": "ok", "app_type": "JupyterServer"}, r"app_type: .*'JupyterServer'"),
        ({"space_name": "ok", "ebs_gb": 1}, r"ebs_gb: must be 5-16384 \(got 1\)"),
    ],
)
def test_space_validation(stack: cdk.Stack, kwargs: dict, message: str) -> None:
    domain = _domain(stack)
    with pytest.raises(ValueError, match=message):
        SharedSpace(stack, "S", domain=domain, **kwargs)


def test_space_default_lcc_app_type_must_match(stack: cdk.Stack) -> None:
    domain = _domain(stack)
    with pytest.raises(ValueError, match=r"default_lifecycle_config: .*CodeEditor"):
        SharedSpace(stack, "S", domain=domain, space_name="s", default_lifecycle_config=_lcc(stack, "e", "CodeEditor"))


# ------------------------------------------------------------------------------------------------- network
def test_network_new_vpc_endpoints_and_rules(stack: cdk.Stack) -> None:
    StudioNetwork(stack, "Net", canvas=True)
    t = Template.from_stack(stack)
    t.resource_properties_count_is("AWS::EC2::Subnet", {"MapPublicIpOnLaunch": False}, 2)
    t.resource_count_is("AWS::EC2::NatGateway", 0)
    t.resource_count_is("AWS::EC2::InternetGateway", 0)
    endpoints = t.find_resources("AWS::EC2::VPCEndpoint")
    names = {str(e["Properties"]["ServiceName"]) for e in endpoints.values()}
    for service in (
        "sagemaker.api",
        "sagemaker.runtime",
        "sts",
        "logs",
        "ecr.dkr",
        "servicecatalog",
        "forecast",
        "bedrock-runtime",
    ):
        assert any(service in n for n in names), service
    assert "aws.sagemaker.eu-west-1.studio" in names
    interface = [e for e in endpoints.values() if e["Properties"].get("VpcEndpointType") == "Interface"]
    assert interface and all(e["Properties"]["PrivateDnsEnabled"] is True for e in interface)
    gateway = [e for e in endpoints.values() if e["Properties"].get("VpcEndpointType") == "Gateway"]
    assert len(gateway) == 1
    t.has_resource_properties("AWS::EC2::SecurityGroupIngress", {"FromPort": 2049, "ToPort": 2049})
    t.has_resource_properties("AWS::EC2::SecurityGroupIngress", {"FromPort": 8192, "ToPort": 65535})


def test_network_without_canvas_has_only_studio_endpoints(stack: cdk.Stack) -> None:
    StudioNetwork(stack, "Net")
    names = [
        str(e["Properties"]["ServiceName"])
        for e in Template.from_stack(stack).find_resources("AWS::EC2::VPCEndpoint").values()
    ]
    assert not any("forecast" in n for n in names)
    assert len(names) == 7 + 1 + 1  # Studio interface set, the studio UI endpoint, the S3 gateway


def test_network_existing_vpc_by_id(stack: cdk.Stack) -> None:
    net = StudioNetwork(
        stack,
        "Net",
        existing_vpc_id="vpc-0123456789abcdef0",
        existing_subnets=[
            ExistingSubnet("subnet-0123456789abcdef0", "eu-west-1a"),
            ExistingSubnet("subnet-0123456789abcdef1", "eu-west-1b"),
        ],
    )
    assert net.subnet_ids == ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
    t = Template.from_stack(stack)
    t.resource_count_is("AWS::EC2::VPC", 0)
    t.has_resource_properties("AWS::EC2::VPCEndpoint", {"VpcId": "vpc-0123456789abcdef0"})
    assert not [
        e
        for e in t.find_resources("AWS::EC2::VPCEndpoint").values()
        if e["Properties"].get("VpcEndpointType") == "Gateway"
    ]  # no route tables given: none created
    with_routes = cdk.Stack(cdk.App(), "WithRoutes", env=cdk.Environment(account="111111111111", region="eu-west-1"))
    StudioNetwork(
        with_routes,
        "Net",
        existing_vpc_id="vpc-0123456789abcdef0",
        existing_subnets=[
            ExistingSubnet("subnet-0123456789abcdef0", "eu-west-1a", "rtb-0123456789abcdef0"),
            ExistingSubnet("subnet-0123456789abcdef1", "eu-west-1b", "rtb-0123456789abcdef1"),
        ],
    )
    Template.from_stack(with_routes).has_resource_properties(
        "AWS::EC2::VPCEndpoint",
        {"VpcEndpointType": "Gateway", "RouteTableIds": ["rtb-0123456789abcdef0", "rtb-0123456789abcdef1"]},
    )


def test_network_validation(stack: cdk.Stack) -> None:
    with pytest.raises(ValueError, match=r"existing_subnets: .*different availability zones"):
        StudioNetwork(
            stack,
            "A",
            existing_vpc_id="vpc-0123456789abcdef0",
            existing_subnets=[ExistingSubnet("subnet-a", "eu-west-1a")],
        )
    with pytest.raises(ValueError, match=r"max_azs: must be between 2 and 6 \(got 1\)"):
        StudioNetwork(stack, "B", max_azs=1)


# ------------------------------------------------------------------------------------------------- bucket, roles
def test_studio_bucket_cors_exact(stack: cdk.Stack) -> None:
    key = kms.Key(stack, "K")
    logs = AccessLogBucket(stack, "Logs")
    StudioBucket(stack, "B", encryption_key=key, access_log_bucket=logs.bucket, canvas=True)
    t = Template.from_stack(stack)
    t.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "CorsConfiguration": {
                "CorsRules": [
                    {
                        "Id": cors.STUDIO_RULE_ID,
                        "AllowedHeaders": ["*"],
                        "AllowedMethods": ["POST", "PUT", "GET", "HEAD", "DELETE"],
                        "AllowedOrigins": ["https://*.sagemaker.aws"],
                        "ExposedHeaders": [
                            "ETag",
                            "x-amz-delete-marker",
                            "x-amz-id-2",
                            "x-amz-request-id",
                            "x-amz-server-side-encryption",
                            "x-amz-version-id",
                        ],
                    },
                    {
                        "Id": cors.CANVAS_RULE_ID,
                        "AllowedHeaders": ["*"],
                        "AllowedMethods": ["POST"],
                        "AllowedOrigins": ["*"],
                    },
                ]
            },
            "VersioningConfiguration": {"Status": "Enabled"},
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True,
                "BlockPublicPolicy": True,
                "IgnorePublicAcls": True,
                "RestrictPublicBuckets": True,
            },
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [
                    Match.object_like(
                        {
                            "ServerSideEncryptionByDefault": {
                                "SSEAlgorithm": "aws:kms",
                                "KMSMasterKeyID": Match.any_value(),
                            }
                        }
                    )
                ]
            },
            "LoggingConfiguration": Match.object_like({"DestinationBucketName": Match.any_value()}),
        },
    )
    buckets = t.find_resources("AWS::S3::Bucket")
    assert all(b["DeletionPolicy"] == "Retain" for b in buckets.values())
    t.has_resource_properties(
        "AWS::S3::BucketPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [Match.object_like({"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}})]
                )
            }
        },
    )


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


def test_domain_grants_studio_access_scoped_to_itself(stack: cdk.Stack) -> None:
    domain = _domain(stack)
    extra = ExecutionRole(stack, "ML", persona="ml_engineer")
    assert domain.grant_studio_access(extra) is domain.grant_studio_access(extra)
    t = Template.from_stack(stack)
    access = {k: p for k, p in t.find_resources("AWS::IAM::Policy").items() if "StudioAccess" in k}
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


def test_execution_role_rejects_unknown_persona(stack: cdk.Stack) -> None:
    with pytest.raises(ValueError, match=r"persona: must be one of .*'wizard'"):
        ExecutionRole(stack, "X", persona="wizard")


# ------------------------------------------------------------------------------------------------- teardown wiring
def test_teardown_depends_on_what_it_guards_and_cleanup_precedes_domain(stack: cdk.Stack) -> None:
    domain = _domain(stack, teardown=TeardownOptions(delete_private_space_data=True))
    profile = domain.add_user_profile("U", user_profile_name="u1")
    space = profile.add_private_space("S", space_name="u1-lab")
    assert space.domain is domain
    t = Template.from_stack(stack)
    (teardown,) = t.find_resources("Custom::StudioTeardown").values()
    depends = teardown["DependsOn"]
    ids = {k for k in t.find_resources("AWS::SageMaker::UserProfile")} | set(t.find_resources("AWS::SageMaker::Space"))
    assert ids <= set(depends)
    assert teardown["Properties"]["UserProfileNames"] == ["u1"]
    assert teardown["Properties"]["SpaceNames"] == ["u1-lab"]
    assert teardown["Properties"]["DeletePrivateSpaceData"] == "true"
    (cleanup_resource,) = t.find_resources("Custom::StudioDomainCleanup").values()
    (domain_id,) = t.find_resources("AWS::SageMaker::Domain")
    assert domain_id in cleanup_resource["DependsOn"]
    cleanup_id = next(iter(t.find_resources("Custom::StudioDomainCleanup")))
    for resource in [
        *t.find_resources("AWS::SageMaker::UserProfile").values(),
        *t.find_resources("AWS::SageMaker::Space").values(),
    ]:
        assert cleanup_id in resource["DependsOn"]
    assert cleanup_resource["Properties"]["HomeEfs"] == "retain"
    assert cleanup_resource["Properties"]["VpcId"] == "vpc-0123456789abcdef0"
    t.resource_count_is("AWS::Lambda::Function", 2 * 2 + 2 * 3)  # handler pairs + framework functions


def test_members_in_another_stack_get_that_stacks_teardown() -> None:
    app = new_app()
    env = cdk.Environment(account="111111111111", region="eu-west-1")
    core = cdk.Stack(app, "Core", env=env)
    users = cdk.Stack(app, "Users", env=env)
    domain = _domain(core)
    ana = domain.add_user_profile("Ana", scope=users, user_profile_name="ana")
    ana.add_private_space("AnaLab", space_name="ana-lab")
    UserProfile(users, "Bea", domain=domain, user_profile_name="bea")
    t = Template.from_stack(users)
    (teardown,) = t.find_resources("Custom::StudioTeardown").values()
    assert teardown["Properties"]["UserProfileNames"] == ["ana", "bea"]
    assert teardown["Properties"]["SpaceNames"] == ["ana-lab"]
    assert set(t.find_resources("AWS::SageMaker::UserProfile")) <= set(teardown["DependsOn"])
    Template.from_stack(core).resource_count_is("Custom::StudioTeardown", 0)


def test_hand_made_profile_is_reported_as_unguarded() -> None:
    app = new_app()
    stack = cdk.Stack(app, "S", env=cdk.Environment(account="111111111111", region="eu-west-1"))
    domain = _domain(stack)
    domain.add_user_profile("Guarded", user_profile_name="ana")
    sagemaker.CfnUserProfile(stack, "HandMade", domain_id=domain.domain_id, user_profile_name="bob")
    assembly = app.synth()
    warnings = [
        (m.id, m.entry.data)
        for m in assembly.get_stack_artifact(stack.artifact_id).messages
        if m.entry.type == "aws:cdk:warning"
    ]
    unguarded = [(path, text) for path, text in warnings if "not guarded by a Studio teardown" in str(text)]
    assert [path for path, _ in unguarded] == ["/S/HandMade"], warnings


def test_wrong_types_fail_at_the_call_naming_the_parameter(stack: cdk.Stack) -> None:
    bucket = s3.Bucket(stack, "NotAKey")
    with pytest.raises(TypeError, match=r"StudioDomain encryption_key: expected IKey \(got Bucket\)"):
        _domain(stack, encryption_key=bucket)
    with pytest.raises(TypeError, match=r"UserProfile domain: expected a StudioDomain"):
        UserProfile(stack, "U", domain="d-123", user_profile_name="ana")  # type: ignore[arg-type]


def test_one_provider_per_kind_per_stack(stack: cdk.Stack) -> None:
    domain = _domain(stack)
    for i in range(3):
        StudioTeardown(stack, f"T{i}", domain=domain)
    t = Template.from_stack(stack)
    handlers = [
        f
        for f in t.find_resources("AWS::Lambda::Function").values()
        if str(f["Properties"].get("Handler", "")).startswith("studio_teardown.")
    ]
    assert len(handlers) == 2
    t.resource_count_is("Custom::StudioTeardown", 3)


def test_teardown_and_cleanup_validation(stack: cdk.Stack) -> None:
    domain = _domain(stack)
    with pytest.raises(ValueError, match=r"timeout: must be 10-120 minutes \(got 5\)"):
        StudioTeardown(stack, "T", domain=domain, timeout=cdk.Duration.minutes(5))
    with pytest.raises(ValueError, match=r"home_efs: must be retain or delete \(got 'keep'\)"):
        _domain(cdk.Stack(new_app(), "Other"), teardown=TeardownOptions(home_efs="keep"))


def test_collaboration_switch_controls_shared_model_actions(stack: cdk.Stack) -> None:
    ExecutionRole(stack, "Off", persona="data_scientist", shared_models=False)
    statements = [
        s
        for p in Template.from_stack(stack).find_resources("AWS::IAM::Policy").values()
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]
    assert statements and not [s for s in statements if s.get("Sid") == "SharedModels"]
