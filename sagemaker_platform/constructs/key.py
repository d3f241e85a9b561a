"""A customer-managed KMS key with rotation, for the domain, buckets, logs and endpoint volumes."""

from __future__ import annotations

import re

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from sagemaker_platform.constructs.logical_ids import pin_logical_id

_ALIAS = re.compile(r"^(alias/)?[A-Za-z0-9/_-]+$")


class PlatformKey(kms.Key):
    """One symmetric key per platform concern; retained on stack deletion because data outlives stacks.

    CloudWatch Logs may use the key for log groups in this account and region; everything else is granted
    through IAM (``grant_*``), which the default key policy delegates to the account.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        alias: str,
        description: str,
        removal_policy: cdk.RemovalPolicy = cdk.RemovalPolicy.RETAIN,
        allow_cloudwatch_logs: bool = True,
    ) -> None:
        """
        :param alias: the alias (``alias/`` is added when missing).
        :param description: what the key encrypts.
        :param removal_policy: RETAIN by default: deleting a key destroys every byte it encrypted.
        :param allow_cloudwatch_logs: let CloudWatch Logs encrypt this account's log groups with it.
        """
        if not cdk.Token.is_unresolved(alias) and not _ALIAS.match(alias):
            raise ValueError(
                f"PlatformKey alias: only letters, digits, '/', '-' and '_' are allowed (got {alias!r})"
            )
        super().__init__(
            scope,
            construct_id,
            alias=alias if alias.startswith("alias/") else f"alias/{alias}",
            description=description,
            enable_key_rotation=True,
            removal_policy=removal_policy,
            pending_window=cdk.Duration.days(30),
        )
        # 0.1 wrapped the key as ``<id>/Key``: keep the deployed key and its alias (a fixed name) in place.
        pin_logical_id(self, "Key", "Resource")
        alias_construct = self.node.try_find_child("Alias")
        if alias_construct is not None:
            pin_logical_id(alias_construct, "Key", "Alias", "Resource", legacy_parent=self)
        if allow_cloudwatch_logs:
            stack = cdk.Stack.of(self)
            self.add_to_resource_policy(
                iam.PolicyStatement(
                    sid="AllowCloudWatchLogs",
                    principals=[iam.ServicePrincipal(f"logs.{stack.region}.amazonaws.com")],
                    actions=[
                        "kms:Encrypt*",
                        "kms:Decrypt*",
                        "kms:ReEncrypt*",
                        "kms:GenerateDataKey*",
                        "kms:Describe*",
                    ],
                    resources=["*"],
                    conditions={
                        "ArnLike": {
                            "kms:EncryptionContext:aws:logs:arn": stack.format_arn(
                                service="logs",
                                resource="log-group",
                                resource_name="*",
                                arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
                            )
                        }
                    },
                )
            )

    @property
    def key(self) -> kms.IKey:
        """The key itself (0.1 wrapped it; kept so existing code keeps working)."""
        return self
