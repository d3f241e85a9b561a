from __future__ import annotations

import canvas_settings
import pytest
from provider_harness import Provider

DOMAIN = "d-abc123"
SETTINGS = {
    "TimeSeriesForecastingSettings": {"Status": "ENABLED"},
    "WorkspaceSettings": {"S3ArtifactPath": "s3://canvas-bucket/canvas", "S3KmsKeyId": "alias/canvas"},
    "DirectDeploySettings": {"Status": "ENABLED"},
}


@pytest.fixture
def domain(aws):
    aws.sagemaker.add_domain(
        DOMAIN,
        default_user_settings={
            "ExecutionRole": "arn:aws:iam::123456789012:role/exec",
            "SecurityGroups": ["sg-1"],
        },
    )
    aws.sagemaker.add_user_profile(DOMAIN, "alice", user_settings={"ExecutionRole": "arn:aws:iam::1:role/a"})
    return aws.sagemaker


def test_domain_create_sends_only_canvas_settings_and_waits(aws, context, domain):
    p = Provider(canvas_settings, aws.clock, context)
    response = p.create({"DomainId": DOMAIN, "CanvasAppSettings": SETTINGS})
    [request] = domain.params_of("UpdateDomain")
    assert request == {"DomainId": DOMAIN, "DefaultUserSettings": {"CanvasAppSettings": SETTINGS}}
    assert domain.calls["UpdateUserProfile"] == 0
    stored = domain.domains[DOMAIN].data
    assert stored["Status"] == "InService"
    assert stored["DefaultUserSettings"]["ExecutionRole"].endswith("role/exec")
    assert stored["DefaultUserSettings"]["SecurityGroups"] == ["sg-1"]
    assert p.polls > 1  # waited through Updating
    assert response["PhysicalResourceId"] == f"canvas-settings:{DOMAIN}:*"


def test_profile_level_update(aws, context, domain):
    Provider(canvas_settings, aws.clock, context).create(
        {"DomainId": DOMAIN, "UserProfileName": "alice", "CanvasAppSettings": SETTINGS}
    )
    [request] = domain.params_of("UpdateUserProfile")
    assert request == {
        "DomainId": DOMAIN,
        "UserProfileName": "alice",
        "UserSettings": {"CanvasAppSettings": SETTINGS},
    }
    assert domain.calls["UpdateDomain"] == 0
    assert domain.profiles[(DOMAIN, "alice")].data["UserSettings"]["ExecutionRole"].endswith("role/a")


def test_busy_domain_defers_the_update_to_is_complete(aws, context, domain):
    domain._schedule(domain.domains[DOMAIN], "Updating", "InService", 100)
    p = Provider(canvas_settings, aws.clock, context)
    p.create({"DomainId": DOMAIN, "CanvasAppSettings": SETTINGS})
    assert domain.calls["UpdateDomain"] == 1
    assert domain.domains[DOMAIN].data["DefaultUserSettings"]["CanvasAppSettings"] == SETTINGS


def test_update_in_use_is_deferred(aws, context, domain):
    domain.inject_error("UpdateDomain", "ResourceInUse")
    Provider(canvas_settings, aws.clock, context).create({"DomainId": DOMAIN, "CanvasAppSettings": SETTINGS})
    assert domain.calls["UpdateDomain"] == 2
    assert domain.domains[DOMAIN].data["DefaultUserSettings"]["CanvasAppSettings"] == SETTINGS


def test_update_failed_is_reported(aws, context, domain):
    domain.fail_next_update = "Role cannot be assumed"
    with pytest.raises(RuntimeError, match="Role cannot be assumed"):
        Provider(canvas_settings, aws.clock, context).create({"DomainId": DOMAIN, "CanvasAppSettings": SETTINGS})


def test_update_resets_dropped_sub_settings(aws, context, domain):
    p = Provider(canvas_settings, aws.clock, context)
    p.create({"DomainId": DOMAIN, "CanvasAppSettings": SETTINGS})
    new = {"WorkspaceSettings": {"S3ArtifactPath": "s3://canvas-bucket/v2"}}
    p.update({"DomainId": DOMAIN, "CanvasAppSettings": new}, {"DomainId": DOMAIN, "CanvasAppSettings": SETTINGS})
    sent = domain.params_of("UpdateDomain")[-1]["DefaultUserSettings"]["CanvasAppSettings"]
    assert sent == {
        **new,
        "TimeSeriesForecastingSettings": {"Status": "DISABLED"},
        "DirectDeploySettings": {"Status": "DISABLED"},
    }


def test_delete_resets_every_feature(aws, context, domain):
    p = Provider(canvas_settings, aws.clock, context)
    p.create({"DomainId": DOMAIN, "CanvasAppSettings": SETTINGS})
    p.delete({"DomainId": DOMAIN, "CanvasAppSettings": SETTINGS})
    [_, reset] = domain.params_of("UpdateDomain")
    assert set(reset) == {"DomainId", "DefaultUserSettings"}
    canvas = reset["DefaultUserSettings"]["CanvasAppSettings"]
    assert canvas["TimeSeriesForecastingSettings"] == {"Status": "DISABLED"}
    assert canvas["ModelRegisterSettings"] == {"Status": "DISABLED"}
    assert canvas["DirectDeploySettings"] == {"Status": "DISABLED"}
    assert canvas["KendraSettings"] == {"Status": "DISABLED"}
    assert canvas["WorkspaceSettings"] == {}


def test_delete_when_target_is_gone_succeeds(aws, context):
    p = Provider(canvas_settings, aws.clock, context)
    p.delete({"DomainId": DOMAIN, "UserProfileName": "ghost", "CanvasAppSettings": SETTINGS}, physical_id="x")
    assert aws.sagemaker.calls["UpdateUserProfile"] == 0
    assert aws.sagemaker.calls["UpdateDomain"] == 0


def test_create_on_missing_domain_fails(aws, context):
    with pytest.raises(RuntimeError, match="does not exist"):
        Provider(canvas_settings, aws.clock, context).create({"DomainId": DOMAIN, "CanvasAppSettings": SETTINGS})


def test_unknown_field_is_rejected_before_any_call(aws, context, domain):
    with pytest.raises(ValueError, match="unknown field 'Bogus'"):
        Provider(canvas_settings, aws.clock, context).create(
            {"DomainId": DOMAIN, "CanvasAppSettings": {"Bogus": {"Status": "ENABLED"}}}
        )
    assert domain.calls["UpdateDomain"] == 0


def test_target_change_gets_a_new_physical_id(aws, context, domain):
    p = Provider(canvas_settings, aws.clock, context)
    p.create({"DomainId": DOMAIN, "CanvasAppSettings": SETTINGS})
    old = p.physical_id
    response = p.update(
        {"DomainId": DOMAIN, "UserProfileName": "alice", "CanvasAppSettings": SETTINGS},
        {"DomainId": DOMAIN, "CanvasAppSettings": SETTINGS},
    )
    assert response["PhysicalResourceId"] != old


def test_throttling_in_on_event_and_polls_is_survived(aws, context, domain):
    domain.inject_throttles("DescribeDomain", 3)  # on_event's describe and the first two polls
    domain.inject_transient("UpdateDomain", "service-unavailable")
    p = Provider(canvas_settings, aws.clock, context)
    p.create({"DomainId": DOMAIN, "CanvasAppSettings": SETTINGS})
    assert domain.injected_count == 4
    assert domain.calls["UpdateDomain"] == 2  # the 503, then the update that went through
    assert domain.domains[DOMAIN].data["DefaultUserSettings"]["CanvasAppSettings"] == SETTINGS
