"""A managed MLflow tracking server: experiments, runs and models logged from Studio, jobs and pipelines.

``AWS::SageMaker::MlflowTrackingServer``, not ``AWS::SageMaker::MlflowApp``: both are in the CloudFormation
registry, but the tracking server is offered in every commercial region the platform deploys to (the app is missing
from about twenty of them), and only the server lets the platform choose its size and pin its MLflow version.

``TrackingServerName`` is the server's only create-only property and its identity: the tracking URI clients use is
the server's ARN, which holds the name. ``MlflowVersion`` and ``RoleArn`` cannot be updated in place either
(conditionally create-only), and a replacement would delete the server's metadata store (every experiment and run),
so the name is fixed: CloudFormation then refuses such a change ("cannot update a stack when a custom-named
resource requires replacing") instead of losing the history. A new version is a new server, by hand.

Clients write artifacts straight to the artifact store with their own credentials, so the grants give S3 access
to the store's prefix besides the ``sagemaker-mlflow`` data-plane actions.
"""

from __future__ import annotations

import re

import aws_cdk as cdk
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
from sagemaker_platform.constructs.bucket import SecureBucket
from sagemaker_platform.constructs.roles import sagemaker_service_principal
from sagemaker_platform.constructs.typecheck import require
from sagemaker_platform.rules.core import RuleError
from sagemaker_platform.rules.mlflow import (
    MAINTENANCE_WINDOW,
    MAX_VERSION,
    MLFLOW_VERSION,
    SIZES,
    TRACKING_SERVER_NAME,
)

DEFAULT_ARTIFACT_PREFIX = "mlflow"

# The MLflow data plane (service prefix ``sagemaker-mlflow``), authorized on the server's ARN. Reading: every Read
# and List action of the service authorization reference except AccessUI (see PRESIGNED_UI_ACTIONS).
READ_ACTIONS = tuple(
    f"sagemaker-mlflow:{action}"
    for action in (
        "GetExperiment",
        "GetExperimentByName",
        "SearchExperiments",
        "GetRun",
        "SearchRuns",
        "GetMetricHistory",
        "ListArtifacts",
        "GetRegisteredModel",
        "SearchRegisteredModels",
        "GetLatestModelVersions",
        "GetModelVersion",
        "GetModelVersionByAlias",
        "SearchModelVersions",
        "GetDownloadURIForModelVersionArtifacts",
        "GetLoggedModel",
        "SearchLoggedModels",
        "ListLoggedModelArtifacts",
        "GetTraceInfo",
        "SearchTraces",
    )
)
# Logging adds what writes experiments, runs, traces, logged models and registered model versions. Nothing that
# deletes, renames or restores, and no stage transitions or aliases: on a shared server those change other users'
# work, and with automatic model registration aliases set the registry's approval status.
LOG_ACTIONS = tuple(
    f"sagemaker-mlflow:{action}"
    for action in (
        "CreateExperiment",
        "UpdateExperiment",
        "SetExperimentTag",
        "CreateRun",
        "UpdateRun",
        "LogMetric",
        "LogParam",
        "LogBatch",
        "LogInputs",
        "LogOutputs",
        "LogModel",
        "SetTag",
        "FinalizeLoggedModel",
        "LogLoggedModelParams",
        "SetLoggedModelTags",
        "CreateRegisteredModel",
        "UpdateRegisteredModel",
        "SetRegisteredModelTag",
        "CreateModelVersion",
        "UpdateModelVersion",
        "SetModelVersionTag",
        "StartTrace",
        "EndTrace",
        "SetTraceTag",
    )
)
# Opening the MLflow UI: a presigned URL for this server. AccessUI has no resource type in the service
# authorization reference, so IAM only matches it against "*".
PRESIGNED_URL_ACTIONS = (
    "sagemaker:CreatePresignedMlflowTrackingServerUrl",
    "sagemaker:DescribeMlflowTrackingServer",
)
PRESIGNED_UI_ACTIONS = ("sagemaker-mlflow:AccessUI",)
# What the server does as its role with automatic model registration: a model package group per registered model
# (named ``<model>-<suffix>`` by SageMaker) and a model package per version, tagged on creation.
REGISTRATION_ACTIONS = (
    "sagemaker:CreateModelPackageGroup",
    "sagemaker:DescribeModelPackageGroup",
    "sagemaker:CreateModelPackage",
    "sagemaker:DescribeModelPackage",
    "sagemaker:UpdateModelPackage",
    "sagemaker:AddTags",
)

# Artifact objects a deny covers (a role's managed policies may reach the bucket).
ARTIFACT_READ_ACTIONS = ("s3:GetObject",)
ARTIFACT_WRITE_ACTIONS = ("s3:PutObject", "s3:DeleteObject")

