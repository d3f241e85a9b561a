"""SageMaker Canvas: its settings (not in the CloudFormation schema) and idle shutdown.

``CanvasSettings`` sets ``CanvasAppSettings`` with UpdateDomain (or UpdateUserProfile for one user) on Create and
Update, resets it on Delete, and touches no field CloudFormation owns. ``CanvasIdleShutdown`` deletes Canvas apps
that have been idle longer than the limit, since Canvas bills its workspace instance until the app is deleted.
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from sagemaker_platform.acknowledgements import (
    INLINE_POLICY_IDS,
    INLINE_POLICY_REASON,
    acknowledge,
    acknowledge_wildcards,
)
from sagemaker_platform.constructs.handler_provider import (
    ALARM_PERIOD,
    HANDLER_TIMEOUT,
    LAMBDA_DIR,
    RUNTIME,
    DeadLetterQueue,
    HandlerProvider,
    failure_alarm,
    load_contracts,
)
from sagemaker_platform.constructs.interfaces import IStudioDomain
from sagemaker_platform.constructs.typecheck import require


class CanvasSettings(Construct):
    """Canvas features for a whole domain (``user_profile_name=None``) or one user profile."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        domain: IStudioDomain,
        user_profile_name: str | None = None,
        workspace_s3_uri: str | None = None,
        time_series_role: iam.IRole | None = None,
        model_registry: bool = True,
        direct_deploy: bool = True,
        kendra: bool = False,
        generative_ai_role: iam.IRole | None = None,
        encryption_key: kms.IKey | None = None,
    ) -> None:
        """
        :param domain: the domain (owned or imported).
        :param user_profile_name: one user profile instead of the whole domain.
        :param workspace_s3_uri: where Canvas keeps its artifacts (``s3://bucket/prefix``).
        :param time_series_role: the role Forecast assumes (time-series forecasting on).
        :param model_registry: let users register models.
        :param direct_deploy: let users deploy models from Canvas.
        :param kendra: document querying through Amazon Kendra.
        :param generative_ai_role: the Bedrock role for generative AI fine-tuning.
        :param encryption_key: encrypts the workspace artifacts and the handler's logs.
        """
        for parameter, value, interface in (
            ("time_series_role", time_series_role, iam.IRole),
            ("generative_ai_role", generative_ai_role, iam.IRole),
            ("encryption_key", encryption_key, kms.IKey),
        ):
            if value is not None:
                require("CanvasSettings", parameter, value, interface)
        super().__init__(scope, construct_id)
        if workspace_s3_uri is not None and not (
            cdk.Token.is_unresolved(workspace_s3_uri) or workspace_s3_uri.startswith("s3://")
        ):
            raise ValueError(f"CanvasSettings workspace_s3_uri: must start with s3:// (got {workspace_s3_uri!r})")
        settings: dict[str, Any] = {
            "TimeSeriesForecastingSettings": {"Status": "ENABLED" if time_series_role else "DISABLED"},
            "ModelRegisterSettings": {"Status": "ENABLED" if model_registry else "DISABLED"},
            "DirectDeploySettings": {"Status": "ENABLED" if direct_deploy else "DISABLED"},
            "KendraSettings": {"Status": "ENABLED" if kendra else "DISABLED"},
        }
        if time_series_role is not None:
            settings["TimeSeriesForecastingSettings"]["AmazonForecastRoleArn"] = time_series_role.role_arn
        if generative_ai_role is not None:
            settings["GenerativeAiSettings"] = {"AmazonBedrockRoleArn": generative_ai_role.role_arn}
        if workspace_s3_uri is not None:
            settings["WorkspaceSettings"] = {"S3ArtifactPath": workspace_s3_uri}
            if encryption_key is not None:
                settings["WorkspaceSettings"]["S3KmsKeyId"] = encryption_key.key_arn
        stack = cdk.Stack.of(self)
        provider = HandlerProvider.of(
            self,
            "canvas_settings",
            encryption_key=encryption_key,
            total_timeout=cdk.Duration.minutes(30),
            query_interval=cdk.Duration.seconds(15),
        )
        target = (
            stack.format_arn(
                service="sagemaker",
                resource="user-profile",
                resource_name=f"{domain.domain_id}/{user_profile_name}",
            )
            if user_profile_name
            else stack.format_arn(service="sagemaker", resource="domain", resource_name=domain.domain_id)
        )
        actions = (
            ["sagemaker:UpdateUserProfile", "sagemaker:DescribeUserProfile"]
            if user_profile_name
            else ["sagemaker:UpdateDomain", "sagemaker:DescribeDomain"]
        )
        provider.add_to_policy(iam.PolicyStatement(actions=actions, resources=[target]))
        roles = [r for r in (time_series_role, generative_ai_role) if r is not None]
        if roles:
            provider.add_to_policy(iam.PolicyStatement(actions=["iam:PassRole"], resources=[r.role_arn for r in roles]))
        acknowledge(provider.role, INLINE_POLICY_IDS, INLINE_POLICY_REASON)
        acknowledge_wildcards(provider.role, "Only the log-stream wildcard of the handler's own log group.")
        properties: dict[str, Any] = {"DomainId": domain.domain_id, "CanvasAppSettings": settings}
        if user_profile_name:
            properties["UserProfileName"] = user_profile_name
        self.resource = cdk.CustomResource(
            self,
            "Resource",
            service_token=provider.service_token,
            resource_type="Custom::CanvasSettings",
            properties=load_contracts().build("Custom::CanvasSettings", **properties),
        )
        if isinstance(domain, Construct):
            self.resource.node.add_dependency(domain)
        self.settings = settings


