"""HostingStack from config: the three endpoint kinds of full.yaml, nag- and cfn-lint-clean, config errors."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
import yaml
from aws_cdk.assertions import Match, Template

from sagemaker_platform.cdk_context import new_app
from sagemaker_platform.compliance import apply_compliance, list_acknowledgements
from sagemaker_platform.config import ConfigError, load_config, parse_config
from sagemaker_platform.constructs.endpoint import NVME_KMS_RULES
from sagemaker_platform.stacks.hosting import HostingStack
from sagemaker_platform.stacks.network import NetworkStack

ROOT = Path(__file__).resolve().parents[3]
FULL = ROOT / "config" / "examples" / "full.yaml"
ENV = cdk.Environment(account="111111111111", region="eu-west-1")
CFN_LINT = Path("/tmp/setup/venv/bin/cfn-lint")


class Built:
    def __init__(self, outdir: Path) -> None:
        self.config = load_config(FULL)
        start = time.perf_counter()
        zones = {"availability-zones:account=111111111111:region=eu-west-1": ["eu-west-1a", "eu-west-1b"]}
        self.app = new_app(outdir=str(outdir), context=zones)  # committed context: ENV's zones, never looked up
        network = NetworkStack(self.app, "net", config=self.config, env=ENV)
        self.hosting = HostingStack(self.app, "hosting", config=self.config, network=network.network, env=ENV)
        apply_compliance(self.app)
        self.assembly = self.app.synth()  # a nag error raises here
        self.seconds = time.perf_counter() - start
        self.template_path = outdir / self.hosting.template_file
        self.template = Template.from_json(json.loads(self.template_path.read_text()))
        self.outdir = outdir


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return Built(tmp_path_factory.mktemp("hosting"))


def test_full_config_has_one_endpoint_of_each_kind(built: Built) -> None:
    kinds = {name: ep.kind for name, ep in built.hosting.endpoints.items()}
    assert sorted(kinds.values()) == ["async", "realtime", "serverless"]
    t = built.template
    t.resource_count_is("AWS::SageMaker::Endpoint", 3)
    t.resource_count_is("AWS::SageMaker::EndpointConfig", 3)
    t.resource_count_is("AWS::SageMaker::Model", 3)
    for name in kinds:
        t.has_resource_properties("AWS::SageMaker::Endpoint", {"EndpointName": name})
    print(f"hosting synth (network + hosting, 4 nag packs): {built.seconds:.1f}s")


def test_realtime_endpoint_from_config(built: Built) -> None:
    t = built.template
    t.has_resource_properties("AWS::SageMaker::EndpointConfig", {
        "DataCaptureConfig": Match.object_like({"InitialSamplingPercentage": 25, "EnableCapture": True}),
        "ProductionVariants": [Match.object_like({"VariantName": "blue", "InitialVariantWeight": 0.9}),
                               Match.object_like({"VariantName": "green", "InstanceType": "ml.g5.xlarge"})],
        "KmsKeyId": Match.absent(),  # ml.g5 has NVMe instance storage
    })
    t.has_resource_properties("AWS::SageMaker::Model", {"VpcConfig": Match.object_like({
        "SecurityGroupIds": [{"Fn::GetAtt": [Match.string_like_regexp("^ModelSecurityGroup"), "GroupId"]}]})})
    t.has_resource_properties("AWS::SageMaker::Endpoint", {"EndpointName": "churn-realtime", "DeploymentConfig": {
        "BlueGreenUpdatePolicy": Match.object_like({"TrafficRoutingConfiguration": Match.object_like({
            "Type": "CANARY", "CanarySize": {"Type": "CAPACITY_PERCENT", "Value": 20}})}),
        "AutoRollbackConfiguration": {"Alarms": Match.any_value()}}})
    t.resource_properties_count_is("AWS::ApplicationAutoScaling::ScalableTarget",
                                   {"ResourceId": Match.string_like_regexp("^endpoint/churn-realtime/")}, 2)
    t.resource_count_is("AWS::CloudWatch::Dashboard", 1)


def test_serverless_and_async_from_config(built: Built) -> None:
    t = built.template
    t.has_resource_properties("AWS::SageMaker::EndpointConfig", {
        "KmsKeyId": Match.any_value(),
        "ProductionVariants": [Match.object_like({"ServerlessConfig": {
            "MemorySizeInMB": 4096, "MaxConcurrency": 20, "ProvisionedConcurrency": 5}})]})
    t.has_resource_properties("AWS::SageMaker::Endpoint", {"EndpointName": "churn-serverless",
                                                           "DeploymentConfig": Match.absent()})
    t.has_resource_properties("AWS::SageMaker::EndpointConfig", {"AsyncInferenceConfig": Match.object_like({
        "ClientConfig": {"MaxConcurrentInvocationsPerInstance": 4}})})
    t.has_resource_properties("AWS::ApplicationAutoScaling::ScalableTarget", {
        "ResourceId": "endpoint/docs-async/variant/AllTraffic", "MinCapacity": 0, "MaxCapacity": 3})
    t.has_resource_properties("AWS::CloudWatch::Alarm", {"MetricName": "HasBacklogWithoutCapacity"})
    t.has_resource_properties("AWS::SageMaker::Model", {"EnableNetworkIsolation": True, "PrimaryContainer": {
        "ModelPackageName": "arn:aws:sagemaker:eu-west-1:111111111111:model-package/docs-summarizer/3"}})
    t.resource_properties_count_is("AWS::SNS::Topic", {"KmsMasterKeyId": Match.any_value()}, 3)


def test_scalable_targets_come_after_their_endpoints(built: Built) -> None:
    resources = built.template.to_json()["Resources"]
    endpoints = {r["Properties"]["EndpointName"]: k for k, r in resources.items()
                 if r["Type"] == "AWS::SageMaker::Endpoint"}
    for target in (r for r in resources.values() if r["Type"] == "AWS::ApplicationAutoScaling::ScalableTarget"):
        name = target["Properties"]["ResourceId"].split("/")[1]
        assert endpoints[name] in target["DependsOn"]


def test_nag_packs_clean_with_only_the_nvme_acknowledgement(built: Built) -> None:
    report = json.loads((built.outdir / "validation-report.json").read_text())
    # synth would have raised on any error; the report lists no failing plugin either
    assert not [p for p in report["pluginReports"] if p.get("summary", {}).get("status") == "failure"]
    nvme = [a for a in list_acknowledgements(built.hosting) if a[1] in NVME_KMS_RULES]
    assert {a[0] for a in nvme} == {"hosting/Endpoint0/Config"}
    assert {a[1] for a in nvme} == set(NVME_KMS_RULES)


@pytest.mark.skipif(not CFN_LINT.exists() and not shutil.which("cfn-lint"), reason="cfn-lint not installed")
def test_cfn_lint_clean(built: Built) -> None:
    exe = str(CFN_LINT) if CFN_LINT.exists() else "cfn-lint"
    result = subprocess.run([exe, "-i", "W3005", "--", str(built.template_path)], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_vpc_model_needs_the_network() -> None:
    config = load_config(FULL)
    with pytest.raises(ValueError, match=r"HostingStack network: endpoints\[0\]\.model\.vpc"):
        HostingStack(new_app(), "hosting", config=config, env=ENV)


def test_no_endpoints_still_synthesizes() -> None:
    app = new_app()
    stack = HostingStack(app, "hosting", config=parse_config({}), env=ENV)
    Template.from_stack(stack).resource_count_is("AWS::SageMaker::Endpoint", 0)


# ----------------------------------------------------------------------------------------------- config errors
BASE: dict[str, Any] = {
    "name": "ep",
    "model": {"image": "111111111111.dkr.ecr.eu-west-1.amazonaws.com/m:1", "model_data_url": "s3://b/m.tar.gz"},
}
SERVERLESS = {**BASE, "kind": "serverless", "serverless": {}}
ASYNC = {**BASE, "kind": "async", "async_inference": {}}


def _with(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    out = copy.deepcopy(base)
    out.update(changes)
    return out


CONFIG_ERRORS: list[tuple[str, dict[str, Any], str, Any]] = [
    ("serverless memory", _with(SERVERLESS, serverless={"memory_mb": 1500}), "endpoints[0].serverless.memory_mb",
     1500),
    ("serverless concurrency", _with(SERVERLESS, serverless={"max_concurrency": 201}),
     "endpoints[0].serverless.max_concurrency", 201),
    ("provisioned above max", _with(SERVERLESS, serverless={"max_concurrency": 4, "provisioned_concurrency": 5}),
     "endpoints[0].serverless.provisioned_concurrency", 5),
    ("serverless missing", _with(BASE, kind="serverless"), "endpoints[0].serverless", None),
    ("serverless two variants", _with(SERVERLESS, variants=[{"variant_name": "a"}, {"variant_name": "b"}]),
     "endpoints[0].variants", 2),
    ("serverless vpc", _with(SERVERLESS, model={**BASE["model"], "vpc": True}), "endpoints[0].model",
     {"vpc": True, "network_isolation": False}),
    ("serverless capture", _with(SERVERLESS, data_capture={"enabled": True}), "endpoints[0].data_capture",
     "DataCapture"),
    ("serverless guardrails", _with(SERVERLESS, deployment={"strategy": "canary"}), "endpoints[0].deployment",
     "canary"),
    ("serverless autoscaling", _with(SERVERLESS, autoscaling={}), "endpoints[0].autoscaling", "Autoscaling"),
    ("serverless on realtime", _with(BASE, serverless={}), "endpoints[0].serverless", None),
    ("async missing", _with(BASE, kind="async"), "endpoints[0].async_inference", None),
    ("async on realtime", _with(BASE, async_inference={}), "endpoints[0].async_inference", None),
    ("image without artifact", _with(BASE, model={"image": BASE["model"]["image"]}),
     "endpoints[0].model.model_data_url", None),
    ("artifact bucket with image", _with(BASE, model={**BASE["model"], "artifact_bucket": "b1"}),
     "endpoints[0].model.artifact_bucket", "b1"),
    ("duplicate variant", _with(BASE, variants=[{"variant_name": "a"}, {"variant_name": "a"}]),
     "endpoints[0].variants[1].variant_name",
     "a"),
    ("volume on nvme", _with(BASE, variants=[{"instance_type": "ml.g5.xlarge", "volume_size_gb": 40}]),
     "endpoints[0].variants[0].volume_size_gb", 40),
    ("canary above 50", _with(BASE, deployment={"strategy": "canary", "canary_percent": 60}),
     "endpoints[0].deployment.canary_percent", 60),
    ("linear below 10", _with(BASE, deployment={"strategy": "linear", "linear_step_percent": 5}),
     "endpoints[0].deployment.linear_step_percent", 5),
    ("rolling two variants", _with(BASE, variants=[{"variant_name": "a"}, {"variant_name": "b"}],
                                   deployment={"strategy": "rolling"}), "endpoints[0].deployment.strategy",
     "rolling"),
    ("min above max", _with(BASE, autoscaling={"min_capacity": 3, "max_capacity": 2,
                                               "target_invocations_per_instance": 10}),
     "endpoints[0].autoscaling.min_capacity", 3),
    ("realtime to zero", _with(BASE, autoscaling={"min_capacity": 0, "target_invocations_per_instance": 10}),
     "endpoints[0].autoscaling.min_capacity", 0),
    ("realtime no target", _with(BASE, autoscaling={}), "endpoints[0].autoscaling.target_invocations_per_instance",
     None),
    ("realtime backlog", _with(BASE, autoscaling={"target_invocations_per_instance": 1,
                                                  "target_backlog_per_instance": 2}),
     "endpoints[0].autoscaling.target_backlog_per_instance", 2),
    ("async invocations", _with(ASYNC, autoscaling={"target_invocations_per_instance": 1}),
     "endpoints[0].autoscaling.target_invocations_per_instance", 1),
    ("async no backlog", _with(ASYNC, autoscaling={"min_capacity": 0}),
     "endpoints[0].autoscaling.target_backlog_per_instance", None),
    ("empty schedule", _with(BASE, autoscaling={"target_invocations_per_instance": 1,
                                                "scheduled": [{"name": "a", "schedule": "rate(1 day)"}]}),
     "endpoints[0].autoscaling.scheduled[0]", "a"),
    ("schedule min above max", _with(BASE, autoscaling={
        "target_invocations_per_instance": 1,
        "scheduled": [{"name": "a", "schedule": "rate(1 day)", "min_capacity": 3, "max_capacity": 2}]}),
     "endpoints[0].autoscaling.scheduled[0].min_capacity", 3),
    ("schedule to zero", _with(BASE, autoscaling={
        "target_invocations_per_instance": 1,
        "scheduled": [{"name": "a", "schedule": "rate(1 day)", "min_capacity": 0}]}),
     "endpoints[0].autoscaling.scheduled[0].min_capacity", 0),
    ("bad schedule", _with(BASE, autoscaling={"target_invocations_per_instance": 1, "scheduled": [
        {"name": "a", "schedule": "daily", "min_capacity": 1}]}),
     "endpoints[0].autoscaling.scheduled[0].schedule", "daily"),
    ("burstable autoscaled", _with(BASE, variants=[{"instance_type": "ml.t2.medium"}],
                                   autoscaling={"target_invocations_per_instance": 1}),
     "endpoints[0].variants[0].instance_type", "ml.t2.medium"),
    ("capture sampling", _with(BASE, data_capture={"enabled": True, "sampling_percentage": 101}),
     "endpoints[0].data_capture.sampling_percentage", 101),
    ("download timeout", _with(BASE, variants=[{"model_data_download_timeout_seconds": 10}]),
     "endpoints[0].variants[0].model_data_download_timeout_seconds", 10),
]


@pytest.mark.parametrize(("case", "endpoint", "path", "value"), CONFIG_ERRORS, ids=[c[0] for c in CONFIG_ERRORS])
def test_config_errors_name_the_field_and_value(case: str, endpoint: dict, path: str, value: Any) -> None:
    with pytest.raises(ConfigError) as err:
        parse_config({"endpoints": [endpoint]})
    assert err.value.path == path, str(err.value)
    assert err.value.value == value, str(err.value)


def test_full_example_endpoints_parse() -> None:
    data = yaml.safe_load(FULL.read_text())
    assert [e["kind"] for e in data["endpoints"]] == ["realtime", "serverless", "async"]
