"""CORS for Studio and Canvas on a bucket the stack does not own, such as ``sagemaker-<region>-<account>``.

PutBucketCors replaces the whole configuration, and the console overwrites it too, so the handler merges the
platform's rules (identified by rule ID) into what is there, and removes exactly those on Delete.
"""

from __future__ import annotations

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
from sagemaker_platform.constructs import cors
from sagemaker_platform.constructs.handler_provider import HandlerProvider, load_contracts
from sagemaker_platform.constructs.typecheck import require
from sagemaker_platform.rules import BUCKET_NAME as _BUCKET_NAME_RULE
from sagemaker_platform.rules import is_token

BUCKET_NAME = _BUCKET_NAME_RULE.regex


class ExistingBucketCors(Construct):
    """Merge the Studio rule (and the Canvas local-upload rule) into an existing bucket's CORS configuration."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        bucket: s3.IBucket,
        canvas: bool = False,
        encryption_key: kms.IKey | None = None,
    ) -> None:
        """
        :param bucket: the bucket (usually ``s3.Bucket.from_bucket_name``: one this stack does not own).
        :param canvas: also merge the Canvas local-upload rule.
        :param encryption_key: encrypts the handler's logs.
        """
        require("ExistingBucketCors", "bucket", bucket, s3.IBucket)
        if encryption_key is not None:
            require("ExistingBucketCors", "encryption_key", encryption_key, kms.IKey)
        super().__init__(scope, construct_id)
        bucket_name = bucket.bucket_name
        if not is_token(bucket_name) and not BUCKET_NAME.match(bucket_name):
            raise ValueError(
                f"ExistingBucketCors bucket: not a valid S3 bucket name (got {bucket_name!r})"
            )
        provider = HandlerProvider.of(self, "bucket_cors", encryption_key=encryption_key, waits=False)
        provider.add_to_policy(
            iam.PolicyStatement(
                actions=["s3:GetBucketCORS", "s3:PutBucketCORS"],
                resources=[bucket.bucket_arn],
            )
        )
        acknowledge(provider.role, INLINE_POLICY_IDS, INLINE_POLICY_REASON)
        acknowledge_wildcards(
            provider.role,
            "Only the log-stream wildcard of the handler's own log group remains.",
        )
        rules = [dict(rule) for rule in cors.platform_rules(canvas)]
        self.resource = cdk.CustomResource(
            self,
            "Resource",
            service_token=provider.service_token,
            resource_type="Custom::BucketCors",
            properties=load_contracts().build("Custom::BucketCors", BucketName=bucket_name, Rules=rules),
        )
