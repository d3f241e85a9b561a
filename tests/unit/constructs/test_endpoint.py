"""ModelEndpoint: each kind, scaling, capture, guardrails, KMS with the NVMe exception, hashed config names."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Match, Template

from sagemaker_platform.cdk_context import new_app
from sagemaker_platform.compliance import list_acknowledgements
from sagemaker_platform.constructs.endpoint import (
    NVME_KMS_RULES,
    AlarmThresholds,
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
from sagemaker_platform.constructs.model import Model

IMAGE = "111111111111.dkr.ecr.eu-west-1.amazonaws.com/churn:1.0"
URL = "s3://models-bucket/churn/1.0/model.tar.gz"


class Env:
    def __init__(self) -> None:
        self.stack = cdk.Stack(new_app(), "Test", env=cdk.Environment(account="111111111111", region="eu-west-1"))
        self.key = kms.Key(self.stack, "Key")
        self.bucket = s3.Bucket(self.stack, "Data", encryption_key=self.key)
        self.model = Model(self.stack, "Model", name_prefix="churn", image=IMAGE, model_data_url=URL)

    def endpoint(self, **changes: Any) -> ModelEndpoint:
        props = ModelEndpointProps(**{"endpoint_name": "churn", "model": self.model, "encryption_key": self.key,
                                      **changes})
        return ModelEndpoint(self.stack, "Ep", props=props)

    def template(self) -> Template:
        return Template.from_stack(self.stack)


def realtime(**variant: Any) -> list[ProductionVariant]:
    return [ProductionVariant(**{"instance_type": "ml.m5.xlarge", **variant})]


@pytest.fixture
def env() -> Env:
    return Env()


# ----------------------------------------------------------------------------------------------- real-time
def test_realtime_variants_config_and_endpoint(env: Env) -> None:
    ep = env.endpoint(variants=[
        ProductionVariant(variant_name="a", instance_type="ml.m5.xlarge", initial_instance_count=2,
                          initial_weight=3, volume_size_gb=100, model_data_download_timeout_seconds=900,
                          container_startup_health_check_timeout_seconds=600),
        ProductionVariant(variant_name="b", instance_type="ml.c5.xlarge"),
    ])
    assert ep.kind == "realtime"
    config_name = env.stack.resolve(ep.endpoint_config_name)  # derived at synth
    model_name = env.stack.resolve(env.model.model_name)
    assert re.fullmatch(r"churn-[0-9a-f]{10}", config_name)
    t = env.template()
    t.has_resource_properties("AWS::SageMaker::EndpointConfig", {
        "EndpointConfigName": config_name,
        "KmsKeyId": {"Fn::GetAtt": [Match.string_like_regexp("^Key"), "Arn"]},
        "ProductionVariants": [
            {"VariantName": "a", "ModelName": model_name, "InstanceType": "ml.m5.xlarge",
             "InitialInstanceCount": 2, "InitialVariantWeight": 3, "VolumeSizeInGB": 100,
             "ModelDataDownloadTimeoutInSeconds": 900, "ContainerStartupHealthCheckTimeoutInSeconds": 600},
            {"VariantName": "b", "ModelName": model_name, "InstanceType": "ml.c5.xlarge",
             "InitialInstanceCount": 1, "InitialVariantWeight": 1},
        ],
    })
    t.has_resource_properties("AWS::SageMaker::Endpoint", {
        "EndpointName": "churn",
        "EndpointConfigName": {"Fn::GetAtt": [Match.string_like_regexp("Config"), "EndpointConfigName"]},
    })


def test_endpoint_depends_on_the_whole_model_role(env: Env) -> None:
    env.endpoint(variants=realtime())
    (endpoint,) = env.template().find_resources("AWS::SageMaker::Endpoint").values()
    assert any(d.startswith("ModelRoleDefaultPolicy") for d in endpoint["DependsOn"])
    assert any(re.fullmatch(r"ModelRole[0-9A-F]{8}", d) for d in endpoint["DependsOn"])


def test_alarms_per_variant_with_actions(env: Env) -> None:
    topic = sns.Topic(env.stack, "Topic")
    from aws_cdk import aws_cloudwatch_actions as cw_actions
    ep = env.endpoint(variants=realtime(variant_name="v1"), alarms=AlarmThresholds(model_latency_ms=500),
                      alarm_actions=[cw_actions.SnsAction(topic)])
    assert set(ep.alarms) == {"v1-5xx", "v1-latency"}
    t = env.template()
    dims = [{"Name": "EndpointName", "Value": "churn"}, {"Name": "VariantName", "Value": "v1"}]
    t.has_resource_properties("AWS::CloudWatch::Alarm", {
        "MetricName": "Invocation5XXErrors", "Namespace": "AWS/SageMaker", "Statistic": "Sum", "Threshold": 1,
        "Dimensions": dims, "AlarmActions": [{"Ref": Match.string_like_regexp("^Topic")}],
    })
    t.has_resource_properties("AWS::CloudWatch::Alarm", {
        "MetricName": "ModelLatency", "Threshold": 500000, "Dimensions": dims,
        "ComparisonOperator": "GreaterThanThreshold",
    })


def test_data_capture_to_bucket_with_kms_and_role_write(env: Env) -> None:
    env.endpoint(variants=realtime(), data_capture=DataCapture(bucket=env.bucket, prefix="capture/churn",
                                                                sampling_percentage=35, capture_output=False))
    t = env.template()
    t.has_resource_properties("AWS::SageMaker::EndpointConfig", {"DataCaptureConfig": {
        "EnableCapture": True, "InitialSamplingPercentage": 35,
        "DestinationS3Uri": {"Fn::Join": ["", ["s3://", {"Ref": Match.string_like_regexp("^Data")},
                                                "/capture/churn"]]},
        "CaptureOptions": [{"CaptureMode": "Input"}],
        "KmsKeyId": Match.any_value(),
    }})
    t.has_resource_properties("AWS::IAM::Policy", {"PolicyDocument": {"Statement": Match.array_with([
        Match.object_like({"Action": Match.array_with(["s3:PutObject"]), "Resource": {"Fn::Join": [
            "", [{"Fn::GetAtt": [Match.string_like_regexp("^Data"), "Arn"]}, "/capture/churn/*"]]}}),
    ])}})


def test_autoscaling_target_tracking_custom_metric_and_schedule(env: Env) -> None:
    ep = env.endpoint(variants=realtime(variant_name="v1"), autoscaling=Autoscaling(
        min_capacity=1, max_capacity=5, target_invocations_per_instance=200, scale_in_cooldown_seconds=600,
        scale_out_cooldown_seconds=60,
        custom_metric=CustomMetricTarget(namespace="/aws/sagemaker/Endpoints", metric_name="GPUUtilization",
                                         target=70, dimensions={"EndpointName": "churn", "VariantName": "v1"}),
        scheduled=[ScheduledCapacity(name="Morning", schedule="cron(0 7 * * ? *)", min_capacity=3)],
    ))
    t = env.template()
    t.has_resource_properties("AWS::ApplicationAutoScaling::ScalableTarget", {
        "ResourceId": "endpoint/churn/variant/v1", "ScalableDimension": "sagemaker:variant:DesiredInstanceCount",
        "ServiceNamespace": "sagemaker", "MinCapacity": 1, "MaxCapacity": 5, "RoleARN": Match.absent(),
        "ScheduledActions": [{"ScheduledActionName": "Morning", "Schedule": "cron(0 7 * * ? *)",
                              "ScalableTargetAction": {"MinCapacity": 3}}],
    })
    t.has_resource_properties("AWS::ApplicationAutoScaling::ScalingPolicy", {
        "PolicyType": "TargetTrackingScaling",
        "TargetTrackingScalingPolicyConfiguration": {
            "PredefinedMetricSpecification": {"PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"},
            "TargetValue": 200, "ScaleInCooldown": 600, "ScaleOutCooldown": 60},
    })
    t.has_resource_properties("AWS::ApplicationAutoScaling::ScalingPolicy", {
        "TargetTrackingScalingPolicyConfiguration": Match.object_like({
            "CustomizedMetricSpecification": Match.object_like({"MetricName": "GPUUtilization"}),
            "TargetValue": 70}),
    })
    t.resource_count_is("AWS::IAM::Role", 1)  # only the model's: scaling uses the service-linked role
    (target,) = t.find_resources("AWS::ApplicationAutoScaling::ScalableTarget").values()
    endpoint_id = env.stack.resolve(ep.endpoint.logical_id)
    assert endpoint_id in target["DependsOn"]


@pytest.mark.parametrize(("deployment", "expected"), [
    (DeploymentGuardrails(), {"BlueGreenUpdatePolicy": Match.object_like({
        "TrafficRoutingConfiguration": {"Type": "ALL_AT_ONCE", "WaitIntervalInSeconds": 300}})}),
    (DeploymentGuardrails(strategy="canary", canary_percent=50, wait_seconds=600), {
        "BlueGreenUpdatePolicy": {"TrafficRoutingConfiguration": {
            "Type": "CANARY", "CanarySize": {"Type": "CAPACITY_PERCENT", "Value": 50}, "WaitIntervalInSeconds": 600},
            "TerminationWaitInSeconds": 300, "MaximumExecutionTimeoutInSeconds": 3600}}),
    (DeploymentGuardrails(strategy="linear", linear_step_percent=10), {"BlueGreenUpdatePolicy": Match.object_like({
        "TrafficRoutingConfiguration": Match.object_like({
            "Type": "LINEAR", "LinearStepSize": {"Type": "CAPACITY_PERCENT", "Value": 10}})})}),
    (DeploymentGuardrails(strategy="rolling", rolling_batch_percent=20, max_execution_timeout_seconds=28800), {
        "RollingUpdatePolicy": {"MaximumBatchSize": {"Type": "CAPACITY_PERCENT", "Value": 20},
                                "WaitIntervalInSeconds": 300, "MaximumExecutionTimeoutInSeconds": 28800}}),
])
def test_guardrails_with_rollback_alarms(env: Env, deployment: DeploymentGuardrails, expected: dict) -> None:
    env.endpoint(variants=realtime(), deployment=deployment)
    t = env.template()
    t.has_resource_properties("AWS::SageMaker::Endpoint", {"DeploymentConfig": {
        **expected,
        "AutoRollbackConfiguration": {"Alarms": [
            {"AlarmName": {"Ref": Match.string_like_regexp("Errors5xx")}},
            {"AlarmName": {"Ref": Match.string_like_regexp("Latency")}},
        ]},
    }})
    t.has_resource_properties("AWS::IAM::Policy", {"PolicyDocument": {"Statement": Match.array_with([
        Match.object_like({"Sid": "GuardrailAlarms", "Action": "cloudwatch:DescribeAlarms"})])}})


def test_grant_invoke(env: Env) -> None:
    ep = env.endpoint(variants=realtime())
    caller = iam.Role(env.stack, "Caller", assumed_by=iam.AccountRootPrincipal())
    ep.grant_invoke(caller)
    env.template().has_resource_properties("AWS::IAM::Policy", {
        "Roles": [{"Ref": Match.string_like_regexp("^Caller")}],
        "PolicyDocument": {"Statement": [Match.object_like({
            "Action": ["sagemaker:InvokeEndpoint", "sagemaker:InvokeEndpointWithResponseStream"],
            "Resource": {"Ref": env.stack.resolve(ep.endpoint.logical_id)}})]},
    })


def test_dashboard_is_optional(env: Env) -> None:
    ep = env.endpoint(variants=realtime(), dashboard=True)
    assert ep.dashboard is not None
    env.template().resource_count_is("AWS::CloudWatch::Dashboard", 1)


# ----------------------------------------------------------------------------------------------- serverless
def test_serverless_config_keeps_the_image_key(env: Env) -> None:
    ep = env.endpoint(serverless=ServerlessConfig(memory_mb=3072, max_concurrency=50, provisioned_concurrency=10))
    assert ep.kind == "serverless"
    t = env.template()
    t.has_resource_properties("AWS::SageMaker::EndpointConfig", {
        "KmsKeyId": Match.any_value(),
        "ProductionVariants": [{"VariantName": "AllTraffic", "ModelName": env.stack.resolve(env.model.model_name),
                                "ServerlessConfig": {"MemorySizeInMB": 3072, "MaxConcurrency": 50,
                                                     "ProvisionedConcurrency": 10}}],
    })
    t.has_resource_properties("AWS::SageMaker::Endpoint", {"DeploymentConfig": Match.absent()})
    t.resource_count_is("AWS::ApplicationAutoScaling::ScalableTarget", 0)
    ep.grant_invoke(iam.Role(env.stack, "Caller", assumed_by=iam.AccountRootPrincipal()))


# ----------------------------------------------------------------------------------------------- async
def test_async_output_topics_and_scale_to_zero(env: Env) -> None:
    ok = sns.Topic(env.stack, "Ok")
    bad = sns.Topic(env.stack, "Bad")
    ep = env.endpoint(
        variants=realtime(),
        async_inference=AsyncInference(output_bucket=env.bucket, output_prefix="async/churn", success_topic=ok,
                                       error_topic=bad, max_concurrent_invocations_per_instance=4),
        autoscaling=Autoscaling(min_capacity=0, max_capacity=3, target_backlog_per_instance=5),
    )
    assert ep.kind == "async"
    ep.grant_invoke(iam.Role(env.stack, "Caller", assumed_by=iam.AccountRootPrincipal()))
    t = env.template()
    t.has_resource_properties("AWS::SageMaker::EndpointConfig", {"AsyncInferenceConfig": {
        "ClientConfig": {"MaxConcurrentInvocationsPerInstance": 4},
        "OutputConfig": {
            "S3OutputPath": {"Fn::Join": ["", ["s3://", Match.any_value(), "/async/churn/output"]]},
            "S3FailurePath": {"Fn::Join": ["", ["s3://", Match.any_value(), "/async/churn/failures"]]},
            "KmsKeyId": Match.any_value(),
            "NotificationConfig": {"SuccessTopic": {"Ref": Match.string_like_regexp("^Ok")},
                                   "ErrorTopic": {"Ref": Match.string_like_regexp("^Bad")}},
        },
    }})
    t.has_resource_properties("AWS::ApplicationAutoScaling::ScalableTarget", {"MinCapacity": 0, "MaxCapacity": 3})
    t.has_resource_properties("AWS::ApplicationAutoScaling::ScalingPolicy", {
        "PolicyType": "TargetTrackingScaling",
        "TargetTrackingScalingPolicyConfiguration": Match.object_like({
            "TargetValue": 5,
            "CustomizedMetricSpecification": {"MetricName": "ApproximateBacklogSizePerInstance",
                                              "Namespace": "AWS/SageMaker", "Statistic": "Average",
                                              "Dimensions": [{"Name": "EndpointName", "Value": "churn"}]}}),
    })
    t.has_resource_properties("AWS::ApplicationAutoScaling::ScalingPolicy", {
        "PolicyType": "StepScaling",
        "StepScalingPolicyConfiguration": {"AdjustmentType": "ChangeInCapacity", "Cooldown": 300,
                                           "StepAdjustments": [{"MetricIntervalLowerBound": 0,
                                                                "ScalingAdjustment": 1}]},
    })
    t.has_resource_properties("AWS::CloudWatch::Alarm", {
        "MetricName": "HasBacklogWithoutCapacity", "Namespace": "AWS/SageMaker", "Statistic": "Average",
        "Period": 60, "EvaluationPeriods": 2, "Threshold": 1,
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "Dimensions": [{"Name": "EndpointName", "Value": "churn"}],
        "AlarmActions": [{"Ref": Match.string_like_regexp("ScaleFromZero")}],
    })
    t.has_resource_properties("AWS::IAM::Policy", {"PolicyDocument": {"Statement": Match.array_with([
        Match.object_like({"Action": "sns:Publish"})])}})
    t.has_resource_properties("AWS::IAM::Policy", {
        "PolicyDocument": {"Statement": [Match.object_like({"Action": "sagemaker:InvokeEndpointAsync"})]}})


# ----------------------------------------------------------------------------------------------- KMS / NVMe
@pytest.mark.parametrize("instance_type", ["ml.g5.2xlarge", "ml.m5d.large", "ml.p4d.24xlarge", "ml.g4dn.xlarge"])
def test_nvme_instances_get_no_volume_key_and_a_narrow_acknowledgement(env: Env, instance_type: str) -> None:
    ep = env.endpoint(variants=realtime(instance_type=instance_type))
    assert ep.volume_key_omitted
    env.template().has_resource_properties("AWS::SageMaker::EndpointConfig", {"KmsKeyId": Match.absent()})
    acks = list_acknowledgements(env.stack)
    assert {rule for path, rule, _ in acks if path == ep.config.node.path} == set(NVME_KMS_RULES)
    assert not [a for a in acks if a[1] in NVME_KMS_RULES and a[0] != ep.config.node.path]


def test_ebs_instances_keep_the_volume_key_and_no_acknowledgement(env: Env) -> None:
    ep = env.endpoint(variants=realtime(instance_type="ml.inf2.xlarge"))
    assert not ep.volume_key_omitted
    env.template().has_resource_properties("AWS::SageMaker::EndpointConfig", {"KmsKeyId": Match.any_value()})
    assert not [a for a in list_acknowledgements(env.stack) if a[1] in NVME_KMS_RULES]


# ----------------------------------------------------------------------------------------------- hashed names
def _synth(variant: dict[str, Any]) -> dict[str, Any]:
    e = Env()
    e.endpoint(
        variants=[ProductionVariant(**{"variant_name": "v1", "instance_type": "ml.m5.xlarge", **variant})],
        autoscaling=Autoscaling(min_capacity=1, max_capacity=4, target_invocations_per_instance=100),
        data_capture=DataCapture(bucket=e.bucket),
        deployment=DeploymentGuardrails(strategy="canary"),
    )
    return e.template().to_json()["Resources"]


def _config_name(resources: dict[str, Any]) -> str:
    (config,) = [r for r in resources.values() if r["Type"] == "AWS::SageMaker::EndpointConfig"]
    return str(config["Properties"]["EndpointConfigName"])


@pytest.mark.parametrize("change", [
    {"instance_type": "ml.c5.2xlarge"}, {"initial_instance_count": 3}, {"initial_weight": 0.5},
    {"volume_size_gb": 64}, {"model_data_download_timeout_seconds": 1200},
    {"container_startup_health_check_timeout_seconds": 900},
], ids=lambda c: next(iter(c)))
def test_variant_change_means_a_new_config_name_and_nothing_else(change: dict[str, Any]) -> None:
    before, after = _synth({}), _synth(change)
    assert before.keys() == after.keys()  # same logical ids: nothing added, nothing removed
    assert _config_name(before) != _config_name(after)
    changed = {k for k in before if before[k] != after[k]}
    (config_id,) = [k for k, r in before.items() if r["Type"] == "AWS::SageMaker::EndpointConfig"]
    assert changed == {config_id}
    # The endpoint keeps its name (in-place update) and follows the config by GetAtt.
    (endpoint,) = [r for r in after.values() if r["Type"] == "AWS::SageMaker::Endpoint"]
    assert endpoint["Properties"]["EndpointName"] == "churn"


def test_same_input_gives_the_same_names() -> None:
    assert _synth({}) == _synth({})


def test_other_config_content_changes_the_name() -> None:
    e1, e2, e3 = Env(), Env(), Env()
    base = e1.stack.resolve(e1.endpoint(variants=realtime()).endpoint_config_name)
    capture = e2.stack.resolve(
        e2.endpoint(variants=realtime(), data_capture=DataCapture(bucket=e2.bucket)).endpoint_config_name)
    no_key = e3.stack.resolve(e3.endpoint(variants=realtime(), encryption_key=None).endpoint_config_name)
    assert len({base, capture, no_key}) == 3


# ----------------------------------------------------------------------------------------------- validation
def _vpc_model(env: Env) -> Model:
    vpc = ec2.Vpc.from_vpc_attributes(env.stack, "Vpc", vpc_id="vpc-12345678", availability_zones=["eu-west-1a"])
    subnets = [ec2.Subnet.from_subnet_attributes(env.stack, f"S{i}", subnet_id=f"subnet-0000000{i}",
                                                 availability_zone=z) for i, z in enumerate(["eu-west-1a",
                                                                                             "eu-west-1b"])]
    return Model(env.stack, "VpcModel", name_prefix="vpc", image=IMAGE, model_data_url=URL,
                 vpc_subnets=ec2.SubnetSelection(subnets=subnets),
                 security_groups=[ec2.SecurityGroup(env.stack, "Sg", vpc=vpc)])


SL = ServerlessConfig()
RT = realtime()


def _async(env: Env, **kw: Any) -> AsyncInference:
    return AsyncInference(output_bucket=env.bucket, **kw)


INVALID: list[tuple[str, Any, str]] = [
    ("bad endpoint name", lambda e: {"endpoint_name": "churn_1", "variants": RT}, "endpoint_name"),
    ("serverless and async", lambda e: {"serverless": SL, "async_inference": _async(e)}, "serverless"),
    ("duplicate variants", lambda e: {"variants": RT * 2}, "variants[1].variant_name"),
    ("bad variant name", lambda e: {"variants": realtime(variant_name="a b")}, "variants[0].variant_name"),
    ("no instance type", lambda e: {"variants": [ProductionVariant()]}, "variants[0].instance_type"),
    ("bad instance type", lambda e: {"variants": realtime(instance_type="m5.large")}, "variants[0].instance_type"),
    ("zero instances", lambda e: {"variants": realtime(initial_instance_count=0)},
     "variants[0].initial_instance_count"),
    ("zero weight", lambda e: {"variants": realtime(initial_weight=0)}, "variants[0].initial_weight"),
    ("volume too big", lambda e: {"variants": realtime(volume_size_gb=513)}, "variants[0].volume_size_gb"),
    ("volume on nvme", lambda e: {"variants": realtime(instance_type="ml.g5.xlarge", volume_size_gb=50)},
     "variants[0].volume_size_gb"),
    ("download timeout", lambda e: {"variants": realtime(model_data_download_timeout_seconds=30)},
     "variants[0].model_data_download_timeout_seconds"),
    ("startup timeout", lambda e: {"variants": realtime(container_startup_health_check_timeout_seconds=3601)},
     "variants[0].container_startup_health_check_timeout_seconds"),
    ("serverless memory", lambda e: {"serverless": ServerlessConfig(memory_mb=1500)}, "serverless.memory_mb"),
    ("serverless concurrency", lambda e: {"serverless": ServerlessConfig(max_concurrency=201)},
     "serverless.max_concurrency"),
    ("serverless zero concurrency", lambda e: {"serverless": ServerlessConfig(max_concurrency=0)},
     "serverless.max_concurrency"),
    ("provisioned above max", lambda e: {"serverless": ServerlessConfig(max_concurrency=5,
                                                                        provisioned_concurrency=6)},
     "serverless.provisioned_concurrency"),
    ("serverless two variants", lambda e: {"serverless": SL, "variants": [ProductionVariant(variant_name="a"),
                                                                          ProductionVariant(variant_name="b")]},
     "variants"),
    ("serverless instance type", lambda e: {"serverless": SL, "variants": RT}, "variants[0].instance_type"),
    ("serverless volume", lambda e: {"serverless": SL, "variants": [ProductionVariant(volume_size_gb=10)]},
     "variants[0].volume_size_gb"),
    ("serverless vpc", lambda e: {"serverless": SL, "model": _vpc_model(e)}, "model"),
    ("serverless isolation", lambda e: {"serverless": SL, "model": Model(
        e.stack, "Iso", name_prefix="iso", image=IMAGE, model_data_url=URL, network_isolation=True)}, "model"),
    ("serverless capture", lambda e: {"serverless": SL, "data_capture": DataCapture(bucket=e.bucket)},
     "data_capture"),
    ("serverless guardrails", lambda e: {"serverless": SL, "deployment": DeploymentGuardrails()}, "deployment"),
    ("serverless autoscaling", lambda e: {"serverless": SL, "autoscaling": Autoscaling(
        target_invocations_per_instance=1)}, "autoscaling"),
    ("async prefix", lambda e: {"variants": RT, "async_inference": _async(e, output_prefix="/out/")},
     "async_inference.output_prefix"),
    ("async input prefix", lambda e: {"variants": RT, "async_inference": _async(e, input_prefix="")},
     "async_inference.input_prefix"),
    ("async concurrency", lambda e: {"variants": RT, "async_inference": _async(
        e, max_concurrent_invocations_per_instance=0)}, "async_inference.max_concurrent_invocations_per_instance"),
    ("capture sampling", lambda e: {"variants": RT, "data_capture": DataCapture(bucket=e.bucket,
                                                                                 sampling_percentage=101)},
     "data_capture.sampling_percentage"),
    ("capture nothing", lambda e: {"variants": RT, "data_capture": DataCapture(
        bucket=e.bucket, capture_input=False, capture_output=False)}, "data_capture"),
    ("capture prefix", lambda e: {"variants": RT, "data_capture": DataCapture(bucket=e.bucket, prefix="a//b")},
     "data_capture.prefix"),
    ("max below one", lambda e: {"variants": RT, "autoscaling": Autoscaling(
        min_capacity=0, max_capacity=0, target_invocations_per_instance=1)}, "autoscaling.max_capacity"),
    ("min above max", lambda e: {"variants": RT, "autoscaling": Autoscaling(
        min_capacity=3, max_capacity=2, target_invocations_per_instance=1)}, "autoscaling.min_capacity"),
    ("realtime to zero", lambda e: {"variants": RT, "autoscaling": Autoscaling(
        min_capacity=0, target_invocations_per_instance=1)}, "autoscaling.min_capacity"),
    ("realtime backlog", lambda e: {"variants": RT, "autoscaling": Autoscaling(
        target_invocations_per_instance=1, target_backlog_per_instance=2)}, "autoscaling.target_backlog_per_instance"),
    ("realtime no target", lambda e: {"variants": RT, "autoscaling": Autoscaling()},
     "autoscaling.target_invocations_per_instance"),
    ("realtime negative target", lambda e: {"variants": RT, "autoscaling": Autoscaling(
        target_invocations_per_instance=-1)}, "autoscaling.target_invocations_per_instance"),
    ("async invocations target", lambda e: {"variants": RT, "async_inference": _async(e), "autoscaling": Autoscaling(
        target_invocations_per_instance=1, target_backlog_per_instance=1)},
     "autoscaling.target_invocations_per_instance"),
    ("async no backlog target", lambda e: {"variants": RT, "async_inference": _async(e),
                                           "autoscaling": Autoscaling()}, "autoscaling.target_backlog_per_instance"),
    ("negative cooldown", lambda e: {"variants": RT, "autoscaling": Autoscaling(
        target_invocations_per_instance=1, scale_in_cooldown_seconds=-1)}, "autoscaling.scale_in_cooldown_seconds"),
    ("empty schedule", lambda e: {"variants": RT, "autoscaling": Autoscaling(
        target_invocations_per_instance=1, scheduled=[ScheduledCapacity("a", "rate(1 day)")])},
     "autoscaling.scheduled[0]"),
    ("schedule min above max", lambda e: {"variants": RT, "autoscaling": Autoscaling(
        target_invocations_per_instance=1, scheduled=[ScheduledCapacity("a", "rate(1 day)", 3, 2)])},
     "autoscaling.scheduled[0].min_capacity"),
    ("schedule to zero", lambda e: {"variants": RT, "autoscaling": Autoscaling(
        target_invocations_per_instance=1, scheduled=[ScheduledCapacity("a", "rate(1 day)", 0)])},
     "autoscaling.scheduled[0].min_capacity"),
    ("bad schedule", lambda e: {"variants": RT, "autoscaling": Autoscaling(
        target_invocations_per_instance=1, scheduled=[ScheduledCapacity("a", "daily", 1)])},
     "autoscaling.scheduled[0].schedule"),
    ("burstable autoscaled", lambda e: {"variants": realtime(instance_type="ml.t2.medium"),
                                        "autoscaling": Autoscaling(target_invocations_per_instance=1)},
     "variants[0].instance_type"),
    ("bad strategy", lambda e: {"variants": RT, "deployment": DeploymentGuardrails(strategy="blue")},  # type: ignore
     "deployment.strategy"),
    ("canary above 50", lambda e: {"variants": RT, "deployment": DeploymentGuardrails(strategy="canary",
                                                                                      canary_percent=51)},
     "deployment.canary_percent"),
    ("linear below 10", lambda e: {"variants": RT, "deployment": DeploymentGuardrails(strategy="linear",
                                                                                      linear_step_percent=5)},
     "deployment.linear_step_percent"),
    ("linear above 50", lambda e: {"variants": RT, "deployment": DeploymentGuardrails(strategy="linear",
                                                                                      linear_step_percent=60)},
     "deployment.linear_step_percent"),
    ("rolling batch", lambda e: {"variants": RT, "deployment": DeploymentGuardrails(strategy="rolling",
                                                                                   rolling_batch_percent=4)},
     "deployment.rolling_batch_percent"),
    ("rolling two variants", lambda e: {"variants": [*RT, *realtime(variant_name="b")],
                                        "deployment": DeploymentGuardrails(strategy="rolling")},
     "deployment.strategy"),
    ("rolling timeout", lambda e: {"variants": RT, "deployment": DeploymentGuardrails(
        strategy="rolling", max_execution_timeout_seconds=28801)}, "deployment.max_execution_timeout_seconds"),
    ("blue/green timeout", lambda e: {"variants": RT, "deployment": DeploymentGuardrails(
        max_execution_timeout_seconds=14401)}, "deployment.max_execution_timeout_seconds"),
    ("wait", lambda e: {"variants": RT, "deployment": DeploymentGuardrails(wait_seconds=3601)},
     "deployment.wait_seconds"),
    ("termination wait", lambda e: {"variants": RT, "deployment": DeploymentGuardrails(
        termination_wait_seconds=-1)}, "deployment.termination_wait_seconds"),
    ("alarm threshold", lambda e: {"variants": RT, "alarms": AlarmThresholds(errors_5xx=0)}, "alarms.errors_5xx"),
    ("latency threshold", lambda e: {"variants": RT, "alarms": AlarmThresholds(model_latency_ms=0)},
     "alarms.model_latency_ms"),
    ("evaluation periods", lambda e: {"variants": RT, "alarms": AlarmThresholds(evaluation_periods=0)},
     "alarms.evaluation_periods"),
]


@pytest.mark.parametrize(("case", "build", "field"), INVALID, ids=[c[0] for c in INVALID])
def test_invalid_props_are_rejected_naming_the_field(env: Env, case: str, build: Any, field: str) -> None:
    with pytest.raises(ValueError, match=rf"^ModelEndpoint {re.escape(field)}: .+ \(got .*\)$"):
        env.endpoint(**build(env))


def test_props_are_frozen() -> None:
    assert dataclasses.is_dataclass(ModelEndpointProps)
    with pytest.raises(dataclasses.FrozenInstanceError):
        ServerlessConfig().memory_mb = 1024  # type: ignore[misc]
