"""EndpointMonitor: job definitions and schedules, the regional image, derived names, the role, alarms, errors."""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Match, Template

from sagemaker_platform.cdk_context import new_app
from sagemaker_platform.constructs.endpoint import (
    AsyncInference,
    DataCapture,
    ModelEndpoint,
    ModelEndpointProps,
    ProductionVariant,
)
from sagemaker_platform.constructs.model import Model
from sagemaker_platform.constructs.monitoring import DataQualityJob, EndpointMonitor, ModelQualityJob
from tests.iam.evaluator import Decision, Request, evaluate
from tests.iam.template import Account

IMAGE = "111111111111.dkr.ecr.eu-west-1.amazonaws.com/churn:1.0"
URL = "s3://models-bucket/churn/1.0/model.tar.gz"
DQ = DataQualityJob(baseline_constraints_uri="s3://baseline-bucket/churn/constraints.json",
                    baseline_statistics_uri="s3://baseline-bucket/churn/statistics.json")
MQ = ModelQualityJob(problem_type="BinaryClassification", ground_truth_s3_uri="s3://truth-bucket/churn/labels",
                     schedule="daily", probability_attribute="score", probability_threshold_attribute=0.5)


class Env:
    """A stack with a key, a data bucket, a real-time endpoint capturing to it and (optionally) a monitor."""

    def __init__(self, region: str | None = "eu-west-1", kind: str = "realtime", capture: bool = True) -> None:
        env = cdk.Environment(account="111111111111", region=region) if region else None
        self.app = new_app()
        self.stack = cdk.Stack(self.app, "Test", env=env)
        self.key = kms.Key(self.stack, "Key")
        self.bucket = s3.Bucket(self.stack, "Data", bucket_name="hosting-data", encryption_key=self.key)
        self.topic = sns.Topic(self.stack, "Alarms")
        model = Model(self.stack, "Model", name_prefix="churn", image=IMAGE, model_data_url=URL)
        self.endpoint = ModelEndpoint(self.stack, "Endpoint", props=ModelEndpointProps(
            endpoint_name="churn", model=model, encryption_key=self.key,
            variants=[ProductionVariant(instance_type="ml.m5.xlarge")],
            async_inference=AsyncInference(output_bucket=self.bucket) if kind == "async" else None,
            data_capture=DataCapture(bucket=self.bucket, prefix="data-capture/churn") if capture else None,
        ))

    def monitor(self, **changes: Any) -> EndpointMonitor:
        props: dict[str, Any] = {
            "endpoint": self.endpoint, "output_bucket": self.bucket, "output_prefix": "monitoring/churn",
            "data_quality": DQ, "encryption_key": self.key,
            "alarm_actions": [cw_actions.SnsAction(self.topic)], **changes,
        }
        return EndpointMonitor(self.stack, "Monitor", **props)

    def subnets(self) -> ec2.SubnetSelection:
        return ec2.SubnetSelection(subnets=[
            ec2.Subnet.from_subnet_attributes(self.stack, f"Subnet{i}", subnet_id=f"subnet-0{i}aaaaaaaaaaaaaaa",
                                              availability_zone=f"eu-west-1{zone}")
            for i, zone in enumerate("ab")])

    def group(self) -> ec2.ISecurityGroup:
        return ec2.SecurityGroup.from_security_group_id(self.stack, "Group", "sg-0123456789abcdef0")


@cache
def built() -> tuple[Env, EndpointMonitor, dict[str, Any]]:
    env = Env()
    monitor = env.monitor(model_quality=MQ, vpc_subnets=env.subnets(), security_groups=[env.group()])
    template = env.app.synth().get_stack_by_name("Test").template
    return env, monitor, template


def _of_type(template: Mapping[str, Any], resource_type: str) -> list[dict[str, Any]]:
    return [r for r in template["Resources"].values() if r["Type"] == resource_type]


def _dq_name(**changes: Any) -> tuple[str, str]:
    env = Env()
    monitor = env.monitor(**changes)
    resolved = env.stack.resolve([monitor.job_definition_names["DataQuality"],
                                  monitor.schedule_names["DataQuality"]])
    return resolved[0], resolved[1]


