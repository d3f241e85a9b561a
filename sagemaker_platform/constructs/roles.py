"""Execution roles per persona: what a Studio or Canvas user's code may do, and what no execution role may do.

The README's persona matrix is the specification. A role is built in two parts because the role must exist before
the domain (the domain names its default role) while its Studio statements must name the domain:

- :class:`ExecutionRole` holds what does not depend on a domain: jobs, registry, hosting, logs, ECR, the
  platform buckets and key, and the guardrail denies that keep users apart whatever else is attached (the AWS
  managed Canvas policies, or permissions a vendoring team adds).
- :func:`studio_access_statements` are the domain-scoped Studio statements with the guide's ownership conditions;
  ``StudioDomain.grant_studio_access(role)`` attaches them as a separate policy once the domain exists.

Requests made from a Studio app carry ``sagemaker:DomainId`` and ``sagemaker:UserProfileName`` (the domain's
``ExecutionRoleIdentityConfig`` is ``USER_PROFILE_NAME``), so one role per persona still keeps each user to their
own profile, private spaces and apps.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from enum import StrEnum

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from sagemaker_platform.acknowledgements import (
    INLINE_POLICY_IDS,
    INLINE_POLICY_REASON,
    acknowledge,
    acknowledge_wildcards,
)
from sagemaker_platform.constructs.logical_ids import pin_logical_id
from sagemaker_platform.constructs.typecheck import require


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

# AWS Deep Learning Containers and built-in algorithm images live in this AWS account in most regions; training
# and processing jobs pull them as the execution role.
AWS_DLC_ACCOUNT = "763104351884"

# The session-context variables Studio sets on requests made with an execution role.
DOMAIN_ID_VAR = "${sagemaker:DomainId}"
PROFILE_NAME_VAR = "${sagemaker:UserProfileName}"

# (statement id, actions, ARN resource types the actions are authorized on). IAM authorizes several actions on
# more than one ARN: CreateTrial also on the experiment, AssociateTrialComponent on the trial and the component,
# Create/UpdateEndpoint on the endpoint config; pipeline executions are ``pipeline/<name>/execution/<id>``.
_Grant = tuple[str, tuple[str, ...], tuple[str, ...]]

_JOBS: tuple[_Grant, ...] = (
    ("TrainingJobs", ("CreateTrainingJob", "DescribeTrainingJob", "StopTrainingJob"), ("training-job/*",)),
    ("ProcessingJobs", ("CreateProcessingJob", "DescribeProcessingJob", "StopProcessingJob"), ("processing-job/*",)),
    (
        "TuningJobs",
        ("CreateHyperParameterTuningJob", "DescribeHyperParameterTuningJob", "StopHyperParameterTuningJob"),
        ("hyper-parameter-tuning-job/*", "training-job/*"),
    ),
    (
        "AutoMLJobs",
        (
            "CreateAutoMLJob",
            "CreateAutoMLJobV2",
            "DescribeAutoMLJob",
            "DescribeAutoMLJobV2",
            "StopAutoMLJob",
            "ListCandidatesForAutoMLJob",
        ),
        ("automl-job/*",),
    ),
    (
        "Experiments",
        (
            "CreateExperiment",
            "DescribeExperiment",
            "UpdateExperiment",
            "CreateTrial",
            "DescribeTrial",
            "UpdateTrial",
            "CreateTrialComponent",
            "DescribeTrialComponent",
            "UpdateTrialComponent",
            "AssociateTrialComponent",
            "DisassociateTrialComponent",
        ),
        ("experiment/*", "experiment-trial/*", "experiment-trial-component/*"),
    ),
    (
        "RegistryRead",
        ("DescribeModelPackageGroup", "DescribeModelPackage"),
        ("model-package-group/*", "model-package/*"),
    ),
)
_MLOPS: tuple[_Grant, ...] = (
    (
        "RegistryWrite",
        ("CreateModelPackageGroup", "CreateModelPackage", "UpdateModelPackage"),
        ("model-package-group/*", "model-package/*"),
    ),
    (
        "Pipelines",
        ("CreatePipeline", "DescribePipeline", "UpdatePipeline", "StartPipelineExecution"),
        ("pipeline/*",),
    ),
    (
        "PipelineExecutions",
        (
            "DescribePipelineExecution",
            "DescribePipelineDefinitionForExecution",
            "ListPipelineExecutionSteps",
            "StopPipelineExecution",
        ),
        ("pipeline/*/execution/*",),
    ),
    ("Models", ("CreateModel", "DescribeModel", "DeleteModel"), ("model/*",)),
    (
        "EndpointConfigs",
        ("CreateEndpointConfig", "DescribeEndpointConfig", "DeleteEndpointConfig"),
        ("endpoint-config/*",),
    ),
    (
        "Endpoints",
        ("CreateEndpoint", "UpdateEndpoint"),
        ("endpoint/*", "endpoint-config/*"),
    ),
    ("EndpointOps", ("DescribeEndpoint", "DeleteEndpoint", "InvokeEndpoint"), ("endpoint/*",)),
    ("ModelCards", ("CreateModelCard", "DescribeModelCard", "UpdateModelCard"), ("model-card/*",)),
)

# What Canvas calls as the user beyond AWS's managed Canvas policies.
_CANVAS: tuple[_Grant, ...] = (
    (
        "CanvasAutoMLCandidates",
        ("DescribeAutoMLJob", "DescribeAutoMLJobV2", "ListCandidatesForAutoMLJob"),
        ("automl-job/*",),
    ),
)
# Canvas document querying: search and retrieve passages from the configured indexes, and read each index.
KENDRA_QUERY_ACTIONS = ("kendra:Query", "kendra:Retrieve", "kendra:DescribeIndex")

# Read and write objects, never versions: deleting a version defeats the bucket's versioning.
_OBJECT_ACTIONS = (
    "s3:GetObject",
    "s3:GetObjectTagging",
    "s3:PutObject",
    "s3:PutObjectTagging",
    "s3:DeleteObject",
    "s3:AbortMultipartUpload",
    "s3:ListMultipartUploadParts",
)
_BUCKET_ACTIONS = ("s3:ListBucket", "s3:GetBucketLocation", "s3:ListBucketMultipartUploads")

_WILDCARD_REASON = (
    "Jobs, spaces and apps get names chosen by users at run time, so statements name the resource type with a "
    "wildcard in this account and region (and the domain id where the ARN has one); objects of the platform "
    "buckets are addressed by key; List*, Search, ecr:GetAuthorizationToken and cloudwatch:PutMetricData "
    "support no resource-level permissions."
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


def own_profile_arn(scope: Construct, domain_id: str = DOMAIN_ID_VAR) -> str:
    """The ARN of the profile making the request, written with Studio's session variables."""
    stack = cdk.Stack.of(scope)
    return f"arn:{stack.partition}:sagemaker:{stack.region}:{stack.account}:user-profile/{domain_id}/{PROFILE_NAME_VAR}"


