"""Model Monitor schedules for a real-time endpoint's captured data: data quality and, optionally, model quality.

Why it looks like this:

- Job definitions are immutable (every property is create-only), so each one's name is a digest of its content,
  like the endpoint configs: any change creates a new definition, the schedule (whose name stays fixed) is updated
  in place to point at it, and CloudFormation deletes the old definition after the update.
- The analyzer image comes from the account SageMaker publishes it from in the stack's region
  (``rules.monitoring.ANALYZER_ACCOUNTS``); an environment-agnostic stack looks the account up in a template
  mapping, so deploying to a region without the image fails in CloudFormation instead of at the first run.
- Violations: the built-in analyzer's CloudWatch metrics are per feature (``feature_baseline_drift_<feature>`` in
  ``aws/sagemaker/Endpoints/data-metrics``), so no single metric exists before the features are known. Every run is
  a processing job whose state change SageMaker sends to EventBridge with the schedule's ARN; a run that found
  violations completes with an exit message starting ``CompletedWithViolations``. One rule matches those runs and
  one matches failed runs; an alarm on each rule's ``AWS/Events`` ``TriggeredRules`` notifies the alarm actions.
- The role is the monitor's own: it reads the endpoint's capture prefix, the baseline and ground-truth objects,
  writes its output prefix, uses the key, writes processing-job logs and the analyzer's metrics, and (in a VPC)
  manages the jobs' network interfaces. The analyzer image is pulled with SageMaker's own credentials.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from sagemaker_platform.acknowledgements import (
    INLINE_POLICY_IDS,
    INLINE_POLICY_REASON,
    acknowledge,
    acknowledge_wildcards,
)
from sagemaker_platform.constructs.endpoint import DataCapture, EndpointBase, ModelEndpoint
from sagemaker_platform.constructs.model import LazyDerivedName, default_namespace
from sagemaker_platform.constructs.roles import sagemaker_service_principal
from sagemaker_platform.constructs.subnets import selected_subnets
from sagemaker_platform.constructs.typecheck import require
from sagemaker_platform.rules import S3_PREFIX, RuleError, has_instance_storage, is_token
from sagemaker_platform.rules import monitoring as rules
from sagemaker_platform.rules.monitoring import ProblemType

DATA_QUALITY_CREATE_ONLY = (
    "DataQualityAppSpecification", "DataQualityBaselineConfig", "DataQualityJobInput", "DataQualityJobOutputConfig",
    "JobResources", "NetworkConfig", "RoleArn", "StoppingCondition", "Tags", "EndpointName",
)
MODEL_QUALITY_CREATE_ONLY = (
    "ModelQualityAppSpecification", "ModelQualityBaselineConfig", "ModelQualityJobInput",
    "ModelQualityJobOutputConfig", "JobResources", "NetworkConfig", "RoleArn", "StoppingCondition", "Tags",
    "EndpointName",
)
INPUT_PATH = "/opt/ml/processing/input/endpoint"
OUTPUT_PATH = "/opt/ml/processing/output"
_WILDCARD_REASON = (
    "The EC2 network-interface Describe* calls and cloudwatch:PutMetricData (limited by its namespace condition) "
    "support no resource-level permissions; processing-job log streams are created per job at run time under "
    "/aws/sagemaker/ProcessingJobs; capture, ground truth and output are one prefix of one bucket each."
)


@dataclass(frozen=True)
class DataQualityJob:
    """Data quality: statistics of the captured requests, checked against the baseline's constraints (without a
    baseline the runs compute statistics only and never report violations)."""

    schedule: str = "hourly"
    instance_type: str = "ml.m5.xlarge"
    instance_count: int = 1
    volume_size_gb: int = 20
    max_runtime_seconds: int = 3600
    baseline_constraints_uri: str | None = None
    baseline_statistics_uri: str | None = None


@dataclass(frozen=True)
class ModelQualityJob:
    """Model quality: captured predictions merged with ground truth labels (written by the team under
    ``ground_truth_s3_uri``) and scored for ``problem_type``."""

    problem_type: ProblemType
    ground_truth_s3_uri: str
    schedule: str = "hourly"
    instance_type: str = "ml.m5.xlarge"
    instance_count: int = 1
    volume_size_gb: int = 20
    max_runtime_seconds: int = 3600
    inference_attribute: str | None = None
    probability_attribute: str | None = None
    probability_threshold_attribute: float | None = None
    start_time_offset: str | None = None
    end_time_offset: str | None = None
    baseline_constraints_uri: str | None = None


def _fail(field_name: str, problem: str, value: object) -> ValueError:
    return ValueError(f"EndpointMonitor {field_name}: {problem} (got {value!r})")


def validate_jobs(data_quality: DataQualityJob | None, model_quality: ModelQualityJob | None) -> None:
    """What the API would reject at deploy time, at synth."""
    if data_quality is None and model_quality is None:
        raise _fail("data_quality", "give data_quality, model_quality or both", None)
    try:
        if data_quality is not None:
            try:
                rules.check_data_quality(data_quality)
            except RuleError as exc:
                raise exc.under("data_quality") from None
        if model_quality is not None:
            try:
                rules.check_model_quality(model_quality)
            except RuleError as exc:
                raise exc.under("model_quality") from None
    except RuleError as exc:
        raise _fail(exc.field, exc.problem, exc.value) from None


class EndpointMonitor(cdk.Resource):
    """Monitoring schedules for one real-time endpoint with data capture.

    Attributes: ``role``, ``image_uri``, ``job_definitions`` and ``schedules`` (``DataQuality`` /
    ``ModelQuality`` -> L1), ``job_definition_names``, ``schedule_names``, ``rules`` and ``alarms``
    (``<type>-violations`` / ``<type>-failures`` -> construct), ``output_uri`` (per type).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        endpoint: EndpointBase,
        output_bucket: s3.IBucket,
        output_prefix: str,
        data_quality: DataQualityJob | None = None,
        model_quality: ModelQualityJob | None = None,
        data_capture: DataCapture | None = None,
        encryption_key: kms.IKey | None = None,
        vpc_subnets: ec2.SubnetSelection | None = None,
        security_groups: Sequence[ec2.ISecurityGroup] = (),
        network_isolation: bool = False,
        alarm_actions: Sequence[cw.IAlarmAction] = (),
    ) -> None:
        """
        :param endpoint: the real-time endpoint to monitor (owned or imported).
        :param output_bucket: where reports go, under ``output_prefix``.
        :param output_prefix: the S3 key prefix of the reports (``<prefix>/data-quality``, ``.../model-quality``).
        :param data_quality: the data-quality job and its schedule.
        :param model_quality: the model-quality job and its schedule.
        :param data_capture: where the endpoint captures requests (default: an owned endpoint's own capture).
        :param encryption_key: encrypts the reports and the jobs' volumes, and decrypts the capture.
        :param vpc_subnets: run the jobs in these subnets (``SubnetSelection(subnets=[...])``).
        :param security_groups: the jobs' security groups (required with ``vpc_subnets``).
        :param network_isolation: no network access for the analyzer container.
        :param alarm_actions: what the violation and failure alarms do.
        """
        require("EndpointMonitor", "endpoint", endpoint, EndpointBase)
        require("EndpointMonitor", "output_bucket", output_bucket, s3.IBucket)
        if encryption_key is not None:
            require("EndpointMonitor", "encryption_key", encryption_key, kms.IKey)
        for i, group in enumerate(security_groups):
            require("EndpointMonitor", f"security_groups[{i}]", group, ec2.ISecurityGroup)
        if data_capture is None and isinstance(endpoint, ModelEndpoint):
            data_capture = endpoint.props.data_capture
        if endpoint.kind != "realtime":
            raise _fail("endpoint", "Model Monitor schedules here watch real-time endpoints only", endpoint.kind)
        if data_capture is None:
            raise _fail("data_capture", "the endpoint must capture data (set data_capture on it or here)", None)
        if not S3_PREFIX.accepts(output_prefix):
            raise _fail("output_prefix", S3_PREFIX.hint, output_prefix)
        validate_jobs(data_quality, model_quality)
        subnets = selected_subnets("EndpointMonitor", None, vpc_subnets) if vpc_subnets is not None else []
        if bool(subnets) != bool(security_groups):
            raise _fail("security_groups", "give vpc_subnets and security_groups together",
                        f"{len(subnets)} subnets, {len(security_groups)} groups")
        super().__init__(scope, construct_id)
        stack = cdk.Stack.of(self)
        self._endpoint = endpoint
        self._capture = data_capture
        self._key = encryption_key
        self._output_bucket = output_bucket
        self._output_prefix = output_prefix
        self._alarm_actions = list(alarm_actions)
        self._subnet_ids = [s.subnet_id for s in subnets]
        self._group_ids = [g.security_group_id for g in security_groups]
        self._network_isolation = network_isolation
        self.image_uri = self._image_uri(stack)
        self.role = iam.Role(self, "Role", assumed_by=sagemaker_service_principal(self),
                             description=f"Model Monitor jobs of the endpoint {endpoint.endpoint_name}")
        self.job_definitions: dict[str, cdk.CfnResource] = {}
        self.job_definition_names: dict[str, str] = {}
        self.schedules: dict[str, sagemaker.CfnMonitoringSchedule] = {}
        self.schedule_names: dict[str, str] = {}
        self.output_uri: dict[str, str] = {}
        self.rules: dict[str, events.Rule] = {}
        self.alarms: dict[str, cw.Alarm] = {}
        self._grant(stack, data_quality, model_quality, bool(subnets))
        if data_quality is not None:
            self._data_quality(data_quality)
        if model_quality is not None:
            self._model_quality(model_quality)
        acknowledge_wildcards(self.role, _WILDCARD_REASON)
        acknowledge(self.role, INLINE_POLICY_IDS, INLINE_POLICY_REASON)

    # ----------------------------------------------------------------------------------------------- shared
    def _image_uri(self, stack: cdk.Stack) -> str:
        repository = rules.ANALYZER_REPOSITORY
        if not is_token(stack.region):
            try:
                account = rules.analyzer_account(stack.region)
            except RuleError as exc:
                raise _fail("region", exc.problem, exc.value) from None
            return f"{account}.dkr.ecr.{stack.region}.{stack.url_suffix}/{repository}"
        mapping = stack.node.try_find_child("ModelMonitorAnalyzer")
        if mapping is None:
            mapping = cdk.CfnMapping(stack, "ModelMonitorAnalyzer", mapping={
                region: {"account": account} for region, account in sorted(rules.ANALYZER_ACCOUNTS.items())
            })
        account = cdk.Fn.find_in_map("ModelMonitorAnalyzer", stack.region, "account")
        return f"{account}.dkr.ecr.{stack.region}.{stack.url_suffix}/{repository}"

    def _volume_key(self, instance_type: str) -> str | None:
        if self._key is None or (not is_token(instance_type) and has_instance_storage(instance_type)):
            return None  # local NVMe storage is encrypted by the instance; the API rejects a volume key
        return self._key.key_arn

    def _network(self, l1: Any) -> Any:
        return l1.NetworkConfigProperty(
            enable_inter_container_traffic_encryption=True,
            enable_network_isolation=self._network_isolation,
            vpc_config=l1.VpcConfigProperty(subnets=self._subnet_ids, security_group_ids=self._group_ids)
            if self._subnet_ids else None,
        )

    def _cluster(self, l1: Any, job: DataQualityJob | ModelQualityJob) -> Any:
        return l1.MonitoringResourcesProperty(
            cluster_config=l1.ClusterConfigProperty(
                instance_count=job.instance_count,
                instance_type=job.instance_type,
                volume_size_in_gb=job.volume_size_gb,
                volume_kms_key_id=self._volume_key(job.instance_type),
            )
        )

    def _output(self, l1: Any, kind: str) -> Any:
        uri = f"s3://{self._output_bucket.bucket_name}/{self._output_prefix}/{kind}"
        self.output_uri[kind] = uri
        return l1.MonitoringOutputConfigProperty(
            kms_key_id=self._key.key_arn if self._key is not None else None,
            monitoring_outputs=[l1.MonitoringOutputProperty(
                s3_output=l1.S3OutputProperty(
                    local_path=OUTPUT_PATH, s3_uri=uri, s3_upload_mode="EndOfJob"),
            )],
        )

    def _schedule(self, monitoring_type: str, kind: str, job: cdk.CfnResource, job_name: str,
                  schedule: str) -> None:
        """The schedule (fixed name, updated in place when the definition is replaced), its rules and alarms."""
        base = self._endpoint.endpoint_name if not is_token(self._endpoint.endpoint_name) else "endpoint"
        resource = sagemaker.CfnMonitoringSchedule(
            self, f"{monitoring_type}Schedule",
            monitoring_schedule_name="placeholder",
            endpoint_name=self._endpoint.endpoint_name,
            monitoring_schedule_config=sagemaker.CfnMonitoringSchedule.MonitoringScheduleConfigProperty(
                monitoring_job_definition_name=job_name,
                monitoring_type=monitoring_type,
                schedule_config=sagemaker.CfnMonitoringSchedule.ScheduleConfigProperty(
                    schedule_expression=rules.schedule_expression(schedule)),
            ),
        )
        # Only the name is create-only: the namespace in the digest keeps two stacks' schedules apart.
        name = cdk.Token.as_string(LazyDerivedName(resource, f"{base}-{kind}", (), default_namespace(resource)))
        resource.monitoring_schedule_name = name
        resource.node.add_dependency(job)
        resource.node.add_dependency(self.role)
        if isinstance(self._endpoint, ModelEndpoint):
            job.node.add_dependency(self._endpoint.endpoint)
        self.schedules[monitoring_type] = resource
        self.schedule_names[monitoring_type] = name
        self._alarm(kind, "violations", resource, {
            "ProcessingJobStatus": ["Completed"], "ExitMessage": [{"prefix": "CompletedWithViolations"}]},
            f"{kind} monitoring of {self._endpoint.endpoint_name} found violations of the baseline")
        self._alarm(kind, "failures", resource, {"ProcessingJobStatus": ["Failed"]},
                    f"{kind} monitoring of {self._endpoint.endpoint_name} failed to run")

    def _alarm(self, kind: str, outcome: str, schedule: sagemaker.CfnMonitoringSchedule,
               detail: dict[str, Any], description: str) -> None:
        label = f"{kind}-{outcome}"
        construct_id = "".join(part.capitalize() for part in label.split("-"))
        rule = events.Rule(
            self, f"{construct_id}Rule",
            description=description,
            event_pattern=events.EventPattern(
                source=["aws.sagemaker"],
                detail_type=["SageMaker Processing Job State Change"],
                detail={"MonitoringScheduleArn": [schedule.attr_monitoring_schedule_arn], **detail},
            ),
        )
        alarm = cw.Alarm(
            self, f"{construct_id}Alarm",
            metric=cw.Metric(namespace="AWS/Events", metric_name="TriggeredRules",
                             dimensions_map={"RuleName": rule.rule_name}, statistic="Sum",
                             period=cdk.Duration.minutes(5)),
            threshold=1, evaluation_periods=1,
            comparison_operator=cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
            alarm_description=description,
        )
        for action in self._alarm_actions:
            alarm.add_alarm_action(action)
        self.rules[label] = rule
        self.alarms[label] = alarm

    # ----------------------------------------------------------------------------------------------- jobs
    def _data_quality(self, job: DataQualityJob) -> None:
        dq = sagemaker.CfnDataQualityJobDefinition
        baseline = None
        if job.baseline_constraints_uri or job.baseline_statistics_uri:
            baseline = dq.DataQualityBaselineConfigProperty(
                constraints_resource=dq.ConstraintsResourceProperty(s3_uri=job.baseline_constraints_uri)
                if job.baseline_constraints_uri else None,
                statistics_resource=dq.StatisticsResourceProperty(s3_uri=job.baseline_statistics_uri)
                if job.baseline_statistics_uri else None,
            )
        resource = dq(
            self, "DataQualityJob",
            endpoint_name=self._endpoint.endpoint_name,
            role_arn=self.role.role_arn,
            data_quality_app_specification=dq.DataQualityAppSpecificationProperty(
                image_uri=self.image_uri, environment={"publish_cloudwatch_metrics": "Enabled"}),
            data_quality_baseline_config=baseline,
            data_quality_job_input=dq.DataQualityJobInputProperty(endpoint_input=dq.EndpointInputProperty(
                endpoint_name=self._endpoint.endpoint_name, local_path=INPUT_PATH,
                s3_input_mode="File", s3_data_distribution_type="FullyReplicated")),
            data_quality_job_output_config=self._output(dq, "data-quality"),
            job_resources=self._cluster(dq, job),
            network_config=self._network(dq),
            stopping_condition=dq.StoppingConditionProperty(max_runtime_in_seconds=job.max_runtime_seconds),
        )
        self._finish("DataQuality", "data-quality", resource, DATA_QUALITY_CREATE_ONLY, job.schedule)

    def _model_quality(self, job: ModelQualityJob) -> None:
        mq = sagemaker.CfnModelQualityJobDefinition
        resource = mq(
            self, "ModelQualityJob",
            endpoint_name=self._endpoint.endpoint_name,
            role_arn=self.role.role_arn,
            model_quality_app_specification=mq.ModelQualityAppSpecificationProperty(
                image_uri=self.image_uri, problem_type=job.problem_type,
                environment={"publish_cloudwatch_metrics": "Enabled"}),
            model_quality_baseline_config=mq.ModelQualityBaselineConfigProperty(
                constraints_resource=mq.ConstraintsResourceProperty(s3_uri=job.baseline_constraints_uri))
            if job.baseline_constraints_uri else None,
            model_quality_job_input=mq.ModelQualityJobInputProperty(
                endpoint_input=mq.EndpointInputProperty(
                    endpoint_name=self._endpoint.endpoint_name, local_path=INPUT_PATH,
                    s3_input_mode="File", s3_data_distribution_type="FullyReplicated",
                    inference_attribute=job.inference_attribute,
                    probability_attribute=job.probability_attribute,
                    probability_threshold_attribute=job.probability_threshold_attribute,
                    start_time_offset=job.start_time_offset, end_time_offset=job.end_time_offset),
                ground_truth_s3_input=mq.MonitoringGroundTruthS3InputProperty(s3_uri=job.ground_truth_s3_uri),
            ),
            model_quality_job_output_config=self._output(mq, "model-quality"),
            job_resources=self._cluster(mq, job),
            network_config=self._network(mq),
            stopping_condition=mq.StoppingConditionProperty(max_runtime_in_seconds=job.max_runtime_seconds),
        )
        self._finish("ModelQuality", "model-quality", resource, MODEL_QUALITY_CREATE_ONLY, job.schedule)

    def _finish(self, monitoring_type: str, kind: str, resource: Any, create_only: Sequence[str],
                schedule: str) -> None:
        """Name the definition after everything CloudFormation would replace it for, then schedule it."""
        base = self._endpoint.endpoint_name if not is_token(self._endpoint.endpoint_name) else "endpoint"
        name = cdk.Token.as_string(LazyDerivedName(resource, f"{base}-{kind}", create_only,
                                                   default_namespace(resource)))
        resource.job_definition_name = name
        resource.node.add_dependency(self.role)
        self.job_definitions[monitoring_type] = resource
        self.job_definition_names[monitoring_type] = name
        self._schedule(monitoring_type, kind, resource, name, schedule)

    # ----------------------------------------------------------------------------------------------- grants
    def _add(self, sid: str, actions: Sequence[str], resources: Sequence[str],
             conditions: dict[str, Any] | None = None) -> None:
        self.role.add_to_principal_policy(iam.PolicyStatement(
            sid=sid, actions=list(actions), resources=list(resources), conditions=conditions))

    def _read_prefix(self, sid: str, bucket_arn: str, prefix: str) -> None:
        self._add(f"Read{sid}", ["s3:GetObject"], [f"{bucket_arn}/{prefix}/*"])
        self._add(f"List{sid}", ["s3:ListBucket"], [bucket_arn], {"StringLike": {"s3:prefix": [f"{prefix}/*"]}})

    def _grant(self, stack: cdk.Stack, dq: DataQualityJob | None, mq: ModelQualityJob | None, in_vpc: bool) -> None:
        capture = self._capture
        self._read_prefix("Capture", capture.bucket.bucket_arn, f"{capture.prefix}/{self._endpoint.endpoint_name}")
        self._add("WriteReports", ["s3:PutObject"], [self._output_bucket.arn_for_objects(f"{self._output_prefix}/*")])
        baselines = [uri for uri in (
            dq.baseline_constraints_uri if dq else None, dq.baseline_statistics_uri if dq else None,
            mq.baseline_constraints_uri if mq else None) if uri]
        objects = [parts for parts in map(rules.s3_parts, baselines) if parts is not None]
        if objects:
            self._add("ReadBaseline", ["s3:GetObject"],
                      sorted({f"arn:{stack.partition}:s3:::{bucket}/{key}" for bucket, key in objects}))
        if mq is not None:
            parts = rules.s3_parts(mq.ground_truth_s3_uri)
            if parts is not None:
                self._read_prefix("GroundTruth", f"arn:{stack.partition}:s3:::{parts[0]}", parts[1].rstrip("/"))
        if self._key is not None:
            # Capture is decrypted, reports are encrypted, volumes get grants: all with this key.
            self._key.grant(self.role, "kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey", "kms:CreateGrant")
        group = f"arn:{stack.partition}:logs:{stack.region}:{stack.account}:log-group:/aws/sagemaker/ProcessingJobs"
        self._add("Logs", ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents",
                           "logs:DescribeLogStreams"], [f"{group}:*"])
        self._add("Metrics", ["cloudwatch:PutMetricData"], ["*"], {"StringLike": {"cloudwatch:namespace": [
            "aws/sagemaker/Endpoints/*", "/aws/sagemaker/Endpoints/*"]}})
        if in_vpc:
            self._add("VpcNetworkInterfaces", [
                "ec2:CreateNetworkInterface", "ec2:CreateNetworkInterfacePermission", "ec2:DeleteNetworkInterface",
                "ec2:DeleteNetworkInterfacePermission", "ec2:DescribeNetworkInterfaces", "ec2:DescribeVpcs",
                "ec2:DescribeDhcpOptions", "ec2:DescribeSubnets", "ec2:DescribeSecurityGroups",
            ], ["*"])
