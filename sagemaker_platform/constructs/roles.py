"""Execution roles per persona, written for the platform's own domain, buckets and key.

No AmazonSageMakerFullAccess: each persona gets the Studio app actions scoped to its domain, the ML work it does,
tag-on-create (without it Studio fails with AccessDenied), and the SharedModel actions so Canvas and Studio users
can share models. Trust policies carry ``aws:SourceAccount`` and ``aws:SourceArn`` against confused deputies.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from sagemaker_platform.compliance import (
    INLINE_POLICY_IDS,
    INLINE_POLICY_REASON,
    acknowledge,
    acknowledge_wildcards,
)


class Persona(StrEnum):
    DATA_SCIENTIST = "data_scientist"
    ML_ENGINEER = "ml_engineer"
    BUSINESS_ANALYST = "business_analyst"


SHARED_MODEL_ACTIONS = (
    "sagemaker:CreateSharedModel",
    "sagemaker:DescribeSharedModel",
    "sagemaker:ListSharedModelEvents",
    "sagemaker:ListSharedModels",
    "sagemaker:ListSharedModelVersions",
    "sagemaker:SendSharedModelEvent",
    "sagemaker:UpdateSharedModel",
)

# Jobs a data scientist runs from a notebook: (action verbs, resource type in the ARN).
_JOB_RESOURCES = {
    "training-job": ("CreateTrainingJob", "DescribeTrainingJob", "StopTrainingJob"),
    "processing-job": ("CreateProcessingJob", "DescribeProcessingJob", "StopProcessingJob"),
    "hyper-parameter-tuning-job": (
        "CreateHyperParameterTuningJob",
        "DescribeHyperParameterTuningJob",
        "StopHyperParameterTuningJob",
    ),
    "automl-job": (
        "CreateAutoMLJob",
        "CreateAutoMLJobV2",
        "DescribeAutoMLJob",
        "DescribeAutoMLJobV2",
        "StopAutoMLJob",
    ),
    "experiment": ("CreateExperiment", "DescribeExperiment", "UpdateExperiment"),
    "experiment-trial": ("CreateTrial", "DescribeTrial", "UpdateTrial", "AssociateTrialComponent"),
    "experiment-trial-component": ("CreateTrialComponent", "DescribeTrialComponent", "UpdateTrialComponent"),
}
# What an ML engineer adds: registry, pipelines, hosting.
_MLOPS_RESOURCES = {
    "model-package-group": ("CreateModelPackageGroup", "DescribeModelPackageGroup"),
    "model-package": ("CreateModelPackage", "DescribeModelPackage", "UpdateModelPackage"),
    "pipeline": (
        "CreatePipeline",
        "DescribePipeline",
        "UpdatePipeline",
        "StartPipelineExecution",
        "DescribePipelineDefinitionForExecution",
    ),
    "pipeline-execution": (
        "DescribePipelineExecution",
        "ListPipelineExecutionSteps",
        "StopPipelineExecution",
    ),
    "model": ("CreateModel", "DescribeModel", "DeleteModel"),
    "endpoint-config": ("CreateEndpointConfig", "DescribeEndpointConfig", "DeleteEndpointConfig"),
    "endpoint": ("CreateEndpoint", "DescribeEndpoint", "UpdateEndpoint", "DeleteEndpoint", "InvokeEndpoint"),
    "model-card": ("CreateModelCard", "DescribeModelCard", "UpdateModelCard"),
}

_WILDCARD_REASON = (
    "Studio apps, jobs and spaces get names chosen by users at run time, so statements are scoped to this "
    "account and region with a resource-type wildcard (and to the domain id where the ARN has one); List*, "
    "Search and ecr:GetAuthorizationToken support no resource-level permissions."
)


def sagemaker_service_principal(scope: Construct, *extra_services: str) -> iam.IPrincipal:
    """SageMaker (and extra services) as principal, only on behalf of this account and region."""
    stack = cdk.Stack.of(scope)
    services = ["sagemaker.amazonaws.com", *extra_services]
    principal: iam.IPrincipal = (
        iam.CompositePrincipal(*(iam.ServicePrincipal(s) for s in services))
        if extra_services
        else iam.ServicePrincipal(services[0])
    )
    return iam.PrincipalWithConditions(
        principal,
        {
            "StringEquals": {"aws:SourceAccount": stack.account},
            "ArnLike": {"aws:SourceArn": f"arn:{stack.partition}:*:{stack.region}:{stack.account}:*"},
        },
    )


class ExecutionRole(Construct):
    """The role Studio apps (or Canvas) of one persona run as. Attributes: ``role``, ``role_arn``."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        persona: Persona | str,
        domain_id: str | None = None,
        buckets: Sequence[s3.IBucket] = (),
        key: kms.IKey | None = None,
        canvas_time_series: bool = False,
        canvas_generative_ai: bool = False,
        role_name: str | None = None,
        permissions_boundary: iam.IManagedPolicy | None = None,
        shared_models: bool = True,
    ) -> None:
        super().__init__(scope, construct_id)
        try:
            self.persona = Persona(persona)
        except ValueError:
            raise ValueError(
                f"ExecutionRole persona: must be one of {[p.value for p in Persona]} (got {persona!r})"
            ) from None
        forecast = self.persona is Persona.BUSINESS_ANALYST and canvas_time_series
        self.role = iam.Role(
            self,
            "Role",
            role_name=role_name,
            assumed_by=sagemaker_service_principal(self, *(["forecast.amazonaws.com"] if forecast else [])),
            description=f"SageMaker execution role for the {self.persona.value} persona",
            permissions_boundary=permissions_boundary,
            max_session_duration=cdk.Duration.hours(12),
        )
        stack = cdk.Stack.of(self)
        self._arn_prefix = f"arn:{stack.partition}:sagemaker:{stack.region}:{stack.account}"
        self._studio_statements(domain_id)
        self._common_statements(shared_models)
        if self.persona in (Persona.DATA_SCIENTIST, Persona.ML_ENGINEER):
            self._jobs(_JOB_RESOURCES)
        if self.persona is Persona.ML_ENGINEER:
            self._jobs(_MLOPS_RESOURCES)
        if self.persona is Persona.BUSINESS_ANALYST:
            self._canvas(forecast, canvas_generative_ai)
        for bucket in buckets:
            bucket.grant_read_write(self.role)
        if key is not None:
            key.grant_encrypt_decrypt(self.role)
        acknowledge_wildcards(self.role, _WILDCARD_REASON)
        acknowledge(self.role, INLINE_POLICY_IDS, INLINE_POLICY_REASON)

    @property
    def role_arn(self) -> str:
        return self.role.role_arn

    def _add(
        self,
        sid: str,
        actions: Sequence[str],
        resources: Sequence[str],
        conditions: dict[str, dict[str, object]] | None = None,
    ) -> None:
        self.role.add_to_principal_policy(
            iam.PolicyStatement(sid=sid, actions=list(actions), resources=list(resources), conditions=conditions)
        )

    def _studio_statements(self, domain_id: str | None) -> None:
        d = domain_id or "*"
        p = self._arn_prefix
        self._add("StudioDomainRead", ["sagemaker:DescribeDomain"], [f"{p}:domain/{d}"])
        self._add(
            "StudioProfiles",
            ["sagemaker:DescribeUserProfile", "sagemaker:CreatePresignedDomainUrl"],
            [f"{p}:user-profile/{d}/*"],
        )
        self._add(
            "StudioSpaces",
            [
                "sagemaker:CreateSpace",
                "sagemaker:UpdateSpace",
                "sagemaker:DeleteSpace",
                "sagemaker:DescribeSpace",
            ],
            [f"{p}:space/{d}/*"],
        )
        self._add(
            "StudioApps",
            ["sagemaker:CreateApp", "sagemaker:DeleteApp", "sagemaker:DescribeApp"],
            [f"{p}:app/{d}/*"],
        )
        self._add(
            "StudioList",
            [
                "sagemaker:ListApps",
                "sagemaker:ListSpaces",
                "sagemaker:ListUserProfiles",
                "sagemaker:ListDomains",
                "sagemaker:ListTags",
                "sagemaker:Search",
                "sagemaker:ListStudioLifecycleConfigs",
            ],
            ["*"],
        )
        self._add(
            "StudioTagOnCreate",
            ["sagemaker:AddTags"],
            [f"{p}:*/*"],
            {"Null": {"sagemaker:TaggingAction": "false"}},
        )

    def _common_statements(self, shared_models: bool) -> None:
        stack = cdk.Stack.of(self)
        if shared_models:  # Canvas <-> Studio model sharing (collaboration)
            self._add("SharedModels", SHARED_MODEL_ACTIONS, ["*"])
        self._add(
            "Logs",
            [
                "logs:CreateLogGroup",
                "logs:CreateLogStream",
                "logs:PutLogEvents",
                "logs:DescribeLogStreams",
                "logs:GetLogEvents",
            ],
            [f"arn:{stack.partition}:logs:{stack.region}:{stack.account}:log-group:/aws/sagemaker/*"],
        )
        self._add("EcrAuth", ["ecr:GetAuthorizationToken"], ["*"])
        self._add(
            "EcrPull",
            ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"],
            [f"arn:{stack.partition}:ecr:{stack.region}:*:repository/*"],
        )
        self._add(
            "Metrics",
            ["cloudwatch:PutMetricData"],
            ["*"],
            {"StringLike": {"cloudwatch:namespace": ["/aws/sagemaker/*", "SageMaker*"]}},
        )
        self._add(
            "PassSelf",
            ["iam:PassRole"],
            [self.role.role_arn],
            {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
        )

    def _jobs(self, resources: dict[str, tuple[str, ...]]) -> None:
        for resource_type, verbs in resources.items():
            sid = "".join(part.capitalize() for part in resource_type.split("-"))
            self._add(sid, [f"sagemaker:{v}" for v in verbs], [f"{self._arn_prefix}:{resource_type}/*"])

    def _canvas(self, forecast: bool, generative_ai: bool) -> None:
        policies = ["AmazonSageMakerCanvasFullAccess"]
        if forecast:
            policies.append("AmazonSageMakerCanvasForecastAccess")
        if generative_ai:
            policies.append("AmazonSageMakerCanvasAIServicesAccess")
        for name in policies:
            self.role.add_managed_policy(iam.ManagedPolicy.from_aws_managed_policy_name(name))
        acknowledge(
            self.role,
            [f"AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/{name}]" for name in policies],
            "Canvas features are defined by these AWS-managed Canvas policies, which AWS keeps current as Canvas "
            "changes; they are scoped to SageMaker/Canvas resources (not AmazonSageMakerFullAccess).",
        )