SERVER_WILDCARD_REASON = (
    "The tracking server's role reads and writes objects under the server's artifact prefix only (keys are made "
    "by MLflow); with automatic model registration SageMaker names the model package groups after the MLflow "
    "models (<model>-<suffix>), so the registry statement names this account's groups and packages by type."
)


def _check_prefix(owner: str, prefix: str) -> str:
    cleaned = prefix.strip("/")
    if not cleaned or not re.fullmatch(r"[A-Za-z0-9!_.*'()/-]+", cleaned):
        raise ValueError(f"{owner} artifact_prefix: a non-empty S3 key prefix (got {prefix!r})")
    return f"{cleaned}/"


def _check_name(owner: str, name: str) -> None:
    if cdk.Token.is_unresolved(name):
        raise ValueError(f"{owner} tracking_server_name: a literal string (it is the server's identity), got a token")
    try:
        TRACKING_SERVER_NAME.check("tracking_server_name", name)
    except RuleError as exc:
        raise ValueError(f"{owner} {exc}") from None


class MlflowTrackingServerBase(cdk.Resource):
    """Grants on a tracking server, for owned and imported servers alike. Subclasses set ``tracking_server_name``,
    ``tracking_server_arn``, ``artifact_bucket`` (None when unknown) and ``artifact_prefix``."""

    tracking_server_name: str
    tracking_server_arn: str
    artifact_bucket: s3.IBucket | None
    artifact_prefix: str

    def grant_read(self, grantee: iam.IGrantable) -> iam.Grant:
        """Read experiments, runs, traces and registered models through the MLflow API and SDK, and download
        their artifacts (objects under the artifact prefix, and the bucket's key).

        :param grantee: the principal that reads.
        """
        if self.artifact_bucket is not None:
            self.artifact_bucket.grant_read(grantee, f"{self.artifact_prefix}*")
        return iam.Grant.add_to_principal(
            grantee=grantee, actions=list(READ_ACTIONS), resource_arns=[self.tracking_server_arn]
        )

    def grant_log(self, grantee: iam.IGrantable) -> iam.Grant:
        """Everything :meth:`grant_read` gives, plus creating experiments and runs, logging metrics, parameters,
        traces and models, registering model versions, and uploading artifacts. No presigned URL (see
        :meth:`grant_presigned_url`) and nothing that deletes.

        :param grantee: the principal that logs.
        """
        self.grant_read(grantee)
        if self.artifact_bucket is not None:
            self.artifact_bucket.grant_put(grantee, f"{self.artifact_prefix}*")
        return iam.Grant.add_to_principal(
            grantee=grantee, actions=list(LOG_ACTIONS), resource_arns=[self.tracking_server_arn]
        )

    def grant_presigned_url(self, grantee: iam.IGrantable) -> iam.Grant:
        """Open this server's MLflow UI: create a presigned URL for it and describe it (Studio's MLflow page does
        both), and the UI access action. What the UI shows and changes still needs :meth:`grant_read` or
        :meth:`grant_log`.

        :param grantee: the principal that opens the UI.
        """
        iam.Grant.add_to_principal(grantee=grantee, actions=list(PRESIGNED_UI_ACTIONS), resource_arns=["*"])
        return iam.Grant.add_to_principal(
            grantee=grantee, actions=list(PRESIGNED_URL_ACTIONS), resource_arns=[self.tracking_server_arn]
        )

    def deny_log(self, role: iam.IRole) -> None:
        """Refuse ``role`` every logging action on this server, and writing or deleting its artifacts, whatever
        else it carries (AWS managed policies, or permissions a team adds): a reader stays a reader.

        :param role: the role refused.
        """
        require(f"{type(self).__name__}.deny_log", "role", role, iam.IRole)
        role.add_to_principal_policy(
            iam.PolicyStatement(
                effect=iam.Effect.DENY, actions=list(LOG_ACTIONS), resources=[self.tracking_server_arn]
            )
        )
        self._deny_artifacts(role, ARTIFACT_WRITE_ACTIONS)

    def deny_read(self, role: iam.IRole) -> None:
        """Refuse ``role`` every data-plane action on this server, reading and logging, and its artifacts.

        :param role: the role refused.
        """
        require(f"{type(self).__name__}.deny_read", "role", role, iam.IRole)
        role.add_to_principal_policy(
            iam.PolicyStatement(
                effect=iam.Effect.DENY,
                actions=[*READ_ACTIONS, *LOG_ACTIONS],
                resources=[self.tracking_server_arn],
            )
        )
        self._deny_artifacts(role, (*ARTIFACT_READ_ACTIONS, *ARTIFACT_WRITE_ACTIONS))

    def _deny_artifacts(self, role: iam.IRole, actions: tuple[str, ...]) -> None:
        if self.artifact_bucket is not None:
            role.add_to_principal_policy(
                iam.PolicyStatement(
                    effect=iam.Effect.DENY,
                    actions=list(actions),
                    resources=[self.artifact_bucket.arn_for_objects(f"{self.artifact_prefix}*")],
                )
            )

    def deny_presigned_url(self, role: iam.IRole) -> None:
        """Refuse ``role`` presigned URLs to this server's UI.

        :param role: the role refused.
        """
        require(f"{type(self).__name__}.deny_presigned_url", "role", role, iam.IRole)
        role.add_to_principal_policy(
            iam.PolicyStatement(
                effect=iam.Effect.DENY,
                actions=["sagemaker:CreatePresignedMlflowTrackingServerUrl"],
                resources=[self.tracking_server_arn],
            )
        )


