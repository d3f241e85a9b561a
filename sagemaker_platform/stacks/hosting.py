"""HostingStack: the config's endpoints (real-time, serverless, async) with their models, scaling and alarms.

The stack owns what the endpoints share: a KMS key (volumes, capture, async output, topics), a data bucket for
data capture and async input/output (access-logged into its own log bucket), and one encrypted SNS topic for
alarm notifications; async endpoints get their own success and error topics. Models in a VPC use the
platform network (``network``) with a security group of their own. Endpoints with ``monitoring`` get Model Monitor
schedules that read their capture prefix and write reports under ``monitoring/<endpoint>/`` of the data bucket, in
the model's network, alarming to the same topic.
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from constructs import Construct

from sagemaker_platform.config import EndpointSection, MonitoringSection, PlatformConfig
from sagemaker_platform.constructs.bucket import AccessLogBucket, SecureBucket
from sagemaker_platform.constructs.endpoint import (
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
from sagemaker_platform.constructs.key import PlatformKey
from sagemaker_platform.constructs.model import Model
from sagemaker_platform.constructs.monitoring import DataQualityJob, EndpointMonitor, ModelQualityJob
from sagemaker_platform.constructs.network import StudioNetwork


class HostingStack(cdk.Stack):
    """Attributes: ``key``, ``data_bucket``, ``alarm_topic``, ``models``, ``endpoints`` and ``monitors``
    (name -> construct)."""

    def __init__(self, scope: Construct, construct_id: str, *, config: PlatformConfig,
                 network: StudioNetwork | None = None, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        prefix = config.platform.prefix
        self.config = config
        self.network = network
        self.key = PlatformKey(self, "Key", alias=f"{prefix}/hosting",
                               description="Encrypts SageMaker endpoint volumes, data capture, async output and "
                                           "hosting notifications")
        self._allow_alarm_notifications()
        logs = AccessLogBucket(self, "AccessLogs")
        self.data_bucket = SecureBucket(self, "HostingData", encryption_key=self.key.key,
                                        access_log_bucket=logs.bucket)
        self.alarm_topic = self._topic("Alarms", f"{prefix} endpoint alarms")
        self._model_security_group: ec2.SecurityGroup | None = None
        self.models: dict[str, Model] = {}
        self.endpoints: dict[str, ModelEndpoint] = {}
        self.monitors: dict[str, EndpointMonitor] = {}
        for i, ep in enumerate(config.endpoints):
            self.endpoints[ep.name] = self._endpoint(i, ep)
            if ep.monitoring is not None and ep.monitoring.active:
                self.monitors[ep.name] = self._monitor(i, ep, ep.monitoring)

    # ----------------------------------------------------------------------------------------------- shared
    def _topic(self, construct_id: str, display_name: str) -> sns.Topic:
        topic = sns.Topic(self, construct_id, display_name=display_name, master_key=self.key.key, enforce_ssl=True)
        # The SSL-only policy makes the topic policy the only grant for services: alarms of this account publish.
        topic.add_to_resource_policy(iam.PolicyStatement(
            sid="AllowCloudWatchAlarms",
            principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
            actions=["sns:Publish"],
            resources=[topic.topic_arn],
            conditions={
                "StringEquals": {"aws:SourceAccount": self.account},
                "ArnLike": {"aws:SourceArn": f"arn:{self.partition}:cloudwatch:{self.region}:{self.account}:alarm:*"},
            },
        ))
        return topic

    def _allow_alarm_notifications(self) -> None:
        """CloudWatch publishes alarm notifications to the encrypted alarm topic with this key."""
        self.key.key.add_to_resource_policy(iam.PolicyStatement(
            sid="AllowCloudWatchAlarmsToEncryptedTopics",
            principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
            actions=["kms:Decrypt", "kms:GenerateDataKey*"],
            resources=["*"],
            conditions={"StringEquals": {"aws:SourceAccount": self.account}},
        ))

    def _model_network(self, path: str) -> tuple[list[ec2.ISubnet], list[ec2.ISecurityGroup]]:
        if self.network is None:
            raise ValueError(f"HostingStack network: {path}.model.vpc needs the platform network "
                             "(pass network=...) (got None)")
        if self._model_security_group is None:
            sg = ec2.SecurityGroup(self, "ModelSecurityGroup", vpc=self.network.vpc, allow_all_outbound=False,
                                   description="SageMaker model containers: HTTPS to VPC endpoints and S3 only")
            sg.add_egress_rule(ec2.Peer.any_ipv4(), ec2.Port.tcp(443), "HTTPS to VPC endpoints and the S3 gateway")
            self._model_security_group = sg
        return list(self.network.subnets), [self._model_security_group]

    # ----------------------------------------------------------------------------------------------- endpoints
    def _model(self, i: int, ep: EndpointSection) -> Model:
        m = ep.model
        subnets, groups = self._model_network(f"endpoints[{i}]") if m.vpc else ([], [])
        artifact_bucket = s3.Bucket.from_bucket_name(self, f"Artifacts{i}", m.artifact_bucket) \
            if m.artifact_bucket else None
        model = Model(
            self, f"Model{i}",
            name_prefix=ep.name,
            image=m.image,
            model_data_url=m.model_data_url,
            model_package_arn=m.model_package_arn,
            environment=m.environment,
            artifact_bucket=artifact_bucket,
            encryption_key=kms.Key.from_key_arn(self, f"ArtifactKey{i}", m.artifact_key_arn)
            if m.artifact_key_arn else None,
            vpc_subnets=ec2.SubnetSelection(subnets=subnets) if subnets else None,
            security_groups=groups,
            network_isolation=m.network_isolation,
        )
        self.models[ep.name] = model
        return model

    def _endpoint(self, i: int, ep: EndpointSection) -> ModelEndpoint:
        model = self._model(i, ep)
        serverless = ep.kind == "serverless"
        variants = [
            ProductionVariant(
                variant_name=v.variant_name,
                instance_type=None if serverless else v.instance_type,
                initial_instance_count=v.initial_instance_count,
                initial_weight=v.initial_weight,
                volume_size_gb=v.volume_size_gb,
                model_data_download_timeout_seconds=v.model_data_download_timeout_seconds,
                container_startup_health_check_timeout_seconds=v.container_startup_health_check_timeout_seconds,
            )
            for v in ep.variants
        ]
        props = ModelEndpointProps(
            endpoint_name=ep.name,
            model=model,
            variants=variants,
            serverless=ServerlessConfig(
                memory_mb=ep.serverless.memory_mb, max_concurrency=ep.serverless.max_concurrency,
                provisioned_concurrency=ep.serverless.provisioned_concurrency,
            ) if ep.serverless else None,
            async_inference=self._async(i, ep),
            autoscaling=self._autoscaling(ep),
            data_capture=DataCapture(
                bucket=self.data_bucket.bucket, prefix=f"data-capture/{ep.name}",
                sampling_percentage=ep.data_capture.sampling_percentage,
                capture_input="Input" in ep.data_capture.capture,
                capture_output="Output" in ep.data_capture.capture,
            ) if ep.data_capture.enabled else None,
            deployment=None if serverless else self._deployment(ep),
            encryption_key=self.key.key,
            alarms=AlarmThresholds(errors_5xx=ep.alarms.errors_5xx, model_latency_ms=ep.alarms.model_latency_ms,
                                   evaluation_periods=ep.alarms.evaluation_periods),
            alarm_actions=[cw_actions.SnsAction(self.alarm_topic)],
            dashboard=ep.dashboard,
        )
        return ModelEndpoint(self, f"Endpoint{i}", props=props)

    def _monitor(self, i: int, ep: EndpointSection, mon: MonitoringSection) -> EndpointMonitor:
        dq = mon.data_quality
        mq = mon.model_quality
        subnets, groups = self._model_network(f"endpoints[{i}]") if ep.model.vpc else ([], [])
        return EndpointMonitor(
            self, f"Monitor{i}",
            endpoint=self.endpoints[ep.name],
            output_bucket=self.data_bucket.bucket,
            output_prefix=f"monitoring/{ep.name}",
            data_quality=DataQualityJob(
                schedule=dq.schedule, instance_type=dq.instance_type, instance_count=dq.instance_count,
                volume_size_gb=dq.volume_size_gb, max_runtime_seconds=dq.max_runtime_seconds,
                baseline_constraints_uri=dq.baseline_constraints_uri,
                baseline_statistics_uri=dq.baseline_statistics_uri,
            ) if dq.enabled else None,
            model_quality=ModelQualityJob(
                problem_type=mq.problem_type, ground_truth_s3_uri=mq.ground_truth_s3_uri, schedule=mq.schedule,
                instance_type=mq.instance_type, instance_count=mq.instance_count, volume_size_gb=mq.volume_size_gb,
                max_runtime_seconds=mq.max_runtime_seconds, inference_attribute=mq.inference_attribute,
                probability_attribute=mq.probability_attribute,
                probability_threshold_attribute=mq.probability_threshold_attribute,
                start_time_offset=mq.start_time_offset, end_time_offset=mq.end_time_offset,
                baseline_constraints_uri=mq.baseline_constraints_uri,
            ) if mq is not None else None,
            encryption_key=self.key.key,
            vpc_subnets=ec2.SubnetSelection(subnets=subnets) if subnets else None,
            security_groups=groups,
            network_isolation=ep.model.network_isolation,
            alarm_actions=[cw_actions.SnsAction(self.alarm_topic)],
        )

    def _async(self, i: int, ep: EndpointSection) -> AsyncInference | None:
        a = ep.async_inference
        if a is None:
            return None
        success = error = None
        if a.notifications:
            success = self._topic(f"AsyncSuccess{i}", f"{ep.name} async success")
            error = self._topic(f"AsyncError{i}", f"{ep.name} async error")
        prefix = a.output_prefix.strip("/") or "async-output"
        return AsyncInference(
            output_bucket=self.data_bucket.bucket,
            output_prefix=f"{prefix}/{ep.name}",
            input_prefix=f"async-input/{ep.name}",
            success_topic=success,
            error_topic=error,
            max_concurrent_invocations_per_instance=a.max_concurrent_invocations_per_instance,
        )

    @staticmethod
    def _autoscaling(ep: EndpointSection) -> Autoscaling | None:
        a = ep.autoscaling
        if a is None:
            return None
        cm = a.custom_metric
        return Autoscaling(
            min_capacity=a.min_capacity,
            max_capacity=a.max_capacity,
            target_invocations_per_instance=a.target_invocations_per_instance,
            custom_metric=CustomMetricTarget(namespace=cm.namespace, metric_name=cm.metric_name, target=cm.target,
                                             statistic=cm.statistic, dimensions=cm.dimensions) if cm else None,
            target_backlog_per_instance=a.target_backlog_per_instance,
            scale_in_cooldown_seconds=a.scale_in_cooldown_seconds,
            scale_out_cooldown_seconds=a.scale_out_cooldown_seconds,
            scheduled=[ScheduledCapacity(name=s.name, schedule=s.schedule, min_capacity=s.min_capacity,
                                         max_capacity=s.max_capacity) for s in a.scheduled],
        )

    @staticmethod
    def _deployment(ep: EndpointSection) -> DeploymentGuardrails:
        d = ep.deployment
        if d is None:  # SageMaker's own default (blue/green, all at once), plus rollback on our alarms
            return DeploymentGuardrails()
        return DeploymentGuardrails(
            strategy=d.strategy, canary_percent=d.canary_percent, linear_step_percent=d.linear_step_percent,
            rolling_batch_percent=d.rolling_batch_percent, wait_seconds=d.wait_seconds,
            termination_wait_seconds=d.termination_wait_seconds,
            max_execution_timeout_seconds=d.max_execution_timeout_seconds, rollback_alarms=d.rollback_alarms,
        )
