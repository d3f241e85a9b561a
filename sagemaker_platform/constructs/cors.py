"""The CORS rules Studio and Canvas need on the buckets their browsers talk to (SageMaker Developer Guide)."""

from __future__ import annotations

from typing import Any

from aws_cdk import aws_s3 as s3

RULE_ID_PREFIX = "sagemaker-platform-"
STUDIO_RULE_ID = f"{RULE_ID_PREFIX}studio"
CANVAS_RULE_ID = f"{RULE_ID_PREFIX}canvas-local-upload"

# New Studio calls S3 from the browser; without this rule every request from the UI fails.
STUDIO_RULE: dict[str, Any] = {
    "ID": STUDIO_RULE_ID,
    "AllowedHeaders": ["*"],
    "AllowedMethods": ["POST", "PUT", "GET", "HEAD", "DELETE"],
    "AllowedOrigins": ["https://*.sagemaker.aws"],
    "ExposeHeaders": [
        "ETag",
        "x-amz-delete-marker",
        "x-amz-id-2",
        "x-amz-request-id",
        "x-amz-server-side-encryption",
        "x-amz-version-id",
    ],
}

# Canvas local file upload; POST is mandatory.
CANVAS_RULE: dict[str, Any] = {
    "ID": CANVAS_RULE_ID,
    "AllowedHeaders": ["*"],
    "AllowedMethods": ["POST"],
    "AllowedOrigins": ["*"],
    "ExposeHeaders": [],
}


def platform_rules(canvas: bool) -> list[dict[str, Any]]:
    """The rules in the S3 API's shape (for PutBucketCors)."""
    return [STUDIO_RULE, CANVAS_RULE] if canvas else [STUDIO_RULE]


def to_cdk(rule: dict[str, Any]) -> s3.CorsRule:
    return s3.CorsRule(
        id=rule["ID"],
        allowed_headers=rule["AllowedHeaders"],
        allowed_methods=[s3.HttpMethods(m) for m in rule["AllowedMethods"]],
        allowed_origins=rule["AllowedOrigins"],
        exposed_headers=rule["ExposeHeaders"] or None,
    )