# ----------------------------------------------------------------------------------------------- properties
def test_data_quality_job_reads_the_endpoint_and_writes_encrypted_reports() -> None:
    _, _, template = built()
    (job,) = _of_type(template, "AWS::SageMaker::DataQualityJobDefinition")
    props = job["Properties"]
    assert props["EndpointName"] == "churn"
    assert props["DataQualityJobInput"]["EndpointInput"]["EndpointName"] == "churn"
    image = json.dumps(props["DataQualityAppSpecification"]["ImageUri"])
    assert "468650794304.dkr.ecr.eu-west-1." in image and "sagemaker-model-monitor-analyzer" in image
    assert props["DataQualityAppSpecification"]["Environment"] == {"publish_cloudwatch_metrics": "Enabled"}
    assert props["DataQualityBaselineConfig"] == {
        "ConstraintsResource": {"S3Uri": DQ.baseline_constraints_uri},
        "StatisticsResource": {"S3Uri": DQ.baseline_statistics_uri},
    }
    output = props["DataQualityJobOutputConfig"]
    assert "KmsKeyId" in output
    uri = json.dumps(output["MonitoringOutputs"][0]["S3Output"]["S3Uri"])
    assert uri.endswith('/monitoring/churn/data-quality"]]}')
    cluster = props["JobResources"]["ClusterConfig"]
    assert cluster["InstanceType"] == "ml.m5.xlarge" and "VolumeKmsKeyId" in cluster
    assert props["StoppingCondition"] == {"MaxRuntimeInSeconds": 3600}
    network = props["NetworkConfig"]
    assert network["VpcConfig"]["SecurityGroupIds"] == ["sg-0123456789abcdef0"]
    assert len(network["VpcConfig"]["Subnets"]) == 2 and network["EnableInterContainerTrafficEncryption"] is True


def test_model_quality_job_has_problem_type_ground_truth_and_attributes() -> None:
    _, _, template = built()
    (job,) = _of_type(template, "AWS::SageMaker::ModelQualityJobDefinition")
    props = job["Properties"]
    assert props["ModelQualityAppSpecification"]["ProblemType"] == "BinaryClassification"
    job_input = props["ModelQualityJobInput"]
    assert job_input["GroundTruthS3Input"] == {"S3Uri": MQ.ground_truth_s3_uri}
    assert job_input["EndpointInput"]["ProbabilityAttribute"] == "score"
    assert job_input["EndpointInput"]["ProbabilityThresholdAttribute"] == 0.5


def test_schedules_point_at_their_definitions_with_the_api_cron() -> None:
    _, _, template = built()
    schedules = {s["Properties"]["MonitoringScheduleConfig"]["MonitoringType"]: s
                 for s in _of_type(template, "AWS::SageMaker::MonitoringSchedule")}
    assert set(schedules) == {"DataQuality", "ModelQuality"}
    jobs = {"DataQuality": _of_type(template, "AWS::SageMaker::DataQualityJobDefinition")[0],
            "ModelQuality": _of_type(template, "AWS::SageMaker::ModelQualityJobDefinition")[0]}
    for kind, schedule in schedules.items():
        config = schedule["Properties"]["MonitoringScheduleConfig"]
        assert config["MonitoringJobDefinitionName"] == jobs[kind]["Properties"]["JobDefinitionName"]
        assert schedule["Properties"]["MonitoringScheduleName"].startswith(
            "churn-data-quality-" if kind == "DataQuality" else "churn-model-quality-")
    assert schedules["DataQuality"]["Properties"]["MonitoringScheduleConfig"]["ScheduleConfig"] == {
        "ScheduleExpression": "cron(0 * ? * * *)"}
    assert schedules["ModelQuality"]["Properties"]["MonitoringScheduleConfig"]["ScheduleConfig"] == {
        "ScheduleExpression": "cron(0 0 ? * * *)"}
    for schedule in schedules.values():
        assert any(d.startswith("Monitor") and "Job" in d for d in schedule["DependsOn"])