def studio_access_statements(scope: Construct, domain_id: str) -> list[iam.PolicyStatement]:
    """The Studio statements of an execution role, scoped to one domain, with the guide's ownership conditions.

    Users create, change and delete only spaces they own; they start and stop apps on their own profile, in their
    own private spaces and in shared spaces. Spaces without an owner are the platform's (CloudFormation's) and
    are read-only to users. No presigned URLs: users open Studio from outside it, with their own identity.
    """
    stack = cdk.Stack.of(scope)
    prefix = f"arn:{stack.partition}:sagemaker:{stack.region}:{stack.account}"
    owner = own_profile_arn(scope, domain_id)
    return [
        iam.PolicyStatement(
            sid="StudioRead",
            actions=[
                "sagemaker:DescribeDomain",
                "sagemaker:DescribeUserProfile",
                "sagemaker:DescribeSpace",
                "sagemaker:DescribeApp",
            ],
            resources=[
                f"{prefix}:domain/{domain_id}",
                f"{prefix}:user-profile/{domain_id}/*",
                f"{prefix}:space/{domain_id}/*",
                f"{prefix}:app/{domain_id}/*",
            ],
        ),
        iam.PolicyStatement(
            sid="OwnSpaces",
            actions=["sagemaker:CreateSpace", "sagemaker:UpdateSpace", "sagemaker:DeleteSpace"],
            resources=[f"{prefix}:space/{domain_id}/*"],
            conditions={
                "ArnLike": {"sagemaker:OwnerUserProfileArn": owner},
                "StringEquals": {"sagemaker:SpaceSharingType": ["Private", "Shared"]},
            },
        ),
        iam.PolicyStatement(
            sid="OwnProfileApps",
            actions=["sagemaker:CreateApp", "sagemaker:DeleteApp"],
            resources=[f"{prefix}:app/{domain_id}/{PROFILE_NAME_VAR}/*"],
            conditions={"Null": {"sagemaker:OwnerUserProfileArn": "true"}},
        ),
        iam.PolicyStatement(
            sid="OwnPrivateSpaceApps",
            actions=["sagemaker:CreateApp", "sagemaker:DeleteApp"],
            resources=[f"{prefix}:app/{domain_id}/*"],
            conditions={
                "ArnLike": {"sagemaker:OwnerUserProfileArn": owner},
                "StringEquals": {"sagemaker:SpaceSharingType": "Private"},
            },
        ),
        iam.PolicyStatement(
            sid="SharedSpaceApps",
            actions=["sagemaker:CreateApp", "sagemaker:DeleteApp"],
            resources=[f"{prefix}:app/{domain_id}/*"],
            conditions={"StringEquals": {"sagemaker:SpaceSharingType": "Shared"}},
        ),
        iam.PolicyStatement(
            sid="StudioTagOnCreate",
            actions=["sagemaker:AddTags"],
            resources=[f"{prefix}:space/{domain_id}/*", f"{prefix}:app/{domain_id}/*"],
            conditions={"Null": {"sagemaker:TaggingAction": "false"}},
        ),
    ]


