from __future__ import annotations

import copy

import model_card_export
import pytest
from fake_model_card import FakeModelCardSageMaker
from provider_harness import Provider, cfn_event

CARD = "churn-classifier"
BUCKET = "platform-studio-bucket-1a2b"
PROPS = {"ModelCardName": CARD, "ModelCardVersion": 3, "BucketName": BUCKET}


@pytest.fixture
def cards(aws) -> FakeModelCardSageMaker:
    fake = FakeModelCardSageMaker(aws.clock)
    aws.sagemaker = fake
    fake.add_card(CARD, version=4)
    return fake


def test_create_exports_the_version_to_the_predictable_path_and_waits(aws, context, cards):
    p = Provider(model_card_export, aws.clock, context)
    response = p.create(PROPS)
    [request] = cards.params_of("CreateModelCardExportJob")
    assert request["ModelCardName"] == CARD
    assert request["ModelCardVersion"] == 3
    assert request["OutputConfig"] == {"S3OutputPath": f"s3://{BUCKET}/model-cards/{CARD}/3/"}
    assert request["ModelCardExportJobName"].startswith("v3-")
    [job] = cards.jobs_of(CARD)
    assert job["Status"] == "Completed"
    assert p.polls > 1  # waited through InProgress
    assert response["PhysicalResourceId"] == f"model-card-export:{CARD}:3"
    assert response["Data"]["ExportArtifact"] == job["ExportArtifacts"]["S3ExportArtifacts"]
    assert response["Data"]["ExportArtifact"].startswith(f"s3://{BUCKET}/model-cards/{CARD}/3/")


def test_custom_prefix(aws, context, cards):
    Provider(model_card_export, aws.clock, context).create({**PROPS, "Prefix": "audit/cards"})
    [request] = cards.params_of("CreateModelCardExportJob")
    assert request["OutputConfig"]["S3OutputPath"] == f"s3://{BUCKET}/audit/cards/{CARD}/3/"


def test_a_newly_approved_version_is_exported_and_the_old_delete_removes_nothing(aws, context, cards):
    p = Provider(model_card_export, aws.clock, context)
    p.create(PROPS)
    new = {**PROPS, "ModelCardVersion": 4}
    response = p.update(new, PROPS)
    assert response["PhysicalResourceId"] == f"model-card-export:{CARD}:4"  # replaced: CloudFormation deletes v3's
    assert [j["ModelCardVersion"] for j in cards.jobs_of(CARD)] == [3, 4]
    calls_before = sum(cards.calls.values())
    p.delete(PROPS, physical_id=f"model-card-export:{CARD}:3")
    assert sum(cards.calls.values()) == calls_before  # exports are records: the old PDF stays
    assert len(cards.jobs_of(CARD)) == 2


def test_double_delivery_starts_one_job(aws, context, cards):
    event = cfn_event("Create", PROPS)
    model_card_export.on_event(copy.deepcopy(event), context)
    model_card_export.on_event(copy.deepcopy(event), context)  # CloudFormation delivered it again
    assert cards.calls["CreateModelCardExportJob"] == 1
    assert len(cards.jobs_of(CARD)) == 1


def test_concurrent_delivery_waits_for_the_other_job(aws, context, cards):
    event = cfn_event("Create", PROPS)
    name = model_card_export.job_name(model_card_export._spec(PROPS | {"ModelCardVersion": 3}), event["RequestId"])
    # The other delivery's job appears between this delivery's look-up and its create.
    cards.on_call(
        "CreateModelCardExportJob",
        lambda request: cards.exports.get((CARD, name)) or cards.op_CreateModelCardExportJob(copy.deepcopy(request)),
    )
    result = model_card_export.on_event(copy.deepcopy(event), context)
    assert result["PhysicalResourceId"] == f"model-card-export:{CARD}:3"
    assert len(cards.jobs_of(CARD)) == 1


def test_a_later_request_starts_a_fresh_job(aws, context, cards):
    Provider(model_card_export, aws.clock, context).create(PROPS)
    Provider(model_card_export, aws.clock, context).create(PROPS)  # a redeploy after a rollback
    assert len(cards.jobs_of(CARD)) == 2


def test_failed_job_surfaces_the_reason(aws, context, cards):
    cards.fail_next_export = "Access denied writing to the output path"
    with pytest.raises(RuntimeError, match=r"failed: Access denied writing to the output path"):
        Provider(model_card_export, aws.clock, context).create(PROPS)


def test_unknown_version_fails_with_the_service_message(aws, context, cards):
    with pytest.raises(Exception, match=r"has no version 9"):
        Provider(model_card_export, aws.clock, context).create({**PROPS, "ModelCardVersion": 9})


def test_throttling_in_is_complete_is_retried(aws, context, cards):
    cards.inject_throttles("ListModelCardExportJobs", 1)  # on_event's look-up: the export is deferred
    cards.throttle_for(200, "ListModelCardExportJobs")  # and the first polls are throttled as well
    cards.inject_throttles("DescribeModelCardExportJob", 2)
    response = Provider(model_card_export, aws.clock, context).create(PROPS)
    assert cards.injected_count > 3
    assert cards.calls["CreateModelCardExportJob"] == 1
    assert [j["Status"] for j in cards.jobs_of(CARD)] == ["Completed"]
    assert response["Data"]["ExportArtifact"].endswith(".pdf")


def test_throttling_past_the_deadline_fails_with_the_service_message(aws, context, cards, monkeypatch):
    monkeypatch.setenv("PROVIDER_TOTAL_TIMEOUT_SECONDS", "600")
    monkeypatch.setenv("PROVIDER_QUERY_INTERVAL_SECONDS", "30")
    cards.throttle_for(3600)
    with pytest.raises(TimeoutError, match="ThrottlingException: Rate exceeded"):
        Provider(model_card_export, aws.clock, context).create(PROPS)


def test_delete_of_a_resource_never_created_succeeds_without_calls(aws, context, cards):
    result = model_card_export.on_event(cfn_event("Delete", PROPS, physical_id="some-request-id"), context)
    assert result == {"PhysicalResourceId": "some-request-id"}
    assert sum(cards.calls.values()) == 0


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({**PROPS, "ModelCardName": "bad_name"}, r"ModelCardName must be 1-63"),
        ({**PROPS, "ModelCardVersion": "0"}, r"ModelCardVersion must be an integer >= 1"),
        ({**PROPS, "ModelCardVersion": "three"}, r"ModelCardVersion must be an integer"),
        ({**PROPS, "BucketName": "Not_A_Bucket"}, r"BucketName is not a valid S3 bucket name"),
        ({**PROPS, "Prefix": "/model-cards/"}, r"Prefix must be an S3 key prefix"),
        ({k: v for k, v in PROPS.items() if k != "BucketName"}, r"BucketName is required"),
    ],
)
def test_bad_properties_fail_before_any_call(aws, context, cards, props, message):
    with pytest.raises(ValueError, match=message):
        model_card_export.on_event(cfn_event("Create", props), context)
    assert sum(cards.calls.values()) == 0
