"""A model package group (the model registry entry for one model), optionally shared with other accounts.

Cross-account: a resource policy lets the named accounts read the group and its versions and deploy a version
(``CreateModel`` with the version ARN as the container's ``ModelPackageName``); approving a version stays with
this account. Approval events: an EventBridge rule on "SageMaker Model Package State Change" for this group
that publishes to an SNS topic when a version is approved or rejected; events EventBridge cannot deliver go to a
KMS-encrypted dead-letter queue with an alarm.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import aws_cdk as cdk
import jsii
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sagemaker as sagemaker
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk.interfaces import aws_events as events_refs
from constructs import Construct

from sagemaker_platform.acknowledgements import acknowledge
from sagemaker_platform.constructs.handler_provider import DeadLetterQueue
from sagemaker_platform.constructs.typecheck import require
from sagemaker_platform.rules import RESOURCE_NAME, is_token

NAME_PATTERN = RESOURCE_NAME.regex
ACCOUNT_PATTERN = re.compile(r"^\d{12}$")

READ_ACTIONS = ("sagemaker:DescribeModelPackageGroup",)
VERSION_READ_ACTIONS = ("sagemaker:DescribeModelPackage", "sagemaker:ListModelPackages")
DEPLOY_ACTIONS = ("sagemaker:CreateModel",)
APPROVAL_STATES = ("Approved", "Rejected")
STATE_CHANGE = "SageMaker Model Package State Change"
APPROVAL_EVENT_RETRIES = 10  # then the event goes to the dead-letter queue
APPROVAL_EVENT_MAX_AGE_S = 24 * 3600


@jsii.implements(events.IRuleTarget)
class _TopicTarget:
    """An SNS topic as a rule target, without the CDK target's topic policy (it has no source condition).
    Events still undeliverable after EventBridge's retries go to ``dead_letter_queue``."""

    def __init__(self, topic: sns.ITopic, dead_letter_queue: sqs.IQueue) -> None:
        self._topic = topic
        self._dead_letter_queue = dead_letter_queue

    def bind(self, rule: events_refs.IRuleRef, id: str | None = None) -> events.RuleTargetConfig:
        return events.RuleTargetConfig(
            arn=self._topic.topic_arn,
            dead_letter_config=events.CfnRule.DeadLetterConfigProperty(arn=self._dead_letter_queue.queue_arn),
            retry_policy=events.CfnRule.RetryPolicyProperty(
                maximum_retry_attempts=APPROVAL_EVENT_RETRIES, maximum_event_age_in_seconds=APPROVAL_EVENT_MAX_AGE_S
            ),
        )


class _GroupGrants:
    """IAM grants on a group and its versions (``model-package/<group>/*``)."""

    model_package_group_name: str
    model_package_group_arn: str
    _version_arns: list[str]

    def grant_read(self, grantee: iam.IGrantable) -> iam.Grant:
        """Describe the group and its versions; ``ListModelPackages`` has no resource-level permissions."""
        grant = iam.Grant.add_to_principal(
            grantee=grantee, actions=list(READ_ACTIONS), resource_arns=[self.model_package_group_arn]
        )
        grant = grant.combine(
            iam.Grant.add_to_principal(
                grantee=grantee, actions=["sagemaker:DescribeModelPackage"], resource_arns=self._version_arns
            )
        )
        return grant.combine(
            iam.Grant.add_to_principal(
                grantee=grantee, actions=["sagemaker:ListModelPackages"], resource_arns=["*"]
            )
        )

    def grant_approve(self, grantee: iam.IGrantable) -> iam.Grant:
        """Change a version's approval status (``UpdateModelPackage``) in this group."""
        return iam.Grant.add_to_principal(
            grantee=grantee, actions=["sagemaker:UpdateModelPackage"], resource_arns=self._version_arns
        )

    def grant_register(self, grantee: iam.IGrantable) -> iam.Grant:
        """Register new versions (``CreateModelPackage``) in this group."""
        return iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["sagemaker:CreateModelPackage"],
            resource_arns=[self.model_package_group_arn, *self._version_arns],
        )


def version_arns(stack: cdk.Stack, name: str) -> list[str]:
    """Version ARNs ``model-package/<group>/*``; SageMaker writes the group part in lower case."""
    names = dict.fromkeys([name, name.lower()])
    return [
        stack.format_arn(service="sagemaker", resource="model-package", resource_name=f"{n}/*") for n in names
    ]


