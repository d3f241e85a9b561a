from __future__ import annotations

import boto3
import bucket_cors
import pytest
from botocore.exceptions import ClientError
from fake_sagemaker import REGION
from provider_harness import Provider

BUCKET = "sagemaker-us-east-1-123456789012"
FOREIGN = {"ID": "someone-else", "AllowedMethods": ["GET"], "AllowedOrigins": ["https://example.com"]}
STUDIO = {
    "ID": "sagemaker-platform-studio",
    "AllowedMethods": ["POST", "PUT"],
    "AllowedOrigins": ["*"],
    "AllowedHeaders": ["*"],
    "ExposeHeaders": ["ETag"],
    "MaxAgeSeconds": 3000,
}
CANVAS = {
    "ID": "sagemaker-platform-canvas",
    "AllowedMethods": ["POST"],
    "AllowedOrigins": ["*"],
    "AllowedHeaders": ["*"],
    "ExposeHeaders": ["ETag"],
}


@pytest.fixture
def s3(aws):
    client = boto3.client("s3", region_name=REGION)
    client.create_bucket(Bucket=BUCKET)
    return client


def rules(s3):
    try:
        return s3.get_bucket_cors(Bucket=BUCKET)["CORSRules"]
    except ClientError as exc:
        assert exc.response["Error"]["Code"] == "NoSuchCORSConfiguration"
        return []


def ids(s3):
    return [r.get("ID") for r in rules(s3)]


def test_create_merges_and_keeps_foreign_rules(aws, context, s3):
    s3.put_bucket_cors(Bucket=BUCKET, CORSConfiguration={"CORSRules": [FOREIGN]})
    Provider(bucket_cors, aws.clock, context).create({"BucketName": BUCKET, "Rules": [STUDIO, CANVAS]})
    assert ids(s3) == ["someone-else", "sagemaker-platform-studio", "sagemaker-platform-canvas"]
    studio = rules(s3)[1]
    assert studio["MaxAgeSeconds"] == 3000  # "3000" from CloudFormation became an integer


def test_create_without_existing_configuration(aws, context, s3):
    Provider(bucket_cors, aws.clock, context).create({"BucketName": BUCKET, "Rules": [CANVAS]})
    assert ids(s3) == ["sagemaker-platform-canvas"]


def test_update_replaces_only_ours(aws, context, s3):
    s3.put_bucket_cors(Bucket=BUCKET, CORSConfiguration={"CORSRules": [FOREIGN]})
    p = Provider(bucket_cors, aws.clock, context)
    old = {"BucketName": BUCKET, "Rules": [STUDIO, CANVAS]}
    p.create(old)
    changed = {**CANVAS, "AllowedOrigins": ["https://canvas.example"]}
    p.update({"BucketName": BUCKET, "Rules": [changed]}, old)
    assert ids(s3) == ["someone-else", "sagemaker-platform-canvas"]
    assert rules(s3)[1]["AllowedOrigins"] == ["https://canvas.example"]


def test_delete_removes_only_ours(aws, context, s3):
    s3.put_bucket_cors(Bucket=BUCKET, CORSConfiguration={"CORSRules": [FOREIGN]})
    p = Provider(bucket_cors, aws.clock, context)
    p.create({"BucketName": BUCKET, "Rules": [STUDIO]})
    p.delete({"BucketName": BUCKET, "Rules": [STUDIO]})
    assert ids(s3) == ["someone-else"]


def test_delete_of_last_rules_deletes_the_configuration(aws, context, s3):
    p = Provider(bucket_cors, aws.clock, context)
    p.create({"BucketName": BUCKET, "Rules": [STUDIO]})
    p.delete({"BucketName": BUCKET, "Rules": [STUDIO]})
    with pytest.raises(ClientError, match="NoSuchCORSConfiguration"):
        s3.get_bucket_cors(Bucket=BUCKET)
    p.delete({"BucketName": BUCKET, "Rules": [STUDIO]})  # twice
    assert aws.injectors["s3"].calls["DeleteBucketCors"] == 1


def test_delete_when_bucket_is_gone(aws, context):
    Provider(bucket_cors, aws.clock, context).delete(
        {"BucketName": "no-such-bucket", "Rules": [STUDIO]}, physical_id="x"
    )
    assert aws.injectors["s3"].calls["PutBucketCors"] == 0


def test_create_on_missing_bucket_fails(aws, context):
    with pytest.raises(RuntimeError, match="does not exist"):
        Provider(bucket_cors, aws.clock, context).create({"BucketName": "no-such-bucket", "Rules": [STUDIO]})


def test_more_than_100_rules_fails_before_writing(aws, context, s3):
    foreign = [{**FOREIGN, "ID": f"foreign-{i}"} for i in range(99)]
    s3.put_bucket_cors(Bucket=BUCKET, CORSConfiguration={"CORSRules": foreign})
    with pytest.raises(ValueError, match="at most 100"):
        Provider(bucket_cors, aws.clock, context).create({"BucketName": BUCKET, "Rules": [STUDIO, CANVAS]})
    assert len(rules(s3)) == 99


@pytest.mark.parametrize("bad", [[{**STUDIO, "ID": ""}], [STUDIO, STUDIO], [{**STUDIO, "MaxAgeSeconds": "x"}]])
def test_invalid_rules_fail(aws, context, s3, bad):
    with pytest.raises(ValueError):
        Provider(bucket_cors, aws.clock, context).create({"BucketName": BUCKET, "Rules": bad})
    assert aws.injectors["s3"].calls["PutBucketCors"] == 0