class ExecutionRole(iam.Role):
    """The role Studio apps, Canvas and the jobs they start run as, for one persona."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        persona: Persona | str,
        buckets: Sequence[s3.IBucket] = (),
        encryption_key: kms.IKey | None = None,
        canvas: bool = False,
        canvas_time_series: bool = False,
        canvas_generative_ai: bool = False,
        kendra_index_ids: Sequence[str] = (),
        ecr_accounts: Sequence[str] = (AWS_DLC_ACCOUNT,),
        sdk_default_bucket: bool = True,
        shared_models: bool = True,
        role_name: str | None = None,
        permissions_boundary: iam.IManagedPolicy | None = None,
    ) -> None:
        """
        :param persona: data_scientist, ml_engineer or business_analyst (see the README's persona matrix).
        :param buckets: platform buckets the persona reads and writes (objects only, never object versions).
        :param encryption_key: the domain's key: apps, jobs and endpoints pass it to SageMaker, which needs a grant.
        :param canvas: attach the Canvas policies (the business analyst always has them).
        :param canvas_time_series: Canvas forecasting: Forecast may assume the role and use the key.
        :param canvas_generative_ai: attach the Canvas AI-services policy.
        :param kendra_index_ids: Amazon Kendra indexes Canvas users query documents in (Canvas roles only).
        :param ecr_accounts: accounts besides this one whose ECR repositories jobs may pull images from.
        :param sdk_default_bucket: let the SageMaker Python SDK use ``sagemaker-<region>-<account>``.
        :param shared_models: Canvas and Studio users share models (collaboration).
        :param role_name: a fixed role name (default: generated).
        :param permissions_boundary: an organisation's boundary.
        """
        try:
            resolved = Persona(persona)
        except ValueError:
            raise ValueError(
                f"ExecutionRole persona: must be one of {[p.value for p in Persona]} (got {persona!r})"
            ) from None
        for account in ecr_accounts:
            if not cdk.Token.is_unresolved(account) and not (len(account) == 12 and account.isdigit()):
                raise ValueError(f"ExecutionRole ecr_accounts: a 12-digit account id (got {account!r})")
        canvas = canvas or resolved is Persona.BUSINESS_ANALYST
        for index_id in kendra_index_ids:
            if not cdk.Token.is_unresolved(index_id) and not re.fullmatch(r"[a-zA-Z0-9][a-zA-Z0-9-]{35}", index_id):
                raise ValueError(f"ExecutionRole kendra_index_ids: a 36-character Kendra index id (got {index_id!r})")
        forecast = canvas and canvas_time_series
        for i, bucket in enumerate(buckets):
            require("ExecutionRole", f"buckets[{i}]", bucket, s3.IBucket)
        if encryption_key is not None:
            require("ExecutionRole", "encryption_key", encryption_key, kms.IKey)
        if permissions_boundary is not None:
            require("ExecutionRole", "permissions_boundary", permissions_boundary, iam.IManagedPolicy)
        super().__init__(
            scope,
            construct_id,
            role_name=role_name,
            assumed_by=sagemaker_service_principal(scope, *(["forecast.amazonaws.com"] if forecast else [])),
            description=f"SageMaker execution role for the {resolved.value} persona",
            permissions_boundary=permissions_boundary,
            max_session_duration=cdk.Duration.hours(12),
        )
        self.persona = resolved
        pin_logical_id(self, "Role", "Resource")  # 0.1 wrapped the role as ``<id>/Role``: keep deployed roles
        stack = cdk.Stack.of(self)
        self._arn_prefix = f"arn:{stack.partition}:sagemaker:{stack.region}:{stack.account}"
        # The persona's statements live in customer managed policies of at most 6,144 characters each: IAM caps a
        # role's inline policies at 10,240 characters together, which a persona with Canvas and hubs passes.
        self._policies: dict[str, iam.ManagedPolicy] = {}
        self._group = "Guardrails"
        self._guardrails()
        if canvas and resolved is Persona.DATA_SCIENTIST:
            self._deny_mlops()
        self._group = "Workspace"
        self._common(shared_models, ecr_accounts, forecast)
        self._group = "Jobs"
        if resolved in (Persona.DATA_SCIENTIST, Persona.ML_ENGINEER):
            self._grants(_JOBS)
        self._group = "MLOps"
        if resolved is Persona.ML_ENGINEER:
            self._grants(_MLOPS)
        self._group = "Canvas"
        if canvas:
            self._canvas(forecast, canvas_generative_ai, kendra_index_ids)
        self._group = "Data"
        for bucket in buckets:
            self._bucket(bucket.bucket_arn, "PlatformBucket")
        if sdk_default_bucket:
            self._sdk_default_bucket()
        if encryption_key is not None:
            self._key(encryption_key, forecast)
        acknowledge_wildcards(self, _WILDCARD_REASON)
        acknowledge(self, INLINE_POLICY_IDS, INLINE_POLICY_REASON)

    @property
    def role(self) -> iam.IRole:
        """The role itself (0.1 wrapped it; kept so existing code keeps working)."""
        return self

    def _add(
        self,
        sid: str,
        actions: Sequence[str],
        resources: Sequence[str],
        conditions: dict[str, dict[str, object]] | None = None,
        *,
        effect: iam.Effect = iam.Effect.ALLOW,
        not_resources: Sequence[str] = (),
    ) -> None:
        statement = iam.PolicyStatement(
            sid=sid,
            effect=effect,
            actions=list(actions),
            resources=list(resources) or None,
            not_resources=list(not_resources) or None,
            conditions=conditions,
        )
        policy = self._policies.get(self._group)
        if policy is None:
            policy = self._policies[self._group] = iam.ManagedPolicy(
                self, self._group, description=f"{self._group} of the {self.persona.value} persona", roles=[self]
            )
        policy.add_statements(statement)

    def _guardrails(self) -> None:
        """Denies that hold whatever else the role is given: no other role passed, no presigned URL, no object
        version deleted, no space or app of another user touched."""
        self._add("DenyPassingOtherRoles", ["iam:PassRole"], [], effect=iam.Effect.DENY,
                  not_resources=[self.role_arn])
        self._add("DenyPresignedUrls", ["sagemaker:CreatePresignedDomainUrl"], ["*"], effect=iam.Effect.DENY)
        self._add(
            "DenyObjectVersionDeletion",
            ["s3:DeleteObjectVersion", "s3:DeleteObjectVersionTagging", "s3:PutBucketVersioning"],
            ["*"],
            effect=iam.Effect.DENY,
        )
        owner = own_profile_arn(self)
        self._add(
            "DenyOthersSpaces",
            ["sagemaker:CreateSpace", "sagemaker:UpdateSpace", "sagemaker:DeleteSpace"],
            ["*"],
            {"ArnNotLike": {"sagemaker:OwnerUserProfileArn": owner}},
            effect=iam.Effect.DENY,
        )
        self._add(
            "DenyOthersApps",
            ["sagemaker:CreateApp", "sagemaker:DeleteApp"],
            [],
            {
                "ArnNotLike": {"sagemaker:OwnerUserProfileArn": owner},
                "StringNotEquals": {"sagemaker:SpaceSharingType": "Shared"},
            },
            effect=iam.Effect.DENY,
            not_resources=[f"{self._arn_prefix}:app/{DOMAIN_ID_VAR}/{PROFILE_NAME_VAR}/*"],
        )

    def _common(self, shared_models: bool, ecr_accounts: Sequence[str], forecast: bool) -> None:
        stack = cdk.Stack.of(self)
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
                "sagemaker:ListModelPackageGroups",
                "sagemaker:ListModelPackages",
                "sagemaker:ListTrainingJobs",
                "sagemaker:ListProcessingJobs",
                "sagemaker:ListExperiments",
                "sagemaker:ListTrials",
                "sagemaker:ListTrialComponents",
            ],
            ["*"],
        )
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
        accounts = [stack.account, *(a for a in ecr_accounts if a != stack.account)]
        self._add(
            "EcrPull",
            ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"],
            [f"arn:{stack.partition}:ecr:{stack.region}:{account}:repository/*" for account in accounts],
        )
        self._add(
            "Metrics",
            ["cloudwatch:PutMetricData"],
            ["*"],
            {"StringLike": {"cloudwatch:namespace": ["/aws/sagemaker/*", "SageMaker*"]}},
        )
        services = ["sagemaker.amazonaws.com", *(["forecast.amazonaws.com"] if forecast else [])]
        self._add("PassSelf", ["iam:PassRole"], [self.role_arn], {"StringEquals": {"iam:PassedToService": services}})

    def _grants(self, grants: Sequence[_Grant]) -> None:
        for sid, verbs, resource_types in grants:
            self._add(
                sid,
                [f"sagemaker:{verb}" for verb in verbs],
                [f"{self._arn_prefix}:{resource_type}" for resource_type in resource_types],
            )

    def _bucket(self, bucket_arn: str, sid: str) -> None:
        self._add(f"{sid}List", _BUCKET_ACTIONS, [bucket_arn])
        self._add(f"{sid}Objects", _OBJECT_ACTIONS, [f"{bucket_arn}/*"])

    def _sdk_default_bucket(self) -> None:
        """The SageMaker Python SDK's ``Session.default_bucket()``: ``sagemaker-<region>-<account>``, created on
        first use if missing."""
        stack = cdk.Stack.of(self)
        arn = f"arn:{stack.partition}:s3:::sagemaker-{stack.region}-{stack.account}"
        self._bucket(arn, "SdkDefaultBucket")
        self._add("SdkDefaultBucketCreate", ["s3:CreateBucket"], [arn])

    def _key(self, key: kms.IKey, forecast: bool) -> None:
        """Apps, jobs and endpoints pass the key to SageMaker, which checks ``kms:CreateGrant`` and
        ``kms:DescribeKey`` as the role (at CreateApp, CreateTrainingJob ...); Forecast also retires its grants."""
        key.grant_encrypt_decrypt(self)
        self._add("KeyDescribe", ["kms:DescribeKey"], [key.key_arn])
        self._add(
            "KeyGrantsForAwsServices",
            ["kms:CreateGrant"],
            [key.key_arn],
            {"Bool": {"kms:GrantIsForAWSResource": "true"}},
        )
        if forecast:
            self._add("KeyRetireGrants", ["kms:RetireGrant"], [key.key_arn])

    def _deny_mlops(self) -> None:
        """A data scientist with Canvas keeps the persona's refusals: AWS's Canvas policies would let them register
        models, run pipelines, deploy endpoints and write model cards, which the persona matrix reserves for ML
        engineers (so Canvas's model registration and direct deploy are refused to them)."""
        verbs = [verb for _, verbs, _ in _MLOPS for verb in verbs if verb != "InvokeEndpoint"]
        self._add("DenyMlOpsToDataScientists", [f"sagemaker:{v}" for v in verbs], ["*"], effect=iam.Effect.DENY)

    def _canvas(self, forecast: bool, generative_ai: bool, kendra_index_ids: Sequence[str]) -> None:
        # Canvas's "alternative candidate" flow lists the AutoML job's candidates as the user.
        self._grants(_CANVAS)
        if kendra_index_ids:
            stack = cdk.Stack.of(self)
            self._add(
                "CanvasKendraIndexes",
                KENDRA_QUERY_ACTIONS,
                [f"arn:{stack.partition}:kendra:{stack.region}:{stack.account}:index/{i}" for i in kendra_index_ids],
            )
        policies = ["AmazonSageMakerCanvasFullAccess"]
        if forecast:
            policies.append("AmazonSageMakerCanvasForecastAccess")
        if generative_ai:
            policies.append("AmazonSageMakerCanvasAIServicesAccess")
        for name in policies:
            self.add_managed_policy(iam.ManagedPolicy.from_aws_managed_policy_name(name))
        acknowledge(
            self,
            [f"AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/{name}]" for name in policies],
            "Canvas features are defined by these AWS-managed Canvas policies, which AWS keeps current as Canvas "
            "changes; the role's guardrail denies keep it to its own role, spaces and apps whatever they allow.",
        )
