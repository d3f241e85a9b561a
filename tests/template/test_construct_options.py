"""Every construct option gives a template CloudFormation accepts, and enums are checked at synth.

Each case builds one construct with one optional feature on (not only what the example configs use), synthesizes
it and lints the template with cfn-lint in-process. The enum tables the constructs and the config check against
(``sagemaker_platform/instance_types.py``) must equal the registry schemas' enums, so a schema update shows here.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from cfnlint.api import lint
from cfnlint.config import ManualArgs

from sagemaker_platform import instance_types, rules
from sagemaker_platform.cdk_context import new_app
from sagemaker_platform.constructs.bucket import AccessLogBucket, SecureBucket, StudioBucket
from sagemaker_platform.constructs.domain import IdleShutdown, StudioDomain
from sagemaker_platform.constructs.endpoint import (
    AsyncInference,
    Autoscaling,
    CustomMetricTarget,
    DataCapture,
    DeploymentGuardrails,
    ModelEndpoint,
    ModelEndpointProps,
    ProductionVariant,
    ScheduledCapacity,
    ServerlessConfig,
)
from sagemaker_platform.constructs.key import PlatformKey
from sagemaker_platform.constructs.lifecycle_config import APP_TYPES, LifecycleConfig
from sagemaker_platform.constructs.model import Model
from sagemaker_platform.constructs.model_card import (
    AdditionalInformation,
    BusinessDetails,
    EvaluationDetail,
    IntendedUses,
    ModelCard,
    ModelOverview,
    TrainingDetails,
)
from sagemaker_platform.constructs.network import ExistingSubnet, StudioNetwork
from sagemaker_platform.constructs.registry import ApprovalTopic, ModelPackageGroup
from sagemaker_platform.constructs.space import PrivateSpace, SharedSpace
from sagemaker_platform.constructs.user_profile import UserProfile
from sagemaker_platform.rules import load_schema_enums, render_tables, schema_date

ACCOUNT = "111111111111"
IMAGE = f"{ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/churn:1.0"
URL = "s3://models-bucket/churn/1.0/model.tar.gz"
PACKAGE = f"arn:aws:sagemaker:eu-west-1:{ACCOUNT}:model-package/churn/3"
SCRIPT = "#!/bin/bash\necho hello\n"
# W3005: CDK's redundant DependsOn. W3010: a VPC in a stack with a concrete region names its zones, by design
# (the alternative is a lookup at synth).
LINT = ManualArgs(ignore_checks=["W3005", "W3010"], regions=["eu-west-1"])


# ----------------------------------------------------------------------------------------------- building blocks
@dataclass
class Parts:
    """What most cases need, created lazily in one stack."""

    stack: cdk.Stack

    def role(self, name: str = "Role") -> iam.Role:
        return iam.Role(self.stack, name, assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))

    def key(self, name: str = "Key") -> kms.Key:
        return kms.Key(self.stack, name, enable_key_rotation=True)

    def lcc(self, name: str = "lab", app_type: str = "JupyterLab") -> LifecycleConfig:
        return LifecycleConfig(self.stack, f"Lcc-{name}", name=name, app_type=app_type, script=SCRIPT)

    def domain(self, **options: Any) -> StudioDomain:
        vpc = ec2.Vpc.from_vpc_attributes(
            self.stack, "DomainVpc", vpc_id="vpc-0123456789abcdef0", availability_zones=["eu-west-1a", "eu-west-1b"],
            isolated_subnet_ids=["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
        )
        props: dict[str, Any] = dict(
            domain_name="d1",
            vpc=vpc,
            security_groups=[ec2.SecurityGroup.from_security_group_id(self.stack, "DomainSg", "sg-0123456789abcdef0")],
            default_execution_role=self.role("DomainRole"),
            encryption_key=self.key("DomainKey"),
        )
        props.update(options)
        return StudioDomain(self.stack, "Domain", **props)

    def profile(self, **options: Any) -> UserProfile:
        return UserProfile(self.stack, "Profile", domain=self.domain(), user_profile_name="ana", **options)

    def bucket(self) -> s3.Bucket:
        return s3.Bucket(self.stack, "Data", encryption_key=self.key("DataKey"), enforce_ssl=True)

    def model(self, **options: Any) -> Model:
        props: dict[str, Any] = {"image": IMAGE, "model_data_url": URL, **options}
        if "model_package_arn" in options:
            props.pop("image")
            props.pop("model_data_url")
        return Model(self.stack, "Model", name_prefix="churn", **props)

    def vpc(self) -> tuple[list[ec2.ISubnet], list[ec2.ISecurityGroup]]:
        isolated = ec2.SubnetConfiguration(name="p", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)
        vpc = ec2.Vpc(self.stack, "Vpc", max_azs=2, nat_gateways=0, subnet_configuration=[isolated])
        sg = ec2.SecurityGroup(self.stack, "Sg", vpc=vpc)
        return list(vpc.isolated_subnets), [sg]

    def endpoint(self, **options: Any) -> ModelEndpoint:
        model = options.pop("model", None) or self.model()
        props = ModelEndpointProps(endpoint_name="churn", model=model, **options)
        return ModelEndpoint(self.stack, "Endpoint", props=props)


def realtime(instance_type: str = "ml.m5.xlarge", **variant: Any) -> list[ProductionVariant]:
    return [ProductionVariant(instance_type=instance_type, **variant)]


def _async(p: Parts, **options: Any) -> AsyncInference:
    return AsyncInference(output_bucket=p.bucket(), **options)


def _topic(p: Parts, name: str) -> sns.Topic:
    return sns.Topic(p.stack, name, master_key=p.key(f"{name}Key"), enforce_ssl=True)


Case = Callable[[Parts], Any]


def _lcc_case(app_type: str) -> Case:
    return lambda p: p.lcc(app_type.lower(), app_type)


def _guardrails_case(strategy: Any) -> Case:
    return lambda p: p.endpoint(variants=realtime(), deployment=DeploymentGuardrails(strategy=strategy))


CASES: dict[str, Case] = {
    # StudioDomain
    "domain-defaults": lambda p: p.domain(),
    "domain-no-idle-shutdown": lambda p: p.domain(idle_shutdown=None),
    "domain-idle-shutdown-custom": lambda p: p.domain(idle_shutdown=IdleShutdown(240, 60, 1440)),
    "domain-sso": lambda p: p.domain(auth_mode="SSO"),
    "domain-public-internet": lambda p: p.domain(app_network_access_type="PublicInternetOnly"),
    "domain-classic-studio": lambda p: p.domain(new_studio=False),
    "domain-space-role": lambda p: p.domain(space_execution_role=p.role("SpaceRole")),
    "domain-lifecycle-configs": lambda p: p.domain(
        lifecycle_configs=[p.lcc(f"a-{t.lower()}", t) for t in APP_TYPES],
        default_lifecycle_configs={"JupyterLab": p.lcc("lab-default")},
    ),
    "domain-storage": lambda p: p.domain(default_ebs_gb=20, max_ebs_gb=500),
    "domain-hidden-app-types": lambda p: p.domain(hidden_app_types=sorted(instance_types.HIDDEN_APP_TYPES)),
    "domain-hidden-instance-types": lambda p: p.domain(hidden_instance_types=["ml.p4d.24xlarge", "ml.g5.xlarge"]),
    "domain-docker": lambda p: p.domain(docker_access=True, vpc_only_trusted_accounts=["222222222222"]),
    "domain-sharing-bucket": lambda p: p.domain(sharing_bucket=p.bucket(), sharing_prefix="shared/notebooks"),
    "domain-no-tag-propagation": lambda p: p.domain(tag_propagation=False),
    # UserProfile
    "profile-defaults": lambda p: p.profile(),
    "profile-role": lambda p: p.profile(execution_role=p.role("UserRole")),
    "profile-imported-role": lambda p: p.profile(
        execution_role=iam.Role.from_role_arn(p.stack, "Imported", f"arn:aws:iam::{ACCOUNT}:role/ana", mutable=False)
    ),
    "profile-sso": lambda p: p.profile(sso_user_name="ana@example.com"),
    "profile-lifecycle-configs": lambda p: p.profile(
        lifecycle_configs=[p.lcc("u", "CodeEditor")], default_lifecycle_configs={"JupyterLab": p.lcc("ud")}
    ),
    "profile-security-groups": lambda p: p.profile(
        security_groups=[ec2.SecurityGroup.from_security_group_id(p.stack, "UserSg", "sg-0123456789abcdef1")]
    ),
    "profile-tags": lambda p: p.profile(tags={"persona": "data_scientist"}),
    # Spaces
    "private-space": lambda p: p.domain().add_user_profile("Owner", user_profile_name="owner").add_private_space(
        "S", space_name="lab"),
    "private-space-options": lambda p: PrivateSpace(
        p.stack, "S", domain=(d := p.domain()), owner=UserProfile(p.stack, "Owner", domain=d, user_profile_name="o"),
        space_name="lab", ebs_gb=50, default_lifecycle_config=p.lcc(), display_name="My lab"),
    "shared-space": lambda p: p.domain().add_shared_space("S", space_name="team"),
    "domain-without-teardown": lambda p: p.domain(teardown=None),
    "shared-space-code-editor": lambda p: SharedSpace(
        p.stack, "S", domain=p.domain(), space_name="team", app_type="CodeEditor", ebs_gb=20,
        default_lifecycle_config=p.lcc("ed", "CodeEditor"), display_name="Team editor"),
    # LifecycleConfig
    **{f"lifecycle-config-{t}": _lcc_case(t) for t in APP_TYPES},
    "lifecycle-config-namespace": lambda p: LifecycleConfig(
        p.stack, "L", name="lab", app_type="JupyterLab", script=SCRIPT, namespace="mlp-dev"),
    # Model
    "model-image": lambda p: p.model(),
    "model-package": lambda p: p.model(model_package_arn=PACKAGE),
    "model-environment": lambda p: p.model(environment={"LOG_LEVEL": "info"}),
    "model-network-isolation": lambda p: p.model(network_isolation=True),
    "model-vpc": lambda p: p.model(**(lambda subnets, groups: {
        "vpc_subnets": ec2.SubnetSelection(subnets=subnets), "security_groups": groups})(*p.vpc())),
    "model-artifact-key": lambda p: p.model(encryption_key=p.key("ArtifactKey")),
    "model-own-role": lambda p: p.model(role=p.role("ModelRole")),
    # ModelEndpoint
    "endpoint-realtime": lambda p: p.endpoint(variants=realtime()),
    "endpoint-realtime-key": lambda p: p.endpoint(variants=realtime(), encryption_key=p.key("EpKey")),
    "endpoint-nvme-key": lambda p: p.endpoint(variants=realtime("ml.g5.xlarge"), encryption_key=p.key("EpKey")),
    "endpoint-variant-options": lambda p: p.endpoint(variants=realtime(
        initial_instance_count=2, volume_size_gb=30, model_data_download_timeout_seconds=600,
        container_startup_health_check_timeout_seconds=600)),
    "endpoint-two-variants": lambda p: p.endpoint(variants=[
        ProductionVariant("blue", "ml.m5.xlarge", initial_weight=0.9),
        ProductionVariant("green", "ml.c5.xlarge", initial_weight=0.1)]),
    "endpoint-serverless": lambda p: p.endpoint(serverless=ServerlessConfig()),
    "endpoint-serverless-provisioned": lambda p: p.endpoint(
        serverless=ServerlessConfig(memory_mb=4096, max_concurrency=10, provisioned_concurrency=2),
        encryption_key=p.key("EpKey")),
    "endpoint-async": lambda p: p.endpoint(variants=realtime(), async_inference=_async(p)),
    "endpoint-async-options": lambda p: p.endpoint(
        variants=realtime(), encryption_key=p.key("EpKey"),
        async_inference=_async(p, success_topic=_topic(p, "Ok"), error_topic=_topic(p, "Err"),
                               max_concurrent_invocations_per_instance=4)),
    "endpoint-async-scale-to-zero": lambda p: p.endpoint(
        variants=realtime(), async_inference=_async(p),
        autoscaling=Autoscaling(min_capacity=0, max_capacity=3, target_backlog_per_instance=5)),
    "endpoint-data-capture": lambda p: p.endpoint(
        variants=realtime(), encryption_key=p.key("EpKey"),
        data_capture=DataCapture(bucket=p.bucket(), sampling_percentage=50, capture_output=False)),
    "endpoint-autoscaling": lambda p: p.endpoint(
        variants=realtime(), autoscaling=Autoscaling(max_capacity=4, target_invocations_per_instance=100)),
    "endpoint-autoscaling-custom-metric": lambda p: p.endpoint(variants=realtime(), autoscaling=Autoscaling(
        max_capacity=4, custom_metric=CustomMetricTarget("Custom/GPU", "GPUUtilization", 70,
                                                         dimensions={"EndpointName": "churn"}))),
    "endpoint-autoscaling-scheduled": lambda p: p.endpoint(variants=realtime(), autoscaling=Autoscaling(
        max_capacity=4, target_invocations_per_instance=100,
        scheduled=[ScheduledCapacity("BusinessHours", "cron(0 8 ? * MON-FRI *)", min_capacity=2)])),
    **{f"endpoint-guardrails-{s}": _guardrails_case(s) for s in ("all_at_once", "canary", "linear", "rolling")},
    "endpoint-guardrails-no-rollback": lambda p: p.endpoint(
        variants=realtime(), deployment=DeploymentGuardrails(rollback_alarms=False)),
    "endpoint-dashboard": lambda p: p.endpoint(variants=realtime(), dashboard=True),
    # Registry
    "group-defaults": lambda p: ModelPackageGroup(p.stack, "G", model_package_group_name="churn"),
    "group-description": lambda p: ModelPackageGroup(
        p.stack, "G", model_package_group_name="churn", description="Churn classifiers"),
    "group-cross-account": lambda p: ModelPackageGroup(
        p.stack, "G", model_package_group_name="churn", cross_account_ids=["222222222222"]),
    "group-cross-account-no-deploy": lambda p: ModelPackageGroup(
        p.stack, "G", model_package_group_name="churn", cross_account_ids=["222222222222"],
        allow_cross_account_deploy=False),
    "group-notifications": lambda p: ModelPackageGroup(
        p.stack, "G", model_package_group_name="churn",
        notification_topic=ApprovalTopic(p.stack, "T", encryption_key=p.key("TopicKey")).topic),
    # ModelCard
    "card-minimal": lambda p: ModelCard(p.stack, "C", model_card_name="churn"),
    "card-full": lambda p: ModelCard(
        p.stack, "C", model_card_name="churn", status="PendingReview", encryption_key=p.key("CardKey"),
        model_overview=ModelOverview(model_description="d", model_owner="o", model_creator="c", problem_type="p",
                                     algorithm_type="xgboost", model_id="m", model_name="churn", model_version=2,
                                     model_artifacts=[URL], inference_images=[IMAGE]),
        intended_uses=IntendedUses(purpose_of_model="p", intended_uses="u", factors_affecting_model_efficiency="f",
                                   risk_rating="medium", explanations_for_risk_rating="e"),
        business_details=BusinessDetails(business_problem="b", business_stakeholders="s", line_of_business="l"),
        training_details=TrainingDetails(training_observations="o", training_job_arn=f"arn:aws:sagemaker:eu-west-1:"
                                         f"{ACCOUNT}:training-job/churn", training_datasets=[URL],
                                         training_images=[IMAGE], objective_function="Minimize",
                                         objective_facet="loss", objective_condition="validation",
                                         objective_notes="n"),
        evaluation_details=[EvaluationDetail(name="holdout", evaluation_observation="good", datasets=[URL],
                                             metadata={"auc": "0.91"})],
        additional_information=AdditionalInformation(ethical_considerations="e", caveats_and_recommendations="c",
                                                     custom_details={"team": "growth"})),
    # Network, buckets, key
    "network-new-vpc": lambda p: StudioNetwork(p.stack, "Net"),
    "network-canvas": lambda p: StudioNetwork(p.stack, "Net", canvas=True),
    "network-zones": lambda p: StudioNetwork(p.stack, "Net", availability_zones=["eu-west-1a", "eu-west-1b"]),
    "network-no-endpoints": lambda p: StudioNetwork(p.stack, "Net", create_endpoints=False),
    "network-extra-endpoints": lambda p: StudioNetwork(
        p.stack, "Net", extra_interface_endpoints=["sagemaker.featurestore-runtime"]),
    "network-flow-log-key": lambda p: StudioNetwork(p.stack, "Net", encryption_key=p.key("FlowKey")),
    "network-existing": lambda p: StudioNetwork(
        p.stack, "Net", existing_vpc_id="vpc-0123456789abcdef0", existing_subnets=[
            ExistingSubnet("subnet-0123456789abcdef0", "eu-west-1a", "rtb-0123456789abcdef0"),
            ExistingSubnet("subnet-0123456789abcdef1", "eu-west-1b", "rtb-0123456789abcdef1")]),
    "access-log-bucket": lambda p: AccessLogBucket(p.stack, "Logs"),
    "secure-bucket": lambda p: SecureBucket(
        p.stack, "B", encryption_key=p.key(), access_log_bucket=AccessLogBucket(p.stack, "Logs").bucket,
        access_log_prefix="b/"),
    "studio-bucket": lambda p: StudioBucket(
        p.stack, "B", encryption_key=p.key(), access_log_bucket=AccessLogBucket(p.stack, "Logs").bucket),
    "studio-bucket-canvas": lambda p: StudioBucket(
        p.stack, "B", encryption_key=p.key(), access_log_bucket=AccessLogBucket(p.stack, "Logs").bucket, canvas=True),
    "platform-key": lambda p: PlatformKey(p.stack, "K", alias="mlp-dev/studio", description="platform key"),
}


def synth(build: Case) -> dict[str, Any]:
    app = new_app()
    stack = cdk.Stack(app, "Case", env=cdk.Environment(account=ACCOUNT, region="eu-west-1"))
    build(Parts(stack))
    cdk.Tags.of(stack).add("sagemaker-platform", "mlp-dev")
    template: dict[str, Any] = app.synth().get_stack_by_name(stack.stack_name).template
    return template


@pytest.mark.parametrize("case", sorted(CASES))
def test_construct_option_is_schema_valid(case: str) -> None:
    template = synth(CASES[case])
    matches = lint(json.dumps(template), config=LINT)
    assert not matches, "\n".join(f"{m.rule.id} {m.message} at {'/'.join(map(str, m.path))}" for m in matches)


def test_lint_catches_what_the_schema_rejects() -> None:
    """The lint above can fail: AppLifecycleManagement on a profile (which the L1 type accepts), an app type the
    domain cannot hide, an instance type outside the enum."""
    template = synth(CASES["profile-defaults"])
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::SageMaker::UserProfile":
            resource["Properties"]["UserSettings"] = {
                "JupyterLabAppSettings": {"AppLifecycleManagement": {"IdleSettings": {"IdleTimeoutInMinutes": 120}}}
            }
        if resource["Type"] == "AWS::SageMaker::Domain":
            settings = resource["Properties"]["DefaultUserSettings"]
            settings["StudioWebPortalSettings"] = {"HiddenAppTypes": ["KernelGateway"]}
    ids = {m.rule.id for m in lint(json.dumps(template), config=LINT)}
    assert {"E3002", "E3030"} <= ids, ids


# ----------------------------------------------------------------------------------------------- enums
def test_enum_tables_match_the_schemas() -> None:
    """``instance_types.py`` is the schemas' enums; regenerate it with ``python -m sagemaker_platform.rules``."""
    expected = render_tables(load_schema_enums(), schema_date())
    assert rules.__file__ is not None
    actual = open(instance_types.__file__, encoding="utf-8").read()  # noqa: SIM115 - read once
    assert actual == expected, "regenerate: python -m sagemaker_platform.rules > sagemaker_platform/instance_types.py"


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda p: p.endpoint(variants=realtime("ml.m5.xlarg")),
         r"^ModelEndpoint variants\[0\]\.instance_type: not a SageMaker hosting instance type"
         r".* \(got 'ml\.m5\.xlarg'\)$"),
        (lambda p: p.domain(hidden_app_types=["KernelGateway"]),
         r"^StudioDomain hidden_app_types\[0\]: must be one of .* \(got 'KernelGateway'\)$"),
        (lambda p: p.domain(hidden_app_types=["JupyterLab", "RSessionGateway"]),
         r"^StudioDomain hidden_app_types\[1\]: must be one of .* \(got 'RSessionGateway'\)$"),
        (lambda p: p.domain(hidden_instance_types=["ml.p4d.24xlarg"]),
         r"^StudioDomain hidden_instance_types\[0\]: not a SageMaker Studio app instance type.*'ml\.p4d\.24xlarg'"),
        (lambda p: p.lcc("x", "RStudioServerPro"),
         r"^LifecycleConfig app_type: must be one of CodeEditor, JupyterLab, JupyterServer, KernelGateway"),
    ],
    ids=["endpoint-instance-type", "hidden-kernel-gateway", "hidden-rsession-gateway", "hidden-instance-type",
         "lcc-app-type"],
)
def test_enums_are_errors_at_synth(build: Case, message: str) -> None:
    stack = cdk.Stack(new_app(), "Bad", env=cdk.Environment(account=ACCOUNT, region="eu-west-1"))
    with pytest.raises(ValueError, match=message):
        build(Parts(stack))


