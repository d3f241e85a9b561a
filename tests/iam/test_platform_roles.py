"""The roles and resource policies the platform runs on, evaluated against synthesized full.yaml and the pipeline:
model roles can serve their model, alarms can notify, the pipeline can use its source connection; and over
enterprise.yaml, custom-image roles pull only their repository and the MLflow server uses its store and registry."""

from __future__ import annotations

from functools import cache

from tests.conftest import ROOT, synthesized
from tests.iam.evaluator import Decision, Request, evaluate, evaluate_with_resource_policy
from tests.iam.template import Account

FULL = ROOT / "config" / "examples" / "full.yaml"
PIPELINE = ROOT / "config" / "examples" / "pipeline.yaml"


@cache
def full() -> tuple[Account, str]:
    built = synthesized(FULL)
    account = Account.from_assembly(built.assembly, account="111122223333", region="eu-west-1")
    return account, f"{built.config.platform.prefix}-hosting"


def _model_role(account: Account, stack: str, endpoint_index: int) -> tuple[str, list[dict]]:
    ((_, role),) = [r for r in account.find_roles(f"{stack}/Model{endpoint_index}/") if r[0] == stack]
    return role, account.identity_policies(stack, role)


def test_model_role_reads_its_artifact_with_its_key_and_writes_metrics() -> None:
    account, stack = full()
    built = synthesized(FULL)
    endpoint = built.config.endpoints[0]
    assert endpoint.model.artifact_key_arn and endpoint.model.model_data_url
    _, policies = _model_role(account, stack, 0)
    bucket_and_key = endpoint.model.model_data_url.removeprefix("s3://")
    allowed = [
        Request("s3:GetObject", f"arn:aws:s3:::{bucket_and_key}"),
        Request("kms:Decrypt", endpoint.model.artifact_key_arn),
        Request("cloudwatch:PutMetricData", "*", {"cloudwatch:namespace": "/aws/sagemaker/Endpoints"}),
        Request("logs:PutLogEvents",
                "arn:aws:logs:eu-west-1:111122223333:log-group:/aws/sagemaker/Endpoints/churn-realtime:log-stream:x"),
        Request("ecr:BatchGetImage", "arn:aws:ecr:eu-west-1:111111111111:repository/churn-model"),
    ]
    for request in allowed:
        assert evaluate(policies, request) is Decision.ALLOW, request
    denied = [
        Request("s3:GetObject", f"arn:aws:s3:::{bucket_and_key.split('/')[0]}/other/model.tar.gz"),
        Request("ecr:BatchGetImage", "arn:aws:ecr:eu-west-1:111111111111:repository/other-model"),
        Request("kms:Decrypt", "arn:aws:kms:eu-west-1:111111111111:key/00000000-0000-0000-0000-000000000000"),
    ]
    for request in denied:
        assert evaluate(policies, request) is not Decision.ALLOW, request


def test_every_model_role_may_use_the_key_its_endpoint_config_names() -> None:
    """A serverless (or any) endpoint config that names the hosting key: SageMaker uses it as the model's role."""
    account, stack = full()
    built = synthesized(FULL)
    for i, endpoint in enumerate(built.config.endpoints):
        _, policies = _model_role(account, stack, i)
        configs = account.find_resources("AWS::SageMaker::EndpointConfig", f"{stack}/Endpoint{i}/")
        assert configs, endpoint.name
        for config_stack, config_id in configs:
            props = account.resolve(config_stack, account.resource(config_stack, config_id)["Properties"])
            key_arns = {props.get("KmsKeyId"), (props.get("DataCaptureConfig") or {}).get("KmsKeyId")} - {None}
            for key_arn in key_arns:
                for action in ("kms:Decrypt", "kms:GenerateDataKey", "kms:CreateGrant", "kms:DescribeKey"):
                    assert evaluate(policies, Request(action, key_arn)) is Decision.ALLOW, (endpoint.name, action)


def test_cloudwatch_alarms_can_publish_to_the_encrypted_alarm_topic() -> None:
    account, stack = full()
    ((_, topic),) = account.find_resources("AWS::SNS::Topic", f"{stack}/Alarms/")
    ((_, key),) = account.find_resources("AWS::KMS::Key", f"{stack}/Key/")
    topic_arn = account.attr(stack, topic, "Ref")
    alarm = "arn:aws:cloudwatch:eu-west-1:111122223333:alarm:churn-realtime-5xx"
    context = {"aws:SourceAccount": "111122223333", "aws:SourceArn": alarm, "aws:SecureTransport": "true"}
    publish = Request("sns:Publish", topic_arn, context)
    topic_policy = account.resource_policy(stack, topic)
    assert evaluate_with_resource_policy([], topic_policy, publish, "cloudwatch.amazonaws.com") is Decision.ALLOW
    key_policy = account.resource_policy(stack, key)
    key_arn = account.attr(stack, key, "Arn")
    for action in ("kms:Decrypt", "kms:GenerateDataKey"):
        request = Request(action, key_arn, context)
        assert evaluate_with_resource_policy([], key_policy, request, "cloudwatch.amazonaws.com") is Decision.ALLOW
    foreign = Request("sns:Publish", topic_arn, {**context, "aws:SourceAccount": "999999999999",
                                                 "aws:SourceArn": alarm.replace("111122223333", "999999999999")})
    assert evaluate_with_resource_policy([], topic_policy, foreign, "cloudwatch.amazonaws.com") is not Decision.ALLOW
    insecure = Request("sns:Publish", topic_arn, {**context, "aws:SecureTransport": "false"})
    assert evaluate_with_resource_policy([], topic_policy, insecure, "cloudwatch.amazonaws.com") is not Decision.ALLOW