def test_env_agnostic_stack_looks_the_image_account_up_by_region() -> None:
    env = Env(region=None)
    env.monitor()
    template = Template.from_stack(env.stack)
    mapping = template.to_json()["Mappings"]["ModelMonitorAnalyzer"]
    assert mapping["us-east-1"] == {"account": "156813124566"}
    template.has_resource_properties("AWS::SageMaker::DataQualityJobDefinition", {
        "DataQualityAppSpecification": {"ImageUri": {"Fn::Join": ["", Match.array_with([
            {"Fn::FindInMap": ["ModelMonitorAnalyzer", {"Ref": "AWS::Region"}, "account"]}])]}},
    })


def test_nvme_instance_type_gets_no_volume_key() -> None:
    env = Env()
    env.monitor(data_quality=DataQualityJob(instance_type="ml.r5d.xlarge"))
    (job,) = _of_type(Template.from_stack(env.stack).to_json(), "AWS::SageMaker::DataQualityJobDefinition")
    assert "VolumeKmsKeyId" not in job["Properties"]["JobResources"]["ClusterConfig"]


# ----------------------------------------------------------------------------------------------- names
def test_definition_name_changes_with_a_create_only_value_and_the_schedule_name_stays() -> None:
    base_job, base_schedule = _dq_name()
    for changes in ({"data_quality": DataQualityJob(instance_type="ml.c5.xlarge")},
                    {"data_quality": DataQualityJob(max_runtime_seconds=1800)},
                    {"network_isolation": True}):
        job, schedule = _dq_name(**changes)
        assert job != base_job, changes
        assert schedule == base_schedule, changes
    assert _dq_name() == (base_job, base_schedule)  # deterministic


# ----------------------------------------------------------------------------------------------- role
def _role_policies() -> list[dict[str, Any]]:
    env, _, _ = built()
    assembly = env.app.synth()
    account = Account.from_assembly(assembly, account="111111111111", region="eu-west-1")
    ((_, role),) = [r for r in account.find_roles("Test/Monitor/") if r[0] == "Test"]
    return account.identity_policies("Test", role)


def test_role_reads_capture_and_baseline_writes_reports_and_nothing_else() -> None:
    policies = _role_policies()
    capture = "arn:aws:s3:::hosting-data/data-capture/churn/churn/AllTraffic/2030/01/01/00/x.jsonl"
    allowed = [
        Request("s3:GetObject", capture),
        Request("s3:ListBucket", "arn:aws:s3:::hosting-data", {"s3:prefix": "data-capture/churn/churn/AllTraffic/"}),
        Request("s3:PutObject", "arn:aws:s3:::hosting-data/monitoring/churn/data-quality/report.json"),
        Request("s3:GetObject", "arn:aws:s3:::baseline-bucket/churn/constraints.json"),
        Request("s3:GetObject", "arn:aws:s3:::truth-bucket/churn/labels/2030/01/01/00/labels.jsonl"),
        Request("cloudwatch:PutMetricData", "*", {"cloudwatch:namespace": "aws/sagemaker/Endpoints/data-metrics"}),
        Request("logs:PutLogEvents", "arn:aws:logs:eu-west-1:111111111111:log-group:/aws/sagemaker/ProcessingJobs"
                ":log-stream:job/algo-1"),
        Request("ec2:CreateNetworkInterface", "*"),
    ]
    for request in allowed:
        assert evaluate(policies, request) is Decision.ALLOW, request
    denied = [
        Request("s3:GetObject", "arn:aws:s3:::hosting-data/async-input/churn/x"),
        Request("s3:PutObject", "arn:aws:s3:::hosting-data/data-capture/churn/churn/x"),
        Request("s3:GetObject", "arn:aws:s3:::baseline-bucket/other/constraints.json"),
        Request("s3:ListBucket", "arn:aws:s3:::hosting-data", {"s3:prefix": "async-output/"}),
        Request("s3:DeleteObject", "arn:aws:s3:::hosting-data/monitoring/churn/data-quality/report.json"),
        Request("cloudwatch:PutMetricData", "*", {"cloudwatch:namespace": "Custom/Other"}),
        Request("logs:PutLogEvents", "arn:aws:logs:eu-west-1:111111111111:log-group:/aws/lambda/x:log-stream:y"),
        Request("sagemaker:InvokeEndpoint", "arn:aws:sagemaker:eu-west-1:111111111111:endpoint/churn"),
    ]
    for request in denied:
        assert evaluate(policies, request) is not Decision.ALLOW, request