class CanvasIdleShutdown(Construct):
    """A scheduled function that deletes Canvas apps idle for ``idle_minutes`` (from Canvas's AppActivity
    metric; an app with no data point is left alone).

    Nothing waits on a scheduled run, so failures have a destination: undeliverable schedule events and failed
    invocations go to a KMS-encrypted dead-letter queue (``dead_letter_queue``; the key is ``dead_letter_key``,
    else ``encryption_key``), and ``alarms`` fire on the function's Errors and on a message in that queue, notifying
    ``alarm_topic`` when given.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        domain: IStudioDomain,
        idle_minutes: int = 120,
        encryption_key: kms.IKey | None = None,
        schedule: events.Schedule | None = None,
        dead_letter_key: kms.IKey | None = None,
        alarm_topic: sns.ITopic | None = None,
    ) -> None:
        """
        :param domain: the domain whose Canvas apps are watched (owned or imported).
        :param idle_minutes: how long an app may be idle before it is deleted.
        :param encryption_key: encrypts the function's logs (and the dead-letter queue without ``dead_letter_key``).
        :param schedule: when the function runs (default: every 15 minutes).
        :param dead_letter_key: encrypts the dead-letter queue.
        :param alarm_topic: notified by the alarms.
        """
        for parameter, value, interface in (
            ("encryption_key", encryption_key, kms.IKey),
            ("dead_letter_key", dead_letter_key, kms.IKey),
            ("alarm_topic", alarm_topic, sns.ITopic),
        ):
            if value is not None:
                require("CanvasIdleShutdown", parameter, value, interface)
        super().__init__(scope, construct_id)
        if not 60 <= idle_minutes <= 1440:
            raise ValueError(f"CanvasIdleShutdown idle_minutes: must be 60-1440 (got {idle_minutes})")
        queue_key = dead_letter_key or encryption_key
        if queue_key is None:
            raise ValueError(
                "CanvasIdleShutdown dead_letter_key: a KMS key is required to encrypt the dead-letter queue "
                "(got None, and no encryption_key either)"
            )
        stack = cdk.Stack.of(self)
        log_group = logs.LogGroup(
            self,
            "Logs",
            retention=logs.RetentionDays.ONE_YEAR,
            encryption_key=encryption_key,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Deletes idle SageMaker Canvas apps",
        )
        log_group.grant_write(role)
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["sagemaker:ListApps", "cloudwatch:GetMetricStatistics"],
                resources=["*"],
            )
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["sagemaker:DeleteApp"],
                resources=[
                    stack.format_arn(
                        service="sagemaker", resource="app", resource_name=f"{domain.domain_id}/*/canvas/*"
                    )
                ],
            )
        )
        self.dead_letter_queue = DeadLetterQueue(
            self, "DeadLetters", encryption_key=queue_key, purpose="the Canvas idle shutdown", alarm_topic=alarm_topic
        )
        # Lambda sends failed invocations with the function's role (the Function adds sqs:SendMessage itself).
        role.add_to_principal_policy(
            iam.PolicyStatement(actions=["kms:GenerateDataKey", "kms:Decrypt"], resources=[queue_key.key_arn])
        )
        self.function = lambda_.Function(
            self,
            "Function",
            runtime=RUNTIME,
            architecture=lambda_.Architecture.ARM_64,
            handler="canvas_idle.handler",
            code=lambda_.Code.from_asset(str(LAMBDA_DIR), exclude=["__pycache__", "*.pyc"]),
            timeout=HANDLER_TIMEOUT,
            memory_size=256,
            role=role,
            log_group=log_group,
            logging_format=lambda_.LoggingFormat.JSON,
            environment={"DOMAIN_ID": domain.domain_id, "IDLE_MINUTES": str(idle_minutes)},
            reserved_concurrent_executions=1,
            dead_letter_queue=self.dead_letter_queue.queue,
            # A run older than this is moot (later scheduled runs did its work): it goes to the queue instead.
            max_event_age=cdk.Duration.hours(1),
        )
        self.rule = events.Rule(
            self,
            "Schedule",
            schedule=schedule or events.Schedule.rate(cdk.Duration.minutes(15)),
            targets=[
                targets.LambdaFunction(
                    self.function,
                    retry_attempts=2,
                    max_event_age=cdk.Duration.hours(1),
                    # By reference, so the target adds no queue policy of its own: its statement id comes from
                    # the rule's full construct path, which differs when the stack is built in a pipeline stage.
                    dead_letter_queue=sqs.Queue.from_queue_arn(
                        self, "DeadLettersTarget", self.dead_letter_queue.queue.queue_arn
                    ),
                )
            ],
        )
        self.dead_letter_queue.allow_eventbridge(self.rule)
        self.alarms: list[cloudwatch.Alarm] = [
            failure_alarm(
                self,
                "ErrorsAlarm",
                metric=self.function.metric_errors(period=ALARM_PERIOD, statistic="Sum"),
                description="The Canvas idle shutdown failed (see its log group for the service's error)",
                alarm_topic=alarm_topic,
            ),
            self.dead_letter_queue.alarm,
        ]
        acknowledge(role, INLINE_POLICY_IDS, INLINE_POLICY_REASON)
        acknowledge_wildcards(
            role,
            "ListApps and CloudWatch metric reads have no resource-level permissions; DeleteApp is limited "
            "to Canvas apps of this domain.",
        )
        acknowledge(
            self.function,
            [
                "HIPAA.Security-LambdaInsideVPC",
                "NIST.800.53.R5-LambdaInsideVPC",
                "PCI.DSS.321-LambdaInsideVPC",
            ],
            "Calls only AWS APIs; inside the isolated VPC it would need CloudWatch and SageMaker endpoints "
            "and its ENIs would hold the subnets the teardown must release.",
        )


class SageMakerProjects(Construct):
    """Enable SageMaker Projects (the Service Catalog portfolio) and give the execution roles access to it.

    Delete takes the roles off the portfolio but leaves the account-level enablement on.
    """

    def __init__(
        self, scope: Construct, construct_id: str, *, roles: list[iam.IRole], encryption_key: kms.IKey | None = None
    ) -> None:
        """
        :param roles: the execution roles given access to the portfolio (at least one).
        :param encryption_key: encrypts the handler's logs.
        """
        for i, role in enumerate(roles):
            require("SageMakerProjects", f"roles[{i}]", role, iam.IRole)
        if encryption_key is not None:
            require("SageMakerProjects", "encryption_key", encryption_key, kms.IKey)
        super().__init__(scope, construct_id)
        if not roles:
            raise ValueError("SageMakerProjects roles: at least one execution role is required (got [])")
        provider = HandlerProvider.of(
            self,
            "projects",
            encryption_key=encryption_key,
            total_timeout=cdk.Duration.minutes(20),
            query_interval=cdk.Duration.seconds(15),
        )
        provider.add_to_policy(
            iam.PolicyStatement(
                actions=[
                    "sagemaker:EnableSagemakerServicecatalogPortfolio",
                    "sagemaker:GetSagemakerServicecatalogPortfolioStatus",
                    "servicecatalog:ListAcceptedPortfolioShares",
                    "servicecatalog:AssociatePrincipalWithPortfolio",
                    "servicecatalog:DisassociatePrincipalFromPortfolio",
                ],
                resources=["*"],
            ),
        )
        acknowledge(provider.role, INLINE_POLICY_IDS, INLINE_POLICY_REASON)
        acknowledge_wildcards(
            provider.role,
            "The SageMaker portfolio is AWS-owned and its id is only known at run time; the enablement "
            "actions have no resource-level permissions.",
        )
        self.resource = cdk.CustomResource(
            self,
            "Resource",
            service_token=provider.service_token,
            resource_type="Custom::SageMakerProjects",
            properties=load_contracts().build("Custom::SageMakerProjects", PrincipalArns=[r.role_arn for r in roles]),
        )
        self.portfolio_id = self.resource.get_att_string("PortfolioId")
