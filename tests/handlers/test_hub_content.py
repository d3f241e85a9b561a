from __future__ import annotations

import json

import hub_content
import pytest
from fake_hub import FakeHubSageMaker, public_model_arn
from provider_harness import Provider, cfn_event

HUB = "org-models-1a2b3c4d"
MODEL = "huggingface-llm-mistral-7b"
DOCUMENT = json.dumps({"Url": "https://example.com/model", "Framework": "pytorch"})
IMPORTED = {
    "HubName": HUB,
    "HubContentType": "Model",
    "HubContentName": "churn-model",
    "HubContentVersion": "1.0.0",
    "DocumentSchemaVersion": "2.0.0",
    "HubContentDocument": DOCUMENT,
    "HubContentDisplayName": "Churn model",
    "HubContentSearchKeywords": ["churn", "tabular"],
}
REFERENCE = {
    "HubName": HUB,
    "HubContentType": "ModelReference",
    "HubContentName": MODEL,
    "SageMakerPublicHubContentArn": public_model_arn(MODEL),
}


@pytest.fixture
def hub(aws) -> FakeHubSageMaker:
    fake = FakeHubSageMaker(aws.clock)
    aws.sagemaker = fake
    fake.add_hub(HUB)
    fake.add_public_model(MODEL, ["1.0.0", "2.1.0", "3.0.0"])
    return fake


def test_import_waits_until_available(aws, context, hub):
    p = Provider(hub_content, aws.clock, context)
    response = p.create(IMPORTED)
    [request] = hub.params_of("ImportHubContent")
    assert request["HubContentDocument"] == DOCUMENT
    assert request["HubContentSearchKeywords"] == ["churn", "tabular"]
    assert request["HubContentVersion"] == "1.0.0"
    assert hub.versions_of(HUB, "Model", "churn-model") == {"1.0.0": "Available"}
    assert p.polls > 1  # waited through Importing
    assert response["PhysicalResourceId"] == f"hub-content:{HUB}:Model:churn-model"


def test_update_imports_a_new_version_and_keeps_the_old(aws, context, hub):
    p = Provider(hub_content, aws.clock, context)
    p.create(IMPORTED)
    new = {**IMPORTED, "HubContentVersion": "1.1.0", "HubContentDocument": json.dumps({"Url": "v2"})}
    response = p.update(new, IMPORTED)
    assert hub.calls["ImportHubContent"] == 2
    assert hub.params_of("ImportHubContent")[-1]["HubContentDocument"] == new["HubContentDocument"]
    assert hub.versions_of(HUB, "Model", "churn-model") == {"1.0.0": "Available", "1.1.0": "Available"}
    assert response["PhysicalResourceId"] == p.physical_id


def test_changed_content_without_a_new_version_fails_before_any_call(aws, context, hub):
    p = Provider(hub_content, aws.clock, context)
    p.create(IMPORTED)
    calls = sum(hub.calls.values())
    with pytest.raises(ValueError, match=r"HubContentVersion must change.*HubContentDocument.*1\.0\.0"):
        p.update({**IMPORTED, "HubContentDocument": "{}"}, IMPORTED)
    assert sum(hub.calls.values()) == calls


def test_delete_removes_every_version_and_waits(aws, context, hub):
    p = Provider(hub_content, aws.clock, context)
    p.create(IMPORTED)
    p.update({**IMPORTED, "HubContentVersion": "2.0.0"}, IMPORTED)
    p.delete(IMPORTED)
    deleted = {r["HubContentVersion"] for r in hub.params_of("DeleteHubContent")}
    assert deleted == {"1.0.0", "2.0.0"}
    assert hub.versions_of(HUB, "Model", "churn-model") == {}
    assert p.polls > 1  # waited through Deleting


def test_delete_of_something_gone_succeeds(aws, context, hub):
    p = Provider(hub_content, aws.clock, context)
    p.delete(IMPORTED, physical_id=f"hub-content:{HUB}:Model:never-made")
    p.delete(IMPORTED, physical_id="hub-content:hub-that-is-gone:Notebook:nb")
    assert hub.calls["DeleteHubContent"] == 0
    assert hub.calls["ListHubContentVersions"] == 4  # on_event and one poll each
    # A Create that failed before returning an id leaves CloudFormation's request id as the physical id.
    calls = sum(hub.calls.values())
    p.delete(IMPORTED, physical_id="c7f0a6e2-1111-2222-3333-444444444444")
    assert sum(hub.calls.values()) == calls


def test_double_delivery_imports_once(aws, context, hub):
    event = cfn_event("Create", IMPORTED)
    first = hub_content.on_event(dict(event), context)
    second = hub_content.on_event(dict(event), context)
    assert first["PhysicalResourceId"] == second["PhysicalResourceId"]
    assert hub.calls["ImportHubContent"] == 1
    Provider(hub_content, aws.clock, context).run(event)
    assert hub.calls["ImportHubContent"] == 1
    assert hub.versions_of(HUB, "Model", "churn-model") == {"1.0.0": "Available"}


def test_double_delivered_delete_deletes_each_version_once(aws, context, hub):
    p = Provider(hub_content, aws.clock, context)
    p.create(IMPORTED)
    event = cfn_event("Delete", IMPORTED, physical_id=p.physical_id)
    hub_content.on_event(dict(event), context)
    hub_content.on_event(dict(event), context)
    assert hub.calls["DeleteHubContent"] == 1
    Provider(hub_content, aws.clock, context).run(event)
    assert hub.versions_of(HUB, "Model", "churn-model") == {}


