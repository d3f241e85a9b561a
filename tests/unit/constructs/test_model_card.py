"""ModelCard: typed content, schema enums and limits, and content edits that version rather than replace."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import cfnlint
import pytest
from aws_cdk.assertions import Template

from sagemaker_platform.cdk_context import new_app
from sagemaker_platform.constructs.model_card import (
    AdditionalInformation,
    BusinessDetails,
    EvaluationDetail,
    IntendedUses,
    ModelCard,
    ModelOverview,
    TrainingDetails,
)


def card_props(stack: cdk.Stack) -> Any:
    (resource,) = Template.from_stack(stack).find_resources("AWS::SageMaker::ModelCard").values()
    return resource


def test_full_content_maps_onto_the_schema(stack: cdk.Stack) -> None:
    card = ModelCard(
        stack, "Card", model_card_name="churn-card", status="pendingreview",
        model_overview=ModelOverview(model_description="Predicts churn", model_owner="ml-team", model_version=3,
                                     model_artifacts=["s3://b/model.tar.gz"], inference_images=["img:1"]),
        intended_uses=IntendedUses(purpose_of_model="retention", intended_uses="weekly batch",
                                   risk_rating="medium", explanations_for_risk_rating="customer facing"),
        business_details=BusinessDetails(business_problem="churn", line_of_business="retail"),
        training_details=TrainingDetails(training_observations="balanced", objective_function="maximize",
                                         objective_facet="auc", training_datasets=["s3://b/train"]),
        evaluation_details=[EvaluationDetail(name="holdout", evaluation_observation="auc 0.91",
                                             metadata={"auc": "0.91"})],
        additional_information=AdditionalInformation(ethical_considerations="none known",
                                                      custom_details={"data_owner": "crm", "_review": "q3"}),
    )
    resource = card_props(stack)
    assert resource["DeletionPolicy"] == "Retain"
    props = resource["Properties"]
    assert props["ModelCardName"] == "churn-card"
    assert props["ModelCardStatus"] == "PendingReview"
    content = props["Content"]
    assert content["IntendedUses"]["RiskRating"] == "Medium"
    assert content["ModelOverview"]["ModelVersion"] == 3
    assert content["ModelOverview"]["InferenceEnvironment"] == {"ContainerImage": ["img:1"]}
    assert content["TrainingDetails"]["ObjectiveFunction"]["Function"] == {"Function": "Maximize", "Facet": "auc"}
    assert content["TrainingDetails"]["TrainingJobDetails"] == {"TrainingDatasets": ["s3://b/train"]}
    assert content["EvaluationDetails"][0]["Metadata"] == {"auc": "0.91"}
    assert content["AdditionalInformation"]["CustomDetails"] == {"data_owner": "crm", "_review": "q3"}
    assert card.model_card_name == "churn-card"
    assert stack.resolve(card.model_card_version)["Fn::GetAtt"][1] == "ModelCardVersion"


def test_defaults_are_draft_and_unknown_risk(stack: cdk.Stack) -> None:
    ModelCard(stack, "Card", model_card_name="c")
    props = card_props(stack)["Properties"]
    assert props["ModelCardStatus"] == "Draft"
    assert props["Content"] == {"IntendedUses": {"RiskRating": "Unknown"}}


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"model_card_name": "bad_name"}, r"ModelCard model_card_name: .*\(got 'bad_name'\)"),
    ({"status": "Published"}, r"ModelCard status: must be one of Draft, PendingReview, Approved, Archived"),
    ({"intended_uses": IntendedUses(risk_rating="severe")}, r"ModelCard intended_uses.risk_rating: .*'severe'"),
    ({"intended_uses": IntendedUses(intended_uses="x" * 2049)}, r"intended_uses.intended_uses: at most 2048"),
    ({"model_overview": ModelOverview(model_description="x" * 1025)}, r"model_description: at most 1024"),
    ({"model_overview": ModelOverview(model_version=0)}, r"model_version"),
    ({"model_overview": ModelOverview(model_artifacts=["a"] * 16)}, r"model_artifacts: at most 15"),
    ({"business_details": BusinessDetails(line_of_business="x" * 2049)}, r"line_of_business"),
    ({"training_details": TrainingDetails(objective_function="Optimize")}, r"objective_function"),
    ({"evaluation_details": [EvaluationDetail(name="")]}, r"evaluation_details\[0\].name"),
    ({"evaluation_details": [EvaluationDetail(name="e", datasets=["d"] * 11)]}, r"datasets: at most 10"),
    ({"additional_information": AdditionalInformation(custom_details={"bad-key": "v"})}, r"custom_details"),
    ({"additional_information": AdditionalInformation(custom_details={"k": "v" * 1025})}, r"custom_details.k"),
])
def test_validation(stack: cdk.Stack, kwargs: dict, message: str) -> None:
    args = {"model_card_name": "card", **kwargs}
    with pytest.raises(ValueError, match=message):
        ModelCard(stack, "Card", **args)


def _synth(description: str) -> dict:
    stack = cdk.Stack(new_app(), "S")
    ModelCard(stack, "Card", model_card_name="churn-card",
              model_overview=ModelOverview(model_description=description))
    return Template.from_stack(stack).to_json()["Resources"]


def test_content_change_is_an_update_of_the_same_card() -> None:
    """Same logical id and name; CloudFormation updates Content in place (SageMaker makes a new version)."""
    v1, v2 = _synth("first"), _synth("second")
    assert v1.keys() == v2.keys()
    (lid,) = v1
    assert v1[lid]["Properties"]["ModelCardName"] == v2[lid]["Properties"]["ModelCardName"]
    assert v1[lid]["Properties"]["Content"] != v2[lid]["Properties"]["Content"]
    schemas = Path(cfnlint.__file__).parent / "data" / "schemas"
    digest = json.loads((schemas / "providers" / "us-east-1.json").read_text())["AWS::SageMaker::ModelCard"]
    schema = json.loads((schemas / "resources" / f"{digest}.json").read_text())
    create_only = schema["createOnlyProperties"]
    assert "/properties/Content" not in create_only
    assert "/properties/ModelCardName" in create_only


# ------------------------------------------------------------------------------------- complete cards (issue 13)
def _complete_card(stack: cdk.Stack, **kwargs: Any) -> ModelCard:
    from aws_cdk import aws_kms as kms
    from aws_cdk import aws_s3 as s3

    from sagemaker_platform.constructs.model_card import Metric, MetricGroup, ModelPackageLink, TrainingMetric

    key = kms.Key(stack, "Key", enable_key_rotation=True)
    bucket = s3.Bucket(stack, "Bucket", encryption_key=key)
    args: dict[str, Any] = {
        "model_card_name": "churn-card",
        "status": "Approved",
        "encryption_key": key,
        "export_bucket": bucket,
        "model_package": ModelPackageLink(group_name="churn", version=3, approval_status="approved"),
        "training_details": TrainingDetails(training_metrics=[TrainingMetric(name="auc", value=0.9)]),
        "evaluation_details": [
            EvaluationDetail(
                name="holdout",
                metric_groups=[
                    MetricGroup(
                        name="quality",
                        metrics=[
                            Metric(name="auc", type="number", value=0.91),
                            Metric(name="pr", type="linear_graph", value=[[0.5, 0.9]], x_axis_name="recall"),
                            Metric(name="cm", type="matrix", value=[[1, 2], [3, 4]], x_axis_name=["a", "b"]),
                        ],
                    )
                ],
            )
        ],
        "share_with": ["222222222222"],
        **kwargs,
    }
    return ModelCard(stack, "Card", **args)


def test_complete_card_renders_the_schema_shapes() -> None:
    stack = cdk.Stack(new_app(), "S", env=cdk.Environment(account="111111111111", region="eu-west-1"))
    _complete_card(stack)
    props = card_props(stack)["Properties"]
    assert "KmsKeyId" in props["SecurityConfig"]
    package = props["Content"]["ModelPackageDetails"]
    assert package["ModelPackageGroupName"] == "churn" and package["ModelPackageVersion"] == 3
    assert package["ModelApprovalStatus"] == "Approved"
    assert package["ModelPackageArn"].endswith(":model-package/churn/3")
    metrics = props["Content"]["EvaluationDetails"][0]["MetricGroups"][0]["MetricData"]
    assert metrics[0] == {"Name": "auc", "Type": "number", "Value": 0.91}
    assert metrics[1]["XAxisName"] == "recall"  # one name for a graph
    assert metrics[2]["XAxisName"] == ["a", "b"]  # a list for a matrix
    training = props["Content"]["TrainingDetails"]["TrainingJobDetails"]["TrainingMetrics"]
    assert training == [{"Name": "auc", "Value": 0.9}]
    t = Template.from_stack(stack)
    t.has_resource_properties(
        "Custom::ModelCardExport",
        {"ModelCardName": "churn-card", "Prefix": "model-cards", "ModelCardVersion": {"Fn::GetAtt": [
            stack.get_logical_id(stack.node.find_child("Card").node.default_child), "ModelCardVersion"]}},
    )
    t.has_resource_properties("AWS::RAM::ResourceShare", {"Principals": ["222222222222"]})


def test_export_only_while_approved() -> None:
    stack = cdk.Stack(new_app(), "S")
    card = _complete_card(stack, status="PendingReview")
    assert card.export is None
    Template.from_stack(stack).resource_count_is("Custom::ModelCardExport", 0)


@pytest.mark.parametrize(("metric", "message"), [
    ({"type": "number", "value": "high"}, r"a number metric's value must be a number"),
    ({"type": "gauge", "value": 1}, r"type must be one of"),
    ({"type": "bar_chart", "value": [1, 2], "x_axis_name": "bars"}, r"x_axis_name of a bar_chart metric is a list"),
    ({"type": "matrix", "value": [[1] * 21]}, r"a matrix metric.s rows must be lists of 1-20"),
])
def test_metric_validation(metric: dict, message: str) -> None:
    from sagemaker_platform.constructs.model_card import Metric, MetricGroup

    stack = cdk.Stack(new_app(), "S")
    group = MetricGroup(name="g", metrics=[Metric(name="m", **metric)])
    with pytest.raises(ValueError, match=r"metric_groups\[0\]\.metrics\[0\]: " + message):
        evaluations = [EvaluationDetail(name="e", metric_groups=[group])]
        ModelCard(stack, "Card", model_card_name="card", evaluation_details=evaluations)


def test_a_token_card_name_skips_the_literal_checks(stack: cdk.Stack) -> None:
    name = cdk.CfnParameter(stack, "CardName", type="String").value_as_string
    ModelCard(stack, "FromParameter", model_card_name=name)
    Template.from_stack(stack).has_resource_properties(
        "AWS::SageMaker::ModelCard", {"ModelCardName": {"Ref": "CardName"}}
    )
