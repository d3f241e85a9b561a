"""Buckets with the platform's defaults: KMS, SSL only, versioned, private, access-logged, retained."""

from __future__ import annotations

from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from sagemaker_platform.acknowledgements import acknowledge
from sagemaker_platform.constructs import cors
from sagemaker_platform.constructs.logical_ids import pin_logical_id
from sagemaker_platform.constructs.typecheck import require

_REPLICATION_REASON = (
    "Cross-region replication is a disaster-recovery choice of the operator (destination region, cost); "
    "data is protected by versioning and retention on deletion."
)


def _keep_deployed(bucket: s3.Bucket) -> None:
    """0.1 wrapped each bucket as ``<id>/Bucket``: keep the deployed bucket and its policy in place (replacing a
    bucket policy would delete the bucket's policy when the old resource is removed)."""
    pin_logical_id(bucket, "Bucket", "Resource")
    if bucket.policy is not None:
        pin_logical_id(bucket.policy, "Bucket", "Policy", "Resource", legacy_parent=bucket)


class AccessLogBucket(s3.Bucket):
    """The target of S3 server access logs (which support SSE-S3 only, not SSE-KMS)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        removal_policy: cdk.RemovalPolicy = cdk.RemovalPolicy.RETAIN,
    ) -> None:
        """An SSE-S3, SSL-only, versioned, private bucket whose logs expire after a year.

        :param removal_policy: RETAIN by default: logs are audit evidence.
        """
        super().__init__(
            scope,
            construct_id,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            minimum_tls_version=1.2,
            versioned=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
            removal_policy=removal_policy,
            lifecycle_rules=[
                s3.LifecycleRule(
                    expiration=cdk.Duration.days(365), noncurrent_version_expiration=cdk.Duration.days(30)
                )
            ],
        )
        _keep_deployed(self)
        acknowledge(
            self,
            "AwsSolutions-S1",
            "This is the access-log bucket; logging it into itself would loop.",
        )
        acknowledge(
            self,
            [
                "HIPAA.Security-S3BucketLoggingEnabled",
                "NIST.800.53.R5-S3BucketLoggingEnabled",
                "PCI.DSS.321-S3BucketLoggingEnabled",
            ],
            "This is the access-log bucket; logging it into itself would loop.",
        )
        acknowledge(
            self,
            [
                "HIPAA.Security-S3DefaultEncryptionKMS",
                "NIST.800.53.R5-S3DefaultEncryptionKMS",
                "PCI.DSS.321-S3DefaultEncryptionKMS",
            ],
            "S3 server access logging supports only SSE-S3 on the target bucket.",
        )
        acknowledge(
            self,
            [
                "HIPAA.Security-S3BucketReplicationEnabled",
                "NIST.800.53.R5-S3BucketReplicationEnabled",
                "PCI.DSS.321-S3BucketReplicationEnabled",
            ],
            _REPLICATION_REASON,
        )

    @property
    def bucket(self) -> s3.IBucket:
        """The bucket itself (0.1 wrapped it; kept so existing code keeps working)."""
        return self


class SecureBucket(s3.Bucket):
    """A KMS-encrypted, versioned, SSL-only, private, access-logged bucket, retained on stack deletion."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        encryption_key: kms.IKey,
        access_log_bucket: s3.IBucket,
        access_log_prefix: str | None = None,
        cors_rules: Sequence[s3.CorsRule] | None = None,
        bucket_name: str | None = None,
        removal_policy: cdk.RemovalPolicy = cdk.RemovalPolicy.RETAIN,
    ) -> None:
        """A bucket with the platform's defaults.

        :param encryption_key: the customer-managed key objects are encrypted with (bucket keys on).
        :param access_log_bucket: where S3 server access logs go (an :class:`AccessLogBucket`).
        :param access_log_prefix: the log prefix (default: the construct id, lower case).
        :param cors_rules: CORS rules (see :class:`StudioBucket` for Studio's and Canvas's).
        :param bucket_name: a fixed name (default: generated, so replacements never collide).
        :param removal_policy: RETAIN by default.
        """
        owner = type(self).__name__
        require(owner, "encryption_key", encryption_key, kms.IKey)
        require(owner, "access_log_bucket", access_log_bucket, s3.IBucket)
        super().__init__(
            scope,
            construct_id,
            bucket_name=bucket_name,
            encryption=s3.BucketEncryption.KMS,
            encryption_key=encryption_key,
            bucket_key_enabled=True,
            enforce_ssl=True,
            minimum_tls_version=1.2,
            versioned=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            server_access_logs_bucket=access_log_bucket,
            server_access_logs_prefix=access_log_prefix or f"{construct_id.lower()}/",
            cors=list(cors_rules) if cors_rules else None,
            removal_policy=removal_policy,
            lifecycle_rules=[
                s3.LifecycleRule(
                    noncurrent_version_expiration=cdk.Duration.days(90),
                    abort_incomplete_multipart_upload_after=cdk.Duration.days(7),
                )
            ],
        )
        _keep_deployed(self)
        acknowledge(
            self,
            [
                "HIPAA.Security-S3BucketReplicationEnabled",
                "NIST.800.53.R5-S3BucketReplicationEnabled",
                "PCI.DSS.321-S3BucketReplicationEnabled",
            ],
            _REPLICATION_REASON,
        )

    @property
    def bucket(self) -> s3.IBucket:
        """The bucket itself (0.1 wrapped it; kept so existing code keeps working)."""
        return self

    def s3_uri(self, prefix: str = "") -> str:
        return self.s3_url_for_object(prefix.strip("/")) if prefix.strip("/") else f"s3://{self.bucket_name}"


class StudioBucket(SecureBucket):
    """A platform bucket the Studio (and, when enabled, Canvas) browser UI can use: CORS rules exactly as the
    SageMaker Developer Guide gives them, on top of the :class:`SecureBucket` defaults."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        encryption_key: kms.IKey,
        access_log_bucket: s3.IBucket,
        canvas: bool = False,
        bucket_name: str | None = None,
        removal_policy: cdk.RemovalPolicy = cdk.RemovalPolicy.RETAIN,
    ) -> None:
        """A :class:`SecureBucket` with Studio's CORS rules (and Canvas's when ``canvas``).

        :param encryption_key: the customer-managed key objects are encrypted with (bucket keys on).
        :param access_log_bucket: where S3 server access logs go (an :class:`AccessLogBucket`).
        :param canvas: add the CORS rule Canvas's browser uploads need.
        :param bucket_name: a fixed name (default: generated, so replacements never collide).
        :param removal_policy: RETAIN by default.
        """
        super().__init__(
            scope,
            construct_id,
            encryption_key=encryption_key,
            access_log_bucket=access_log_bucket,
            cors_rules=[cors.to_cdk(rule) for rule in cors.platform_rules(canvas)],
            bucket_name=bucket_name,
            removal_policy=removal_policy,
        )
        self.canvas = canvas