class ImportedMlflowTrackingServer(MlflowTrackingServerBase):
    """A tracking server created elsewhere, by name: the same grants."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        tracking_server_name: str,
        artifact_bucket: s3.IBucket | None = None,
        artifact_prefix: str = DEFAULT_ARTIFACT_PREFIX,
    ) -> None:
        """
        :param tracking_server_name: the server's name.
        :param artifact_bucket: its artifact store's bucket, so the grants include the artifacts (else they give
            the MLflow API only).
        :param artifact_prefix: the artifact store's key prefix in ``artifact_bucket``.
        """
        owner = "ImportedMlflowTrackingServer"
        if artifact_bucket is not None:
            require(owner, "artifact_bucket", artifact_bucket, s3.IBucket)
        super().__init__(scope, construct_id)
        if not cdk.Token.is_unresolved(tracking_server_name):
            _check_name(owner, tracking_server_name)
        self.tracking_server_name = tracking_server_name
        self.tracking_server_arn = cdk.Stack.of(self).format_arn(
            service="sagemaker", resource="mlflow-tracking-server", resource_name=tracking_server_name
        )
        self.artifact_bucket = artifact_bucket
        self.artifact_prefix = _check_prefix(owner, artifact_prefix)


class MlflowTrackingServer(MlflowTrackingServerBase):
    """``AWS::SageMaker::MlflowTrackingServer`` with its own role and a KMS-encrypted artifact store.

    Attributes: ``tracking_server_name``, ``tracking_server_arn`` (the MLflow tracking URI), ``role``,
    ``artifact_bucket``, ``artifact_prefix``, ``artifact_store_uri``; the L1 is ``node.default_child`` (also
    ``resource``). The server is retained when the stack is deleted: its metadata store is the only copy of the
    experiments and runs.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        tracking_server_name: str,
        encryption_key: kms.IKey | None = None,
        access_log_bucket: s3.IBucket | None = None,
        artifact_bucket: s3.IBucket | None = None,
        artifact_prefix: str = DEFAULT_ARTIFACT_PREFIX,
        size: str = "Small",
        mlflow_version: str | None = None,
        automatic_model_registration: bool = False,
        weekly_maintenance_window_start: str | None = None,
        removal_policy: cdk.RemovalPolicy = cdk.RemovalPolicy.RETAIN,
    ) -> None:
        """
        :param tracking_server_name: the server's name: its identity, fixed once deployed.
        :param encryption_key: encrypts the artifact bucket this creates.
        :param access_log_bucket: where the created artifact bucket's access logs go.
        :param artifact_bucket: an existing bucket for the artifact store; else a :class:`SecureBucket` is created
            with ``encryption_key`` and ``access_log_bucket``.
        :param artifact_prefix: the artifact store's key prefix in the bucket.
        :param size: Small, Medium or Large (SageMaker suggests Small for teams of up to 25 users).
        :param mlflow_version: the MLflow version, such as ``2.16.2`` (default: SageMaker's current default).
            Fixed once deployed: a new version is a new server.
        :param automatic_model_registration: register MLflow models in the SageMaker Model Registry as model
            package groups and versions (the server's role gets the registry actions).
        :param weekly_maintenance_window_start: ``Day:HH:MM`` in UTC, such as ``Sun:03:30``.
        :param removal_policy: RETAIN by default: deleting the server deletes every experiment and run.
        """
        owner = "MlflowTrackingServer"
        for parameter, value, interface in (
            ("encryption_key", encryption_key, kms.IKey),
            ("access_log_bucket", access_log_bucket, s3.IBucket),
            ("artifact_bucket", artifact_bucket, s3.IBucket),
        ):
            if value is not None:
                require(owner, parameter, value, interface)
        super().__init__(scope, construct_id, physical_name=tracking_server_name)
        _check_name(owner, tracking_server_name)
        if size not in SIZES:
            raise ValueError(f"{owner} size: one of {', '.join(SIZES)} (got {size!r})")
        if mlflow_version is not None and (
            not MLFLOW_VERSION.accepts(mlflow_version) or len(mlflow_version) > MAX_VERSION
        ):
            raise ValueError(f"{owner} mlflow_version: {MLFLOW_VERSION.hint} (got {mlflow_version!r})")
        if weekly_maintenance_window_start is not None:
            try:
                MAINTENANCE_WINDOW.check("weekly_maintenance_window_start", weekly_maintenance_window_start)
            except RuleError as exc:
                raise ValueError(f"{owner} {exc}") from None
        if not isinstance(automatic_model_registration, bool):
            raise ValueError(
                f"{owner} automatic_model_registration: true or false (got {automatic_model_registration!r})"
            )
        self.artifact_prefix = _check_prefix(owner, artifact_prefix)
        if artifact_bucket is None:
            missing = [n for n, v in (("encryption_key", encryption_key), ("access_log_bucket", access_log_bucket))
                       if v is None]
            if missing:
                raise ValueError(
                    f"{owner} needs {' and '.join(missing)} to create its artifact bucket (or give artifact_bucket)"
                )
            assert encryption_key is not None and access_log_bucket is not None
            artifact_bucket = SecureBucket(
                self,
                "Artifacts",
                encryption_key=encryption_key,
                access_log_bucket=access_log_bucket,
                access_log_prefix=f"{tracking_server_name}-artifacts/",
            )
        self.artifact_bucket = artifact_bucket
        self.artifact_store_uri = f"s3://{artifact_bucket.bucket_name}/{self.artifact_prefix}"
        self.tracking_server_name = tracking_server_name
        stack = cdk.Stack.of(self)
        self.tracking_server_arn = stack.format_arn(
            service="sagemaker", resource="mlflow-tracking-server", resource_name=tracking_server_name
        )

        self.role = iam.Role(
            self,
            "Role",
            assumed_by=sagemaker_service_principal(self),
            description=f"MLflow tracking server {tracking_server_name}: its artifact store and model registration",
        )
        # The server reads and writes its artifact store (s3:Get*, s3:Put*, s3:List* in the guide), never deletes.
        artifact_bucket.grant_read(self.role, f"{self.artifact_prefix}*")
        artifact_bucket.grant_put(self.role, f"{self.artifact_prefix}*")
        if automatic_model_registration:
            prefix = f"arn:{stack.partition}:sagemaker:{stack.region}:{stack.account}"
            self.role.add_to_principal_policy(
                iam.PolicyStatement(
                    sid="ModelRegistration",
                    actions=list(REGISTRATION_ACTIONS),
                    resources=[f"{prefix}:model-package-group/*", f"{prefix}:model-package/*"],
                )
            )
        acknowledge_wildcards(self.role, SERVER_WILDCARD_REASON)
        acknowledge(self.role, INLINE_POLICY_IDS, INLINE_POLICY_REASON)

        self.resource = sagemaker.CfnMlflowTrackingServer(
            self,
            "Resource",
            tracking_server_name=tracking_server_name,
            artifact_store_uri=self.artifact_store_uri,
            role_arn=self.role.role_arn,
            tracking_server_size=size,
            mlflow_version=mlflow_version,
            automatic_model_registration=automatic_model_registration,
            weekly_maintenance_window_start=weekly_maintenance_window_start,
        )
        # SageMaker checks the role's access to the artifact store when it creates the server.
        self.resource.node.add_dependency(self.role)
        self.resource.apply_removal_policy(removal_policy)
        self.size = size
        self.mlflow_version = mlflow_version
        self.automatic_model_registration = automatic_model_registration

    @staticmethod
    def from_tracking_server_name(
        scope: Construct,
        construct_id: str,
        *,
        tracking_server_name: str,
        artifact_bucket: s3.IBucket | None = None,
        artifact_prefix: str = DEFAULT_ARTIFACT_PREFIX,
    ) -> ImportedMlflowTrackingServer:
        """A server created elsewhere, by name: the same grants.

        :param tracking_server_name: the server's name.
        :param artifact_bucket: its artifact store's bucket, so the grants include the artifacts.
        :param artifact_prefix: the artifact store's key prefix in ``artifact_bucket``.
        """
        if artifact_bucket is not None:
            require("MlflowTrackingServer.from_tracking_server_name", "artifact_bucket", artifact_bucket, s3.IBucket)
        return ImportedMlflowTrackingServer(
            scope,
            construct_id,
            tracking_server_name=tracking_server_name,
            artifact_bucket=artifact_bucket,
            artifact_prefix=artifact_prefix,
        )
