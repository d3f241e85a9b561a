"""A SageMaker endpoint of any kind (real-time, serverless, async) from typed keyword props.

Why it looks like this:

- Endpoint configs are immutable, so the config's name is a hash of its content: any change (a variant's
  instance type, count, weight, volume, timeouts, KMS, data capture, async or serverless settings) creates a new
  config, and the endpoint, whose name stays fixed, is updated in place to point at it. Old configs are deleted
  by CloudFormation after the update.
- The endpoint depends on the model's whole Role construct (role and its default policy): async endpoints send a
  test notification and guardrail rollbacks read alarms as soon as the endpoint is created or updated.
- Volume KMS keys are rejected by instance types with local NVMe storage (see ``instance_storage``); for those
  the config carries no ``KmsKeyId`` and only that config acknowledges the KMS findings.
- Scalable targets name the endpoint by string, so each one depends on the endpoint explicitly; they use
  Application Auto Scaling's service-linked role. A registered target blocks ``UpdateEndpoint`` when a variant's
  instance type changes or a variant is removed (guide: deregister first) - plan such changes as two deploys.
- Guardrails (blue/green all-at-once, canary, linear, or rolling) roll back on alarms this construct creates
  for every variant: ``Invocation5XXErrors`` and ``ModelLatency``. They run on updates only, never on create.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import cast

import aws_cdk as cdk
from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sagemaker as sagemaker
from aws_cdk import aws_sns as sns
from constructs import Construct

from sagemaker_platform.acknowledgements import acknowledge
from sagemaker_platform.constructs.logical_ids import pin_logical_id
from sagemaker_platform.constructs.model import LazyDerivedName, Model, default_namespace
from sagemaker_platform.constructs.typecheck import require
from sagemaker_platform.rules import S3_PREFIX, RuleError, has_instance_storage, is_token
from sagemaker_platform.rules import endpoint as endpoint_rules
from sagemaker_platform.rules.endpoint import DeploymentStrategy, EndpointKind

NVME_KMS_RULES = (
    "AwsSolutions-SM2",
    "HIPAA.Security-SageMakerEndpointConfigurationKMSKeyConfigured",
    "NIST.800.53.R5-SageMakerEndpointConfigurationKMSKeyConfigured",
    "PCI.DSS.321-SageMakerEndpointConfigurationKMSKeyConfigured",
)
_NVME_REASON = (
    "This endpoint config runs {types}, with local NVMe instance storage that the instance's hardware module "
    "encrypts; CreateEndpointConfig rejects a KmsKeyId (one per config) when any variant uses such a type."
)
ENDPOINT_CONFIG_CREATE_ONLY = (
    "KmsKeyId", "AsyncInferenceConfig", "ExecutionRoleArn", "ShadowProductionVariants", "EnableNetworkIsolation",
    "ProductionVariants", "DataCaptureConfig", "ExplainerConfig", "MetricsConfig", "VpcConfig",
)


@dataclass(frozen=True)
class ProductionVariant:
    """One production variant; ``model`` defaults to the endpoint's model. Serverless variants take no instance
    settings (leave ``instance_type`` unset)."""

    variant_name: str = "AllTraffic"
    instance_type: str | None = None
    initial_instance_count: int = 1
    initial_weight: float = 1.0
    volume_size_gb: int | None = None
    model_data_download_timeout_seconds: int | None = None
    container_startup_health_check_timeout_seconds: int | None = None
    model: Model | None = None


@dataclass(frozen=True)
class ServerlessConfig:
    memory_mb: int = 2048
    max_concurrency: int = 5
    provisioned_concurrency: int | None = None


@dataclass(frozen=True)
class AsyncInference:
    """Async output (and failures) go to ``s3://<output_bucket>/<output_prefix>/``; the model's role may read
    request payloads under ``<input_prefix>/`` of the same bucket."""

    output_bucket: s3.IBucket
    output_prefix: str = "async-output"
    input_prefix: str = "async-input"
    success_topic: sns.ITopic | None = None
    error_topic: sns.ITopic | None = None
    max_concurrent_invocations_per_instance: int | None = None


@dataclass(frozen=True)
class DataCapture:
    bucket: s3.IBucket
    prefix: str = "data-capture"
    sampling_percentage: int = 20
    capture_input: bool = True
    capture_output: bool = True


@dataclass(frozen=True)
class CustomMetricTarget:
    namespace: str
    metric_name: str
    target: float
    statistic: str = "Average"
    dimensions: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ScheduledCapacity:
    name: str
    schedule: str  # cron(...), rate(...) or at(...)
    min_capacity: int | None = None
    max_capacity: int | None = None


@dataclass(frozen=True)
class Autoscaling:
    """Instance autoscaling per variant. Real-time: target tracking on invocations per instance and/or a custom
    metric. Async: target tracking on backlog per instance; ``min_capacity=0`` adds the scale-from-zero step
    policy on ``HasBacklogWithoutCapacity``."""

    min_capacity: int = 1
    max_capacity: int = 2
    target_invocations_per_instance: float | None = None
    custom_metric: CustomMetricTarget | None = None
    target_backlog_per_instance: float | None = None
    scale_in_cooldown_seconds: int = 300
    scale_out_cooldown_seconds: int = 300
    scheduled: Sequence[ScheduledCapacity] = ()


@dataclass(frozen=True)
class DeploymentGuardrails:
    strategy: DeploymentStrategy = "all_at_once"
    canary_percent: int = 10
    linear_step_percent: int = 20
    rolling_batch_percent: int = 25
    wait_seconds: int = 300
    termination_wait_seconds: int = 300
    max_execution_timeout_seconds: int = 3600
    rollback_alarms: bool = True


@dataclass(frozen=True)
class AlarmThresholds:
    errors_5xx: int = 1
    model_latency_ms: int = 2000
    evaluation_periods: int = 2


@dataclass(frozen=True)
class ModelEndpointProps:
    """Everything about one endpoint. The kind follows from ``serverless`` / ``async_inference`` (neither:
    real-time). ``encryption_key`` encrypts volumes (or the serverless image copy), capture and async output."""

    endpoint_name: str
    model: Model
    variants: Sequence[ProductionVariant] = ()
    serverless: ServerlessConfig | None = None
    async_inference: AsyncInference | None = None
    autoscaling: Autoscaling | None = None
    data_capture: DataCapture | None = None
    deployment: DeploymentGuardrails | None = None
    encryption_key: kms.IKey | None = None
    alarms: AlarmThresholds = field(default_factory=AlarmThresholds)
    alarm_actions: Sequence[cw.IAlarmAction] = ()
    dashboard: bool = False


def _fail(field_name: str, problem: str, value: object) -> ValueError:
    return ValueError(f"ModelEndpoint {field_name}: {problem} (got {value!r})")


def validate_props(props: ModelEndpointProps) -> tuple[EndpointKind, list[ProductionVariant]]:
    """Every rule the API would reject at deploy time, at synth (the shared endpoint rules, plus the fields only
    the construct has); returns the kind and the variants."""
    if props.serverless is not None and props.async_inference is not None:
        raise _fail("serverless", "an endpoint is either serverless or async, not both", "serverless+async")
    kind: EndpointKind = "serverless" if props.serverless else "async" if props.async_inference else "realtime"
    variants = list(props.variants) or [ProductionVariant()]
    models = [v.model or props.model for v in variants]
    try:
        endpoint_rules.check_endpoint(
            kind,
            endpoint_name=props.endpoint_name,
            variants=variants,
            serverless=props.serverless,
            async_inference=props.async_inference,
            autoscaling=props.autoscaling,
            data_capture=props.data_capture,
            deployment=props.deployment,
            alarms=props.alarms,
            model_in_vpc=any(m.in_vpc for m in models),
            model_network_isolation=any(m.network_isolation for m in models),
        )
        if props.async_inference is not None:
            S3_PREFIX.check("async_inference.input_prefix", props.async_inference.input_prefix)
        if props.data_capture is not None:
            S3_PREFIX.check("data_capture.prefix", props.data_capture.prefix)
    except RuleError as exc:
        raise _fail(exc.field, exc.problem, exc.value) from None
    return kind, variants


class EndpointBase(cdk.Resource):
    """What an owned and an imported endpoint share: invoke grants and CloudWatch metrics.

    Subclasses set ``endpoint_name``, ``endpoint_arn`` and ``kind``.
    """

    endpoint_name: str
    endpoint_arn: str
    kind: EndpointKind

    def grant_invoke(self, grantee: iam.IGrantable) -> iam.Grant:
        """Invoke this endpoint (async endpoints: InvokeEndpointAsync; the caller also needs the input object)."""
        actions = ["sagemaker:InvokeEndpointAsync"] if self.kind == "async" else [
            "sagemaker:InvokeEndpoint", "sagemaker:InvokeEndpointWithResponseStream"]
        return iam.Grant.add_to_principal(grantee=grantee, actions=actions, resource_arns=[self.endpoint_arn])

    def metric(
        self,
        metric_name: str,
        *,
        variant_name: str | None = None,
        statistic: str = "Average",
        period: cdk.Duration | None = None,
    ) -> cw.Metric:
        """A metric of this endpoint (``AWS/SageMaker``), for one variant or, without ``variant_name``, the
        endpoint (async backlog metrics)."""
        dims = {"EndpointName": self.endpoint_name}
        if variant_name is not None:
            dims["VariantName"] = variant_name
        return cw.Metric(namespace="AWS/SageMaker", metric_name=metric_name, dimensions_map=dims,
                         statistic=statistic, period=period or cdk.Duration.minutes(1))

    def metric_invocations(self, variant_name: str = "AllTraffic") -> cw.Metric:
        return self.metric("Invocations", variant_name=variant_name, statistic="Sum")

    def metric_invocations_per_instance(self, variant_name: str = "AllTraffic") -> cw.Metric:
        return self.metric("InvocationsPerInstance", variant_name=variant_name, statistic="Sum")

    def metric_invocation4xx_errors(self, variant_name: str = "AllTraffic") -> cw.Metric:
        return self.metric("Invocation4XXErrors", variant_name=variant_name, statistic="Sum")

    def metric_invocation5xx_errors(self, variant_name: str = "AllTraffic") -> cw.Metric:
        return self.metric("Invocation5XXErrors", variant_name=variant_name, statistic="Sum")

    def metric_model_latency(self, variant_name: str = "AllTraffic") -> cw.Metric:
        """Microseconds the model took to respond."""
        return self.metric("ModelLatency", variant_name=variant_name)

    def metric_overhead_latency(self, variant_name: str = "AllTraffic") -> cw.Metric:
        return self.metric("OverheadLatency", variant_name=variant_name)

    def metric_approximate_backlog_size(self) -> cw.Metric:
        """Async endpoints: requests waiting."""
        return self.metric("ApproximateBacklogSize")


class ImportedEndpoint(EndpointBase):
    def __init__(self, scope: Construct, construct_id: str, *, endpoint_name: str, kind: EndpointKind) -> None:
        """An endpoint deployed elsewhere; use :meth:`ModelEndpoint.from_endpoint_name`.

        :param endpoint_name: the endpoint's name.
        :param kind: realtime, serverless or async (decides which metrics apply).
        """
        super().__init__(scope, construct_id)
        self.endpoint_name = endpoint_name
        self.kind = kind
        self.endpoint_arn = cdk.Stack.of(self).format_arn(
            service="sagemaker", resource="endpoint", resource_name=endpoint_name.lower()
        )


class ModelEndpoint(EndpointBase):
    """Model -> endpoint config (content-hashed name) -> endpoint, with scaling, alarms and guardrails.

    Attributes: ``endpoint_name``, ``endpoint_arn``, ``endpoint_config_name``, ``kind``, ``role`` (the model's
    execution role), ``endpoint`` (the CfnEndpoint, also ``node.default_child``) and ``config``, ``alarms`` (name ->
    alarm), ``scalable_targets`` (variant -> target), ``dashboard`` (or None), ``volume_key_omitted``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        endpoint_name: str | None = None,
        model: Model | None = None,
        variants: Sequence[ProductionVariant] = (),
        serverless: ServerlessConfig | None = None,
        async_inference: AsyncInference | None = None,
        autoscaling: Autoscaling | None = None,
        data_capture: DataCapture | None = None,
        deployment: DeploymentGuardrails | None = None,
        encryption_key: kms.IKey | None = None,
        alarms: AlarmThresholds | None = None,
        alarm_actions: Sequence[cw.IAlarmAction] = (),
        dashboard: bool = False,
        props: ModelEndpointProps | None = None,
    ) -> None:
        """
        :param endpoint_name: the endpoint's name (fixed: clients call it by name).
        :param model: the model every variant serves unless a variant names its own.
        :param variants: production variants (default: one ``AllTraffic`` variant; serverless: no instance settings).
        :param serverless: makes it a serverless endpoint.
        :param async_inference: makes it an asynchronous endpoint.
        :param autoscaling: instance autoscaling (or call :meth:`auto_scale_instance_count`).
        :param data_capture: capture requests and responses to S3.
        :param deployment: blue/green or rolling guardrails for updates.
        :param encryption_key: encrypts volumes (or the serverless image copy), capture and async output.
        :param alarms: thresholds of the 5xx and latency alarms.
        :param alarm_actions: what the alarms do.
        :param dashboard: add a CloudWatch dashboard.
        :param props: all of the above as one :class:`ModelEndpointProps` (0.1's form; give either).
        """
        if props is None:
            if endpoint_name is None or model is None:
                raise ValueError(
                    f"ModelEndpoint endpoint_name, model: both are required (got {endpoint_name!r}, {model!r})"
                )
            props = ModelEndpointProps(
                endpoint_name=endpoint_name, model=model, variants=variants, serverless=serverless,
                async_inference=async_inference, autoscaling=autoscaling, data_capture=data_capture,
                deployment=deployment, encryption_key=encryption_key, alarms=alarms or AlarmThresholds(),
                alarm_actions=alarm_actions, dashboard=dashboard,
            )
        elif endpoint_name is not None or model is not None:
            raise ValueError("ModelEndpoint props: give the props as keywords or as props=..., not both (got both)")
        if props.encryption_key is not None:
            require("ModelEndpoint", "encryption_key", props.encryption_key, kms.IKey)
        super().__init__(scope, construct_id)
        self.kind, variants = validate_props(props)
        self.props = props
        self.endpoint_name = props.endpoint_name
        self.role = props.model.role
        self._models = list({id(v.model or props.model): v.model or props.model for v in variants}.values())
        key = props.encryption_key
        nvme = sorted({v.instance_type for v in variants
                       if v.instance_type and not is_token(v.instance_type) and has_instance_storage(v.instance_type)})
        self.volume_key_omitted = bool(nvme) and key is not None

        self.config = sagemaker.CfnEndpointConfig(
            self,
            "Config",
            production_variants=[self._variant(v, props) for v in variants],
            kms_key_id=key.key_arn if key is not None and not nvme else None,
            data_capture_config=self._data_capture(props.data_capture, key),
            async_inference_config=self._async(props.async_inference, key),
        )
        # Every property but the tags is create-only: the name changes with the config's content.
        self.endpoint_config_name = cdk.Token.as_string(LazyDerivedName(
            self.config, props.endpoint_name, ENDPOINT_CONFIG_CREATE_ONLY, default_namespace(self)))
        self.config.endpoint_config_name = self.endpoint_config_name
        for model_ in self._models:
            self.config.node.add_dependency(model_.resource)
        if self.volume_key_omitted:
            acknowledge(self.config, NVME_KMS_RULES, _NVME_REASON.format(types=", ".join(nvme)))

        self._variants = variants
        self.alarms = self._alarms(variants, props)
        self.endpoint = sagemaker.CfnEndpoint(
            self,
            "Resource",
            endpoint_name=props.endpoint_name,
            endpoint_config_name=self.config.attr_endpoint_config_name,
            deployment_config=self._deployment(props.deployment),
        )
        pin_logical_id(self, "Endpoint")  # 0.1 named the L1 "Endpoint": keep the deployed endpoint
        for model_ in self._models:
            self.endpoint.node.add_dependency(model_.role)
        self._grant_runtime(props, key)

        self.endpoint_arn = self.endpoint.ref
        self.scalable_targets: dict[str, appscaling.ScalableTarget] = {}
        if props.autoscaling is not None:
            self._autoscaling(props.autoscaling, variants)
        self.dashboard = self._dashboard(variants) if props.dashboard else None

    @staticmethod
    def from_endpoint_name(
        scope: Construct, construct_id: str, *, endpoint_name: str, kind: EndpointKind = "realtime"
    ) -> ImportedEndpoint:
        """An endpoint deployed elsewhere, by name: the same grants and metrics as an owned one.

        :param endpoint_name: the endpoint's name.
        :param kind: realtime, serverless or async (decides which metrics apply).
        """
        return ImportedEndpoint(scope, construct_id, endpoint_name=endpoint_name, kind=kind)

    def auto_scale_instance_count(
        self, variant_name: str = "AllTraffic", *, max_capacity: int, min_capacity: int = 1
    ) -> appscaling.ScalableTarget:
        """A scalable target for one variant's instance count; add policies to it (``scale_to_track_metric`` with
        :meth:`metric_invocations_per_instance`, ``scale_on_schedule`` ...)."""
        if self.kind == "serverless":
            raise ValueError(f"ModelEndpoint auto_scale_instance_count: serverless endpoints have no instances "
                             f"(got {variant_name!r})")
        names = [v.variant_name for v in self._variants]
        if variant_name not in names:
            raise ValueError(f"ModelEndpoint auto_scale_instance_count variant_name: one of {names} "
                             f"(got {variant_name!r})")
        if variant_name in self.scalable_targets:
            raise ValueError(f"ModelEndpoint auto_scale_instance_count variant_name: already scaled "
                             f"(got {variant_name!r})")
        if not 0 <= min_capacity <= max_capacity:
            raise ValueError(f"ModelEndpoint auto_scale_instance_count: need 0 <= min_capacity <= max_capacity "
                             f"(got {min_capacity} and {max_capacity})")
        index = names.index(variant_name)
        target = appscaling.ScalableTarget(
            self, f"Scaling{index}",
            service_namespace=appscaling.ServiceNamespace.SAGEMAKER,
            resource_id=f"endpoint/{self.endpoint_name}/variant/{variant_name}",
            scalable_dimension="sagemaker:variant:DesiredInstanceCount",
            min_capacity=min_capacity,
            max_capacity=max_capacity,
            role=self._scaling_role(),
        )
        # No RoleARN at all: Application Auto Scaling then uses (and creates if needed) its service-linked role;
        # naming it would fail in an account where it does not exist yet.
        cast(appscaling.CfnScalableTarget, target.node.default_child).add_property_deletion_override("RoleARN")
        target.node.add_dependency(self.endpoint)
        self.scalable_targets[variant_name] = target
        return target

    def _scaling_role(self) -> iam.IRole:
        existing = self.node.try_find_child("ScalingServiceLinkedRole")
        if existing is not None:
            return cast(iam.IRole, existing)
        stack = cdk.Stack.of(self)
        return iam.Role.from_role_arn(
            self, "ScalingServiceLinkedRole",
            f"arn:{stack.partition}:iam::{stack.account}:role/aws-service-role/"
            "sagemaker.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint",
            mutable=False,
        )

    # ----------------------------------------------------------------------------------------------- config
    def _variant(self, v: ProductionVariant, props: ModelEndpointProps
                 ) -> sagemaker.CfnEndpointConfig.ProductionVariantProperty:
        model = v.model or props.model
        if props.serverless is not None:
            sc = props.serverless
            return sagemaker.CfnEndpointConfig.ProductionVariantProperty(
                variant_name=v.variant_name,
                model_name=model.model_name,
                serverless_config=sagemaker.CfnEndpointConfig.ServerlessConfigProperty(
                    memory_size_in_mb=sc.memory_mb, max_concurrency=sc.max_concurrency,
                    provisioned_concurrency=sc.provisioned_concurrency,
                ),
            )
        return sagemaker.CfnEndpointConfig.ProductionVariantProperty(
            variant_name=v.variant_name,
            model_name=model.model_name,
            instance_type=v.instance_type,
            initial_instance_count=v.initial_instance_count,
            initial_variant_weight=v.initial_weight,
            volume_size_in_gb=v.volume_size_gb,
            model_data_download_timeout_in_seconds=v.model_data_download_timeout_seconds,
            container_startup_health_check_timeout_in_seconds=v.container_startup_health_check_timeout_seconds,
        )

    def _data_capture(self, dc: DataCapture | None, key: kms.IKey | None
                      ) -> sagemaker.CfnEndpointConfig.DataCaptureConfigProperty | None:
        if dc is None:
            return None
        modes = [m for m, on in (("Input", dc.capture_input), ("Output", dc.capture_output)) if on]
        return sagemaker.CfnEndpointConfig.DataCaptureConfigProperty(
            enable_capture=True,
            initial_sampling_percentage=dc.sampling_percentage,
            destination_s3_uri=f"s3://{dc.bucket.bucket_name}/{dc.prefix}",
            capture_options=[sagemaker.CfnEndpointConfig.CaptureOptionProperty(capture_mode=m) for m in modes],
            kms_key_id=key.key_arn if key is not None else None,
        )

    def _async(self, a: AsyncInference | None, key: kms.IKey | None
               ) -> sagemaker.CfnEndpointConfig.AsyncInferenceConfigProperty | None:
        if a is None:
            return None
        notification = None
        if a.success_topic is not None or a.error_topic is not None:
            notification = sagemaker.CfnEndpointConfig.AsyncInferenceNotificationConfigProperty(
                success_topic=a.success_topic.topic_arn if a.success_topic else None,
                error_topic=a.error_topic.topic_arn if a.error_topic else None,
            )
        client = None
        if a.max_concurrent_invocations_per_instance is not None:
            client = sagemaker.CfnEndpointConfig.AsyncInferenceClientConfigProperty(
                max_concurrent_invocations_per_instance=a.max_concurrent_invocations_per_instance
            )
        base = f"s3://{a.output_bucket.bucket_name}/{a.output_prefix}"
        return sagemaker.CfnEndpointConfig.AsyncInferenceConfigProperty(
            output_config=sagemaker.CfnEndpointConfig.AsyncInferenceOutputConfigProperty(
                s3_output_path=f"{base}/output",
                s3_failure_path=f"{base}/failures",
                kms_key_id=key.key_arn if key is not None else None,
                notification_config=notification,
            ),
            client_config=client,
        )

    # ----------------------------------------------------------------------------------------------- endpoint
    def _deployment(self, d: DeploymentGuardrails | None) -> sagemaker.CfnEndpoint.DeploymentConfigProperty | None:
        if d is None:
            return None
        rollback = None
        if d.rollback_alarms:
            rollback = sagemaker.CfnEndpoint.AutoRollbackConfigProperty(alarms=[
                sagemaker.CfnEndpoint.AlarmProperty(alarm_name=alarm.alarm_name) for alarm in self.alarms.values()
            ])
        percent = sagemaker.CfnEndpoint.CapacitySizeProperty
        if d.strategy == "rolling":
            return sagemaker.CfnEndpoint.DeploymentConfigProperty(
                rolling_update_policy=sagemaker.CfnEndpoint.RollingUpdatePolicyProperty(
                    maximum_batch_size=percent(type="CAPACITY_PERCENT", value=d.rolling_batch_percent),
                    wait_interval_in_seconds=d.wait_seconds,
                    maximum_execution_timeout_in_seconds=d.max_execution_timeout_seconds,
                ),
                auto_rollback_configuration=rollback,
            )
        routing = sagemaker.CfnEndpoint.TrafficRoutingConfigProperty(
            type=d.strategy.upper(),
            wait_interval_in_seconds=d.wait_seconds,
            canary_size=percent(type="CAPACITY_PERCENT", value=d.canary_percent) if d.strategy == "canary" else None,
            linear_step_size=percent(type="CAPACITY_PERCENT", value=d.linear_step_percent)
            if d.strategy == "linear" else None,
        )
        return sagemaker.CfnEndpoint.DeploymentConfigProperty(
            blue_green_update_policy=sagemaker.CfnEndpoint.BlueGreenUpdatePolicyProperty(
                traffic_routing_configuration=routing,
                termination_wait_in_seconds=d.termination_wait_seconds,
                maximum_execution_timeout_in_seconds=d.max_execution_timeout_seconds,
            ),
            auto_rollback_configuration=rollback,
        )

    def _m(self, name: str, variant: str | None, statistic: str) -> cw.Metric:
        return self.metric(name, variant_name=variant, statistic=statistic)

    def _alarms(self, variants: Sequence[ProductionVariant], props: ModelEndpointProps) -> dict[str, cw.Alarm]:
        th = props.alarms
        alarms: dict[str, cw.Alarm] = {}
        for v in variants:
            name = v.variant_name
            alarms[f"{name}-5xx"] = cw.Alarm(
                self, f"Errors5xx{name}",
                metric=self._m("Invocation5XXErrors", name, "Sum"),
                threshold=th.errors_5xx, evaluation_periods=th.evaluation_periods,
                comparison_operator=cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
                alarm_description=f"{self.endpoint_name}/{name}: invocations answered with 5xx errors",
            )
            alarms[f"{name}-latency"] = cw.Alarm(
                self, f"Latency{name}",
                metric=self._m("ModelLatency", name, "Average"),
                threshold=th.model_latency_ms * 1000,  # ModelLatency is in microseconds
                evaluation_periods=th.evaluation_periods,
                comparison_operator=cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
                treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
                alarm_description=f"{self.endpoint_name}/{name}: model latency above {th.model_latency_ms} ms",
            )
        for alarm in alarms.values():
            for action in props.alarm_actions:
                alarm.add_alarm_action(action)
        return alarms

    def _grant_runtime(self, props: ModelEndpointProps, key: kms.IKey | None) -> None:
        """What SageMaker does as the model's role once the endpoint runs."""
        for model in self._models:
            role = model.role
            if props.data_capture is not None:
                props.data_capture.bucket.grant_put(role, f"{props.data_capture.prefix}/*")
            if props.async_inference is not None:
                a = props.async_inference
                a.output_bucket.grant_put(role, f"{a.output_prefix}/*")
                a.output_bucket.grant_read(role, f"{a.input_prefix}/*")
                for topic in (a.success_topic, a.error_topic):
                    if topic is not None:
                        topic.grant_publish(role)
            if key is not None:
                # The config names the key (volumes, the serverless image copy, capture, async output): SageMaker
                # uses it as the model's role and creates grants on it.
                key.grant_encrypt_decrypt(role)
                key.grant(role, "kms:DescribeKey", "kms:CreateGrant")
            if props.deployment is not None and props.deployment.rollback_alarms:
                role.add_to_principal_policy(iam.PolicyStatement(
                    sid="GuardrailAlarms", actions=["cloudwatch:DescribeAlarms"], resources=["*"]))

    # ----------------------------------------------------------------------------------------------- scaling
    def _autoscaling(self, a: Autoscaling, variants: Sequence[ProductionVariant]) -> None:
        for i, v in enumerate(variants):
            target = self.auto_scale_instance_count(
                v.variant_name, min_capacity=a.min_capacity, max_capacity=a.max_capacity
            )
            scale_in = cdk.Duration.seconds(a.scale_in_cooldown_seconds)
            scale_out = cdk.Duration.seconds(a.scale_out_cooldown_seconds)
            if self.kind == "async":
                target.scale_to_track_metric(
                    "Backlog", target_value=cast(float, a.target_backlog_per_instance),
                    custom_metric=self._m("ApproximateBacklogSizePerInstance", None, "Average"),
                    scale_in_cooldown=scale_in, scale_out_cooldown=scale_out)
                if a.min_capacity == 0:
                    self._scale_from_zero(i, target)
            else:
                if a.target_invocations_per_instance is not None:
                    target.scale_to_track_metric(
                        "Invocations", target_value=a.target_invocations_per_instance,
                        predefined_metric=appscaling.PredefinedMetric.SAGEMAKER_VARIANT_INVOCATIONS_PER_INSTANCE,
                        scale_in_cooldown=scale_in, scale_out_cooldown=scale_out)
                if a.custom_metric is not None:
                    cm = a.custom_metric
                    target.scale_to_track_metric(
                        "CustomMetric", target_value=cm.target,
                        custom_metric=cw.Metric(namespace=cm.namespace, metric_name=cm.metric_name,
                                                dimensions_map=dict(cm.dimensions) or None, statistic=cm.statistic),
                        scale_in_cooldown=scale_in, scale_out_cooldown=scale_out)
            for s in a.scheduled:
                target.scale_on_schedule(s.name, schedule=appscaling.Schedule.expression(s.schedule),
                                         min_capacity=s.min_capacity, max_capacity=s.max_capacity)

    def _scale_from_zero(self, i: int, target: appscaling.ScalableTarget) -> None:
        """Target tracking cannot leave zero (no instance, no per-instance backlog): a step policy adds one
        instance when requests wait and nothing serves them."""
        step = appscaling.StepScalingAction(
            self, f"ScaleFromZero{i}", scaling_target=target,
            adjustment_type=appscaling.AdjustmentType.CHANGE_IN_CAPACITY, cooldown=cdk.Duration.seconds(300),
        )
        step.add_adjustment(adjustment=1, lower_bound=0)
        alarm = cw.Alarm(
            self, f"BacklogWithoutCapacity{i}",
            metric=self._m("HasBacklogWithoutCapacity", None, "Average"),
            threshold=1, evaluation_periods=2,
            comparison_operator=cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
            alarm_description=f"{self.endpoint_name}: requests are queued and no instance is running",
        )
        alarm.add_alarm_action(cw_actions.ApplicationScalingAction(step))
        self.alarms["backlog-without-capacity"] = alarm

    # ----------------------------------------------------------------------------------------------- dashboard
    def _dashboard(self, variants: Sequence[ProductionVariant]) -> cw.Dashboard:
        dashboard = cw.Dashboard(self, "Dashboard")
        names = [v.variant_name for v in variants]
        dashboard.add_widgets(
            cw.GraphWidget(title="Invocations", left=[self._m("Invocations", n, "Sum") for n in names]),
            cw.GraphWidget(title="Errors (4xx / 5xx)",
                           left=[self._m(m, n, "Sum") for n in names
                                 for m in ("Invocation4XXErrors", "Invocation5XXErrors")]),
            cw.GraphWidget(title="Model latency (microseconds)",
                           left=[self._m("ModelLatency", n, "Average") for n in names]),
        )
        if self.kind == "async":
            dashboard.add_widgets(cw.GraphWidget(
                title="Backlog", left=[self._m("ApproximateBacklogSize", None, "Average")]))
        else:
            dashboard.add_widgets(cw.GraphWidget(
                title="Invocations per instance",
                left=[self._m("InvocationsPerInstance", n, "Sum") for n in names]))
        return dashboard
