"""Buckets with the platform's defaults: KMS, SSL only, versioned, private, access-logged, retained."""

from __future__ import annotations

from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from sagemaker_platform.compliance import acknowledge
from sagemaker_platform.constructs import cors

_REPLICATION_REASON = (
    "Cross-region replication is a disaster-recovery choice of the operator (destination region, cost); "
    "data is protected by versioning and retention on deletion."
)


class AccessLogBucket(Construct):
    """The target of S3 server access logs (which support SSE-S3 only, not SSE-KMS)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        removal_policy: cdk.RemovalPolicy = cdk.RemovalPolicy.RETAIN,
    ) -> None:
        super().__init__(scope, construct_id)
        self.bucket = s3.Bucket(
            self,
            "Bucket",
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
        acknowledge(
            self.bucket,
            "AwsSolutions-S1",
            "This is the access-log bucket; logging it into itself would loop.",
        )
        acknowledge(
            self.bucket,
            [
                "HIPAA.Security-S3BucketLoggingEnabled",
                "NIST.800.53.R5-S3BucketLoggingEnabled",
                "PCI.DSS.321-S3BucketLoggingEnabled",
            ],
            "This is the access-log bucket; logging it into itself would loop.",
        )
        acknowledge(
            self.bucket,
            [
                "HIPAA.Security-S3DefaultEncryptionKMS",
                "NIST.800.53.R5-S3DefaultEncryptionKMS",
                "PCI.DSS.321-S3DefaultEncryptionKMS",
            ],
            "S3 server access logging supports only SSE-S3 on the target bucket.",
        )
        acknowledge(
            self.bucket,
            [
                "HIPAA.Security-S3BucketReplicationEnabled",
                "NIST.800.53.R5-S3BucketReplicationEnabled",
                "PCI.DSS.321-S3BucketReplicationEnabled",
            ],
            _REPLICATION_REASON,
        )


class SecureBucket(Construct):
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
        super().__init__(scope, construct_id)
        self.bucket = s3.Bucket(
            self,
            "Bucket",
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
        acknowledge(
            self.bucket,
            [
                "HIPAA.Security-S3BucketReplicationEnabled",
                "NIST.800.53.R5-S3BucketReplicationEnabled",
                "PCI.DSS.321-S3BucketReplicationEnabled",
            ],
            _REPLICATION_REASON,
        )

    @property
    def bucket_name(self) -> str:
        return self.bucket.bucket_name

    @property
    def bucket_arn(self) -> str:
        return self.bucket.bucket_arn

    def grant_read(self, grantee: iam.IGrantable, prefix: str = "*") -> iam.Grant:
        return self.bucket.grant_read(grantee, prefix)

    def grant_read_write(self, grantee: iam.IGrantable, prefix: str = "*") -> iam.Grant:
        return self.bucket.grant_read_write(grantee, prefix)

    def s3_uri(self, prefix: str = "") -> str:
        return (
            f"s3://{self.bucket.bucket_name}/{prefix}".rstrip("/")
            if prefix
            else f"s3://{self.bucket.bucket_name}"
        )


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
