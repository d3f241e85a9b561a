"""A customer-managed KMS key with rotation, for the domain, buckets, logs and endpoint volumes."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct


class PlatformKey(Construct):
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
        super().__init__(scope, construct_id)
        if not alias.replace("/", "").replace("-", "").replace("_", "").isalnum():
            raise ValueError(
                f"PlatformKey alias: only letters, digits, '/', '-' and '_' are allowed (got {alias!r})"
            )
        self.key = kms.Key(
            self,
            "Key",
            alias=alias if alias.startswith("alias/") else f"alias/{alias}",
            description=description,
            enable_key_rotation=True,
            removal_policy=removal_policy,
            pending_window=cdk.Duration.days(30),
        )
        if allow_cloudwatch_logs:
            stack = cdk.Stack.of(self)
            self.key.add_to_resource_policy(
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
    def key_arn(self) -> str:
        return self.key.key_arn

    def grant_encrypt_decrypt(self, grantee: iam.IGrantable) -> iam.Grant:
        return self.key.grant_encrypt_decrypt(grantee)

    def grant_decrypt(self, grantee: iam.IGrantable) -> iam.Grant:
        return self.key.grant_decrypt(grantee)