def test_enum_checks_skip_tokens() -> None:
    """A token (a parameter, an SSM value) is only known at deploy time: no literal check at synth."""
    stack = cdk.Stack(new_app(), "Tokens", env=cdk.Environment(account=ACCOUNT, region="eu-west-1"))
    instance_type = cdk.CfnParameter(stack, "InstanceType", default="ml.m5.xlarge").value_as_string
    hidden = cdk.CfnParameter(stack, "Hidden", default="ml.g5.xlarge").value_as_string
    p = Parts(stack)
    endpoint = p.endpoint(variants=realtime(instance_type))
    p.domain(hidden_instance_types=[hidden])
    variant = stack.resolve(endpoint.config.production_variants)[0]
    assert variant["instanceType"] == {"Ref": "InstanceType"}
    assert rules.enum_problem("HOSTING_INSTANCE_TYPES", instance_type) is None
    assert rules.enum_problem("HOSTING_INSTANCE_TYPES", "ml.m5.xlarge") is None
    assert rules.enum_problem("HOSTING_INSTANCE_TYPES", "ml.m5.xlarg") is not None


def test_config_rejects_enum_values_cloudformation_refuses(tmp_path: Any) -> None:
    from sagemaker_platform.config import ConfigError, load_config

    bad = {
        "domain:\n  hidden_app_types: [KernelGateway]\n": ("domain.hidden_app_types", "KernelGateway"),
        "domain:\n  hidden_app_types: [RSessionGateway]\n": ("domain.hidden_app_types", "RSessionGateway"),
        "domain:\n  hidden_instance_types: [ml.m5.xlarg]\n": ("domain.hidden_instance_types", "ml.m5.xlarg"),
        ("endpoints:\n  - name: churn\n    model: {image: '" + IMAGE + "', model_data_url: '" + URL + "'}\n"
         "    variants: [{instance_type: ml.m5.xlarg}]\n"): ("endpoints", "ml.m5.xlarg"),
    }
    for i, (text, (field, value)) in enumerate(bad.items()):
        path = tmp_path / f"bad{i}.yaml"
        path.write_text("platform: {name: mlp}\n" + text, encoding="utf-8")
        with pytest.raises(ConfigError) as err:
            load_config(path)
        message = str(err.value)
        assert field in message and value in message and "\n" not in message, message
