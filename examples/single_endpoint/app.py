#!/usr/bin/env python3
"""One real-time SageMaker endpoint with autoscaling and alarms, built from the constructs alone (no config file).

Replace the image, model data, account and region with yours, then:
``npx cdk deploy`` from this folder (with ``sagemaker-platform`` installed or vendored).
"""

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns

from sagemaker_platform.compliance import apply_compliance
from sagemaker_platform.constructs.endpoint import Autoscaling, ModelEndpoint, ModelEndpointProps, ProductionVariant
from sagemaker_platform.constructs.key import PlatformKey
from sagemaker_platform.constructs.model import Model

app = cdk.App()
stack = cdk.Stack(app, "single-endpoint", env=cdk.Environment(account="111111111111", region="eu-west-1"))

key = PlatformKey(stack, "Key", alias="single-endpoint/hosting", description="Endpoint volumes and alarm topic")
alarms = sns.Topic(stack, "Alarms", master_key=key.key, enforce_ssl=True)
artifacts = s3.Bucket.from_bucket_name(stack, "Artifacts", "example-models-111111111111")
model = Model(
    stack,
    "Model",
    name_prefix="churn",
    image="111111111111.dkr.ecr.eu-west-1.amazonaws.com/churn-model:1.4.0",
    model_data_url="s3://example-models-111111111111/churn/1.4.0/model.tar.gz",
    artifact_bucket=artifacts,
)
endpoint = ModelEndpoint(
    stack,
    "Endpoint",
    props=ModelEndpointProps(
        endpoint_name="churn",
        model=model,
        variants=[ProductionVariant(instance_type="ml.m5.large", initial_instance_count=1)],
        autoscaling=Autoscaling(min_capacity=1, max_capacity=3, target_invocations_per_instance=200),
        encryption_key=key.key,
        alarm_actions=[cw_actions.SnsAction(alarms)],
    ),
)
cdk.CfnOutput(stack, "EndpointName", value=endpoint.endpoint_name)

apply_compliance(app)
app.synth()
