"""StudioBucket: CORS rules, encryption, versioning, access logs and TLS-only policy."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_kms as kms
from aws_cdk.assertions import Match, Template

from sagemaker_platform.constructs import cors
from sagemaker_platform.constructs.bucket import AccessLogBucket, StudioBucket


def test_studio_bucket_cors_exact(stack: cdk.Stack) -> None:
    key = kms.Key(stack, "K")
    logs = AccessLogBucket(stack, "Logs")
    StudioBucket(stack, "B", encryption_key=key, access_log_bucket=logs.bucket, canvas=True)
    t = Template.from_stack(stack)
    t.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "CorsConfiguration": {
                "CorsRules": [
                    {
                        "Id": cors.STUDIO_RULE_ID,
                        "AllowedHeaders": ["*"],
                        "AllowedMethods": ["POST", "PUT", "GET", "HEAD", "DELETE"],
                        "AllowedOrigins": ["https://*.sagemaker.aws"],
                        "ExposedHeaders": [
                            "ETag",
                            "x-amz-delete-marker",
                            "x-amz-id-2",
                            "x-amz-request-id",
                            "x-amz-server-side-encryption",
                            "x-amz-version-id",
                        ],
                    },
                    {
                        "Id": cors.CANVAS_RULE_ID,
                        "AllowedHeaders": ["*"],
                        "AllowedMethods": ["POST"],
                        "AllowedOrigins": ["*"],
                    },
                ]
            },
            "VersioningConfiguration": {"Status": "Enabled"},
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True,
                "BlockPublicPolicy": True,
                "IgnorePublicAcls": True,
                "RestrictPublicBuckets": True,
            },
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [
                    Match.object_like(
                        {
                            "ServerSideEncryptionByDefault": {
                                "SSEAlgorithm": "aws:kms",
                                "KMSMasterKeyID": Match.any_value(),
                            }
                        }
                    )
                ]
            },
            "LoggingConfiguration": Match.object_like({"DestinationBucketName": Match.any_value()}),
        },
    )
    buckets = t.find_resources("AWS::S3::Bucket")
    assert all(b["DeletionPolicy"] == "Retain" for b in buckets.values())
    t.has_resource_properties(
        "AWS::S3::BucketPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [Match.object_like({"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}})]
                )
            }
        },
    )