class ApprovalTopic(Construct):
    """An encrypted, SSL-only SNS topic EventBridge may publish approval events to. Attribute: ``topic``."""

    def __init__(
        self, scope: Construct, construct_id: str, *, encryption_key: kms.IKey, display_name: str | None = None
    ) -> None:
        """
        :param encryption_key: encrypts the topic (EventBridge must be allowed to use it).
        :param display_name: the topic's display name.
        """
        require("ApprovalTopic", "encryption_key", encryption_key, kms.IKey)
        super().__init__(scope, construct_id)
        self.topic = sns.Topic(self, "Topic", master_key=encryption_key, enforce_ssl=True, display_name=display_name)
        stack = cdk.Stack.of(self)
        encryption_key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowEventBridgeToEncryptedTopics",
                principals=[iam.ServicePrincipal("events.amazonaws.com")],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],
                conditions={"StringEquals": {"aws:SourceAccount": stack.account}},
            )
        )


class ModelPackageGroup(_GroupGrants, cdk.Resource):
    """``AWS::SageMaker::ModelPackageGroup`` with a cross-account policy and approval notifications.

    Attributes: ``model_package_group_name``, ``model_package_group_arn``, ``resource`` (the L1),
    ``approval_rule``, ``approval_dead_letter_queue`` and ``alarms`` (when ``notification_topic`` is given).
    The dead-letter queue is encrypted with ``dead_letter_key``, else with the notification topic's key;
    ``alarm_topic`` is notified by the alarms when given.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        model_package_group_name: str,
        description: str | None = None,
        cross_account_ids: Sequence[str] = (),
        allow_cross_account_deploy: bool = True,
        notification_topic: sns.ITopic | None = None,
        removal_policy: cdk.RemovalPolicy = cdk.RemovalPolicy.RETAIN,
        dead_letter_key: kms.IKey | None = None,
        alarm_topic: sns.ITopic | None = None,
    ) -> None:
        """
        :param model_package_group_name: 1-63 letters, digits and hyphens.
        :param description: at most 1024 characters.
        :param cross_account_ids: accounts that may read (and deploy) the group's packages.
        :param allow_cross_account_deploy: let those accounts also create models from the packages.
        :param notification_topic: where approval-state changes are published.
        :param removal_policy: RETAIN by default: the group holds the registered versions.
        :param dead_letter_key: encrypts the approval events' dead-letter queue.
        :param alarm_topic: notified by the dead-letter alarms.
        """
        owner = "ModelPackageGroup"
        for parameter, value, interface in (
            ("notification_topic", notification_topic, sns.ITopic),
            ("dead_letter_key", dead_letter_key, kms.IKey),
            ("alarm_topic", alarm_topic, sns.ITopic),
        ):
            if value is not None:
                require(owner, parameter, value, interface)
        super().__init__(scope, construct_id)
        if not is_token(model_package_group_name) and not NAME_PATTERN.match(model_package_group_name):
            raise ValueError(
                "ModelPackageGroup model_package_group_name: 1-63 letters, digits and hyphens, starting and "
                f"ending with a letter or digit (got {model_package_group_name!r})"
            )
        if description is not None and len(description) > 1024:
            raise ValueError(
                f"ModelPackageGroup description: at most 1024 characters (got {len(description)})"
            )
        accounts = list(dict.fromkeys(cross_account_ids))
        for account in accounts:
            if not ACCOUNT_PATTERN.match(account):
                raise ValueError(
                    f"ModelPackageGroup cross_account_ids: not a 12-digit account id (got {account!r})"
                )
        stack = cdk.Stack.of(self)
        if accounts and not cdk.Token.is_unresolved(stack.account) and stack.account in accounts:
            raise ValueError(
                "ModelPackageGroup cross_account_ids: the group's own account needs no policy "
                f"(got {stack.account!r})"
            )

        self.model_package_group_name = model_package_group_name
        self.model_package_group_arn = stack.format_arn(
            service="sagemaker", resource="model-package-group", resource_name=model_package_group_name
        )
        self._version_arns = version_arns(stack, model_package_group_name)
        self.cross_account_ids = tuple(accounts)

        self.resource = sagemaker.CfnModelPackageGroup(
            self,
            "Resource",
            model_package_group_name=model_package_group_name,
            model_package_group_description=description,
            model_package_group_policy=(
                self._policy(accounts, allow_cross_account_deploy).to_json() if accounts else None
            ),
        )
        self.resource.apply_removal_policy(removal_policy)

        self.approval_rule: events.Rule | None = None
        self.approval_dead_letter_queue: DeadLetterQueue | None = None
        self.alarms: list[cloudwatch.Alarm] = []
        if notification_topic is not None:
            self.approval_rule = self.notify_on_approval(
                "ApprovalEvents", notification_topic, dead_letter_key=dead_letter_key, alarm_topic=alarm_topic
            )

    def _policy(self, accounts: list[str], deploy: bool) -> iam.PolicyDocument:
        principals: list[iam.IPrincipal] = [iam.AccountPrincipal(a) for a in accounts]
        return iam.PolicyDocument(
            statements=[
                iam.PolicyStatement(
                    sid="CrossAccountReadGroup",
                    principals=principals,
                    actions=list(READ_ACTIONS),
                    resources=[self.model_package_group_arn],
                ),
                iam.PolicyStatement(
                    sid="CrossAccountReadDeployVersions",
                    principals=principals,
                    actions=[*VERSION_READ_ACTIONS, *(DEPLOY_ACTIONS if deploy else ())],
                    resources=self._version_arns,
                ),
            ]
        )

    # ------------------------------------------------------------------------------------------ events
    def notify_on_approval(
        self,
        construct_id: str,
        topic: sns.ITopic,
        *,
        dead_letter_key: kms.IKey | None = None,
        alarm_topic: sns.ITopic | None = None,
    ) -> events.Rule:
        """An EventBridge rule that publishes this group's Approved/Rejected version events to ``topic``.

        The topic policy lets EventBridge publish only for this rule (``aws:SourceArn``); a KMS-encrypted
        topic also needs its key to allow ``events.amazonaws.com`` (see :class:`ApprovalTopic`). Events that
        cannot be delivered go to a dead-letter queue (``approval_dead_letter_queue``) encrypted with
        ``dead_letter_key`` or the topic's key, with an alarm in ``alarms``.
        """
        queue_key = dead_letter_key or topic.master_key
        if queue_key is None:
            raise ValueError(
                "ModelPackageGroup dead_letter_key: a KMS key is required to encrypt the approval events' "
                "dead-letter queue (got None, and the notification topic has no key)"
            )
        dead_letters = DeadLetterQueue(
            self,
            f"{construct_id}DeadLetters",
            encryption_key=queue_key,
            purpose=f"the approval events of model package group {self.model_package_group_name}",
            alarm_topic=alarm_topic,
        )
        rule = events.Rule(
            self,
            construct_id,
            description=f"Approval changes of model package group {self.model_package_group_name}",
            event_pattern=events.EventPattern(
                source=["aws.sagemaker"],
                detail_type=[STATE_CHANGE],
                detail={
                    "ModelPackageGroupName": [self.model_package_group_name],
                    "ModelApprovalStatus": list(APPROVAL_STATES),
                },
            ),
        )
        rule.add_target(_TopicTarget(topic, dead_letters.queue))
        acknowledge(
            dead_letters.queue,
            "AwsSolutions-SQS3",
            "This queue is the dead-letter queue of the approval rule's target (its DeadLetterConfig); the rule "
            "counts only SQS redrive policies as dead-letter use.",
        )
        dead_letters.allow_eventbridge(rule)
        self.approval_dead_letter_queue = dead_letters
        self.alarms.append(dead_letters.alarm)
        topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid=f"EventBridgePublish{cdk.Names.unique_id(rule)[-40:]}",
                principals=[iam.ServicePrincipal("events.amazonaws.com")],
                actions=["sns:Publish"],
                resources=[topic.topic_arn],
                conditions={"ArnEquals": {"aws:SourceArn": rule.rule_arn}},
            )
        )
        return rule

    # ------------------------------------------------------------------------------------------ imports
    @classmethod
    def from_model_package_group_name(
        cls, scope: Construct, construct_id: str, model_package_group_name: str
    ) -> ImportedModelPackageGroup:
        """A group created elsewhere, by name: the same grants as an owned one.

        :param model_package_group_name: the group's name.
        """
        return ImportedModelPackageGroup(
            scope, construct_id, model_package_group_name=model_package_group_name
        )


class ImportedModelPackageGroup(_GroupGrants, cdk.Resource):
    """A group that exists outside this stack, by name: grants only, no policy or events."""

    def __init__(self, scope: Construct, construct_id: str, *, model_package_group_name: str) -> None:
        """
        :param model_package_group_name: the group's name.
        """
        super().__init__(scope, construct_id)
        stack = cdk.Stack.of(self)
        self.model_package_group_name = model_package_group_name
        self.model_package_group_arn = stack.format_arn(
            service="sagemaker", resource="model-package-group", resource_name=model_package_group_name
        )
        self._version_arns = version_arns(stack, model_package_group_name)