def test_role_is_trusted_by_sagemaker_for_this_account_only() -> None:
    env, monitor, _ = built()
    assert monitor.role.assume_role_policy is not None
    trust = env.stack.resolve(monitor.role.assume_role_policy.to_json())
    (statement,) = trust["Statement"]
    assert statement["Principal"] == {"Service": "sagemaker.amazonaws.com"}
    assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": "111111111111"}


def test_no_vpc_no_network_interface_permissions() -> None:
    env = Env()
    env.monitor()
    document = json.dumps(env.stack.resolve(Template.from_stack(env.stack).find_resources("AWS::IAM::Policy")))
    assert "ec2:CreateNetworkInterface" not in document
    (job,) = _of_type(Template.from_stack(env.stack).to_json(), "AWS::SageMaker::DataQualityJobDefinition")
    assert "VpcConfig" not in job["Properties"]["NetworkConfig"]


# ----------------------------------------------------------------------------------------------- alarms
def test_violations_and_failures_of_each_schedule_alarm_to_the_actions() -> None:
    _, monitor, template = built()
    assert set(monitor.alarms) == {"data-quality-violations", "data-quality-failures",
                                   "model-quality-violations", "model-quality-failures"}
    rules = _of_type(template, "AWS::Events::Rule")
    patterns = [r["Properties"]["EventPattern"] for r in rules]
    assert all(p["detail-type"] == ["SageMaker Processing Job State Change"] for p in patterns)
    assert all("Fn::GetAtt" in p["detail"]["MonitoringScheduleArn"][0] for p in patterns)
    violations = [p for p in patterns if "ExitMessage" in p["detail"]]
    assert len(violations) == 2
    assert all(p["detail"]["ExitMessage"] == [{"prefix": "CompletedWithViolations"}] for p in violations)
    alarms = _of_type(template, "AWS::CloudWatch::Alarm")
    monitor_alarms = [a for a in alarms if a["Properties"].get("Namespace") == "AWS/Events"]
    assert len(monitor_alarms) == 4
    for alarm in monitor_alarms:
        assert alarm["Properties"]["MetricName"] == "TriggeredRules"
        assert alarm["Properties"]["AlarmActions"] and alarm["Properties"]["Threshold"] == 1


# ----------------------------------------------------------------------------------------------- errors
@pytest.mark.parametrize(("build", "message"), [
    (lambda: Env(kind="async").monitor(), "EndpointMonitor endpoint: Model Monitor schedules here watch real-time "
                                          "endpoints only (got 'async')"),
    (lambda: Env(capture=False).monitor(), "EndpointMonitor data_capture: the endpoint must capture data"),
    (lambda: Env(region="eu-south-1").monitor(), "EndpointMonitor region: Model Monitor's analyzer image is not "
                                                 "published in this region"),
    (lambda: Env().monitor(data_quality=DataQualityJob(schedule="rate(1 hour)")),
     "EndpointMonitor data_quality.schedule: hourly, daily"),
    (lambda: Env().monitor(data_quality=DataQualityJob(max_runtime_seconds=7200)),
     "EndpointMonitor data_quality.max_runtime_seconds: a run must end before the next one starts"),
    (lambda: Env().monitor(data_quality=None), "EndpointMonitor data_quality: give data_quality, model_quality"),
    (lambda: Env().monitor(output_prefix="/monitoring/"), "EndpointMonitor output_prefix:"),
    (lambda: Env().monitor(model_quality=ModelQualityJob(
        problem_type="Regression", ground_truth_s3_uri="s3://truth-bucket/churn/labels",
        probability_threshold_attribute=0.5)),
     "EndpointMonitor model_quality.probability_threshold_attribute: only for BinaryClassification"),
])
def test_bad_props_fail_naming_the_field(build: Any, message: str) -> None:
    with pytest.raises(ValueError) as info:
        build()
    assert str(info.value).startswith(message), str(info.value)


def test_wrong_kind_of_cdk_value_fails_at_the_call() -> None:
    env = Env()
    with pytest.raises(TypeError, match="EndpointMonitor output_bucket: expected IBucket"):
        env.monitor(output_bucket=env.key)