def test_failed_import_surfaces_the_reason(aws, context, hub):
    hub.fail_next_import = "The model artifact s3://bucket/model.tar.gz is not readable"
    with pytest.raises(RuntimeError, match=r"ImportFailed: The model artifact s3://bucket/model\.tar\.gz"):
        Provider(hub_content, aws.clock, context).create(IMPORTED)


def test_failed_delete_surfaces_the_reason(aws, context, hub):
    p = Provider(hub_content, aws.clock, context)
    p.create(IMPORTED)
    hub.fail_next_delete = "Content is used by an endpoint"
    with pytest.raises(RuntimeError, match="Content is used by an endpoint"):
        p.delete(IMPORTED)


def test_throttling_in_is_complete_is_retried(aws, context, hub):
    p = Provider(hub_content, aws.clock, context)
    hub.inject_throttles("DescribeHubContent", 1)  # on_event's describe: the import is deferred
    hub.throttle_for(200, "DescribeHubContent")  # and the first polls are throttled as well
    p.create(IMPORTED)
    assert hub.injected_count > 2
    assert hub.calls["ImportHubContent"] == 1
    assert hub.versions_of(HUB, "Model", "churn-model") == {"1.0.0": "Available"}


def test_throttling_past_the_deadline_fails_with_the_service_message(aws, context, hub, monkeypatch):
    monkeypatch.setenv("PROVIDER_TOTAL_TIMEOUT_SECONDS", "600")
    monkeypatch.setenv("PROVIDER_QUERY_INTERVAL_SECONDS", "30")
    hub.throttle_for(3600)
    with pytest.raises(TimeoutError, match="ThrottlingException: Rate exceeded"):
        Provider(hub_content, aws.clock, context).create(IMPORTED)


def test_reference_with_min_version(aws, context, hub):
    p = Provider(hub_content, aws.clock, context)
    p.create({**REFERENCE, "MinVersion": "2.1.0"})
    [request] = hub.params_of("CreateHubContentReference")
    assert request == {
        "HubName": HUB,
        "HubContentName": MODEL,
        "SageMakerPublicHubContentArn": public_model_arn(MODEL),
        "MinVersion": "2.1.0",
    }
    assert hub.versions_of(HUB, "ModelReference", MODEL) == {"3.0.0": "Available"}


def test_reference_update_changes_min_version_in_place(aws, context, hub):
    p = Provider(hub_content, aws.clock, context)
    p.create({**REFERENCE, "MinVersion": "1.0.0"})
    p.update({**REFERENCE, "MinVersion": "3.0.0"}, {**REFERENCE, "MinVersion": "1.0.0"})
    assert hub.calls["UpdateHubContentReference"] == 1
    assert hub.calls["DeleteHubContentReference"] == 0
    [entity] = [e for k, e in hub.contents.items() if k[1] == "ModelReference"]
    assert entity.data["ReferenceMinVersion"] == "3.0.0"


def test_reference_to_another_public_model_is_replaced(aws, context, hub):
    other = hub.add_public_model("meta-textgeneration-llama-3-8b", ["1.0.0"])
    p = Provider(hub_content, aws.clock, context)
    p.create(REFERENCE)
    p.update({**REFERENCE, "SageMakerPublicHubContentArn": other}, REFERENCE)
    assert hub.calls["DeleteHubContentReference"] == 1
    assert hub.calls["CreateHubContentReference"] == 2
    [entity] = [e for k, e in hub.contents.items() if k[1] == "ModelReference"]
    assert entity.data["SageMakerPublicHubContentArn"] == other


def test_reference_delete(aws, context, hub):
    p = Provider(hub_content, aws.clock, context)
    p.create(REFERENCE)
    p.delete(REFERENCE)
    assert hub.calls["DeleteHubContentReference"] == 1
    assert hub.versions_of(HUB, "ModelReference", MODEL) == {}


def test_unknown_public_model_fails_with_the_service_message(aws, context, hub):
    bad = {**REFERENCE, "SageMakerPublicHubContentArn": public_model_arn("no-such-model")}
    with pytest.raises(Exception, match="no-such-model does not exist"):
        Provider(hub_content, aws.clock, context).create(bad)


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({**IMPORTED, "HubContentVersion": "v1"}, r"HubContentVersion must be 5-14 characters"),
        ({**IMPORTED, "HubContentVersion": "one.two.3"}, r"HubContentVersion does not match the pattern"),
        ({**IMPORTED, "HubContentName": "bad_name"}, r"HubContentName does not match the pattern"),
        ({**IMPORTED, "HubContentType": "DataSet"}, r"HubContentType must be one of"),
        ({**IMPORTED, "SupportStatus": "Retired"}, r"SupportStatus must be one of Supported"),
        ({k: v for k, v in IMPORTED.items() if k != "HubContentDocument"}, r"HubContentDocument is required"),
        ({**REFERENCE, "SageMakerPublicHubContentArn": "arn:aws:s3:::bucket"}, r"SageMakerPublicHubContentArn"),
        ({**REFERENCE, "HubContentVersion": "1.0.0"}, r"A ModelReference takes no HubContentVersion"),
    ],
)
def test_bad_properties_fail_before_any_call(aws, context, hub, props, message):
    with pytest.raises(ValueError, match=message):
        hub_content.on_event(cfn_event("Create", props), context)
    assert sum(hub.calls.values()) == 0