def test_pipeline_source_role_may_use_its_connection() -> None:
    """IAM checks the action prefix of the connection ARN's own service (codeconnections or codestar-connections)."""
    from sagemaker_platform.cdk_context import new_app
    from sagemaker_platform.config import load_config
    from sagemaker_platform.main import build_app

    config = load_config(PIPELINE)
    app = new_app(context={"config": str(PIPELINE.relative_to(ROOT))})
    build_app(app, config)
    assembly = app.synth()
    assert config.pipeline.source is not None and config.pipeline.source.connection_arn
    arn = config.pipeline.source.connection_arn
    service = arn.split(":")[2]
    account = Account.from_assembly(assembly, account=config.pipeline.account or config.platform.account,
                                    region=config.pipeline.region or config.platform.region)
    stack = f"{config.platform.prefix}-pipeline"
    roles = [role for owner, role in account.find_roles("/Source/") if owner == stack]
    assert roles
    request = Request(f"{service}:UseConnection", arn)
    assert any(evaluate(account.identity_policies(stack, role), request) is Decision.ALLOW for role in roles)


ENTERPRISE = ROOT / "config" / "examples" / "enterprise.yaml"


@cache
def enterprise() -> tuple[Account, str]:
    built = synthesized(ENTERPRISE)
    account = Account.from_assembly(built.assembly, account="111111111111", region="eu-west-1")
    return account, f"{built.config.platform.prefix}-studio"


def test_each_custom_image_role_pulls_only_its_own_repository() -> None:
    """SageMaker creates an image version by pulling its base image with the image's role."""
    account, stack = enterprise()
    images = synthesized(ENTERPRISE).config.domain.custom_images
    assert images
    for image in images:
        ((_, role),) = [r for r in account.find_roles(f"/Image-{image.name}/") if r[0] == stack]
        policies = account.identity_policies(stack, role)
        repository = image.image_uri.split("/", 1)[1].rsplit(":", 1)[0]
        own = f"arn:aws:ecr:eu-west-1:111111111111:repository/{repository}"
        for action in ("ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"):
            assert evaluate(policies, Request(action, own)) is Decision.ALLOW, (image.name, action)
        assert evaluate(policies, Request("ecr:GetAuthorizationToken", "*")) is Decision.ALLOW
        other = "arn:aws:ecr:eu-west-1:111111111111:repository/studio/someone-else"
        assert evaluate(policies, Request("ecr:BatchGetImage", other)) is not Decision.ALLOW
        assert evaluate(policies, Request("ecr:PutImage", own)) is not Decision.ALLOW


def test_mlflow_server_role_uses_its_artifact_store_and_registers_models() -> None:
    account, stack = enterprise()
    config = synthesized(ENTERPRISE).config
    assert config.mlflow.enabled and config.mlflow.automatic_model_registration
    ((_, role),) = [r for r in account.find_roles("/Mlflow/") if r[0] == stack]
    ((_, bucket),) = account.find_resources("AWS::S3::Bucket", f"{stack}/Mlflow/Artifacts/")
    bucket_arn = account.attr(stack, bucket, "Arn")
    ((_, key),) = account.find_resources("AWS::KMS::Key", f"{stack}/Key/")
    key_arn = account.attr(stack, key, "Arn")
    policies = account.identity_policies(stack, role)
    allowed = [
        Request("s3:PutObject", f"{bucket_arn}/mlflow/1/run/artifacts/model.pkl"),
        Request("s3:GetObject", f"{bucket_arn}/mlflow/1/run/artifacts/model.pkl"),
        Request("s3:ListBucket", bucket_arn),
        Request("kms:GenerateDataKey", key_arn),
        Request("kms:Decrypt", key_arn),
        Request("sagemaker:CreateModelPackage", "arn:aws:sagemaker:eu-west-1:111111111111:model-package/churn/1"),
        Request("sagemaker:CreateModelPackageGroup",
                "arn:aws:sagemaker:eu-west-1:111111111111:model-package-group/churn"),
    ]
    for request in allowed:
        assert evaluate(policies, request) is Decision.ALLOW, request
    denied = [
        Request("s3:DeleteObject", f"{bucket_arn}/mlflow/1/run/artifacts/model.pkl"),
        Request("s3:PutObject", f"{bucket_arn}/elsewhere/file"),
        Request("sagemaker:DeleteModelPackageGroup",
                "arn:aws:sagemaker:eu-west-1:111111111111:model-package-group/churn"),
    ]
    for request in denied:
        assert evaluate(policies, request) is not Decision.ALLOW, request
