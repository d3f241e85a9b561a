from __future__ import annotations

import json
from collections import Counter

import _common
import pytest
import studio_teardown
from botocore.exceptions import ClientError
from fake_sagemaker import ACCOUNT
from provider_harness import LAMBDA_TIMEOUT_MS, FakeContext, Provider, cfn_event

DOMAIN = "d-abc123"
PROPS = {
    "DomainId": DOMAIN,
    "UserProfileNames": ["alice", "bob"],
    "SpaceNames": ["shared-team", "alice-private"],
    "DeletePrivateSpaceData": True,
    "TimeoutMinutes": 60,
}
STACK_SPACES = {"shared-team", "alice-private"}
UI_SPACES = {"alice-ui", "CanvasManagedSpace-alice", "bob-ui"}


@pytest.fixture
def studio(aws):
    sm = aws.sagemaker
    sm.add_domain(DOMAIN)
    for user in ("alice", "bob", "carol"):
        sm.add_user_profile(DOMAIN, user)
    sm.add_space(DOMAIN, "shared-team", owner="alice", sharing="Shared")
    sm.add_space(DOMAIN, "alice-private", owner="alice")
    sm.add_space(DOMAIN, "alice-ui", owner="alice")
    sm.add_space(DOMAIN, "CanvasManagedSpace-alice", owner="alice", app_type="Canvas")
    sm.add_space(DOMAIN, "bob-ui", owner="bob", sharing="Shared")
    sm.add_space(DOMAIN, "carol-ui", owner="carol")
    keys = {
        "alice-canvas": sm.add_app(DOMAIN, "default", "Canvas", user_profile="alice"),
        "alice-failed": sm.add_app(DOMAIN, "old", "KernelGateway", user_profile="alice", status="Failed"),
        "alice-deleted": sm.add_app(DOMAIN, "gone", "JupyterServer", user_profile="alice", status="Deleted"),
        "shared": sm.add_app(DOMAIN, "default", "JupyterLab", space="shared-team"),
        "alice-private": sm.add_app(DOMAIN, "default", "JupyterLab", space="alice-private"),
        "alice-ui": sm.add_app(DOMAIN, "default", "CodeEditor", space="alice-ui"),
        "alice-canvas-space": sm.add_app(DOMAIN, "default", "Canvas", space="CanvasManagedSpace-alice"),
        "bob-ui": sm.add_app(DOMAIN, "default", "JupyterLab", space="bob-ui"),
        "bob-tb": sm.add_app(DOMAIN, "tb", "TensorBoard", user_profile="bob"),
        "carol": sm.add_app(DOMAIN, "default", "Canvas", user_profile="carol"),
        "carol-ui": sm.add_app(DOMAIN, "default", "JupyterLab", space="carol-ui"),
    }
    return keys


def provider(aws, context, **kw):
    return Provider(studio_teardown, aws.clock, context, **kw)


def spaces(aws):
    return {k[1] for k in aws.sagemaker.spaces}


def test_delete_tears_down_apps_and_ui_spaces_in_order(aws, context, studio):
    sm = aws.sagemaker
    start = aws.clock.time()
    response = provider(aws, context).delete(PROPS, physical_id=f"studio-teardown:{DOMAIN}:Resource")

    guarded = [k for name, k in studio.items() if not name.startswith("carol")]
    for key in guarded:
        assert sm.app_status(key) in {"Deleted", "Failed"}, key
    assert sm.app_status(studio["carol"]) == "InService"
    assert sm.app_status(studio["carol-ui"]) == "InService"
    assert spaces(aws) == STACK_SPACES | {"carol-ui"}
    assert {p["SpaceName"] for p in sm.params_of("DeleteSpace")} == UI_SPACES
    # Failed and Deleted apps are never sent to DeleteApp; the rest exactly once.
    deleted = {
        (p.get("UserProfileName") or p.get("SpaceName"), p["AppType"], p["AppName"]) for p in sm.params_of("DeleteApp")
    }
    assert ("alice", "KernelGateway", "old") not in deleted
    assert ("alice", "JupyterServer", "gone") not in deleted
    assert sm.calls["DeleteApp"] == 7
    # Apps in a space are deleted by SpaceName, profile apps by UserProfileName.
    for params in sm.params_of("DeleteApp"):
        assert ("SpaceName" in params) != ("UserProfileName" in params)
    assert response["Data"]["AppsDeleted"] == "7"
    assert response["Data"]["SpacesDeleted"] == "3"
    assert response["PhysicalResourceId"] == f"studio-teardown:{DOMAIN}:Resource"
    # All deletes went out at once: the whole teardown takes one app latency plus one space latency.
    assert aws.clock.time() - start <= sm.app_delete_latency + sm.space_delete_latency + 2 * 30


def test_no_space_is_deleted_before_its_apps(aws, context, studio):
    sm = aws.sagemaker
    provider(aws, context).delete(PROPS, physical_id="x")
    for when, what, key in sm.history:
        if what != "space-delete":
            continue
        space = key[1]
        app_done = [t for t, w, k in sm.history if w == "app-Deleted" and k[1:3] == ("space", space)]
        assert app_done and max(app_done) <= when, space
    # ...and no DeleteSpace was ever attempted early (the fake would have rejected it with ResourceInUse).
    assert sm.calls["DeleteSpace"] == len(UI_SPACES)


def test_profiles_are_deletable_afterwards(aws, context, studio):
    """What CloudFormation does next must work: delete stack spaces, then the profiles."""
    provider(aws, context).delete(PROPS, physical_id="x")
    client = aws.sagemaker.attach(__import__("boto3").client("sagemaker", region_name="us-east-1"))
    for space in STACK_SPACES:
        client.delete_space(DomainId=DOMAIN, SpaceName=space)
    aws.clock.advance(600)
    for user in ("alice", "bob"):
        client.delete_user_profile(DomainId=DOMAIN, UserProfileName=user)
    with pytest.raises(ClientError, match="ResourceInUse"):
        client.delete_user_profile(DomainId=DOMAIN, UserProfileName="carol")


def test_private_spaces_without_permission_fail_fast(aws, context, studio):
    props = {**PROPS, "DeletePrivateSpaceData": False}
    with pytest.raises(RuntimeError) as err:
        provider(aws, context).delete(props, physical_id="x")
    message = str(err.value)
    assert "alice-ui" in message and "alice-private" in message
    assert "CanvasManagedSpace-alice" not in message  # service-managed, deleted regardless
    assert "bob-ui" not in message  # shared
    assert "teardown.delete_private_space_data: true" in message
    assert aws.sagemaker.calls["DeleteApp"] == 0
    assert aws.sagemaker.calls["DeleteSpace"] == 0
    assert not aws.sagemaker.live_apps() or all(
        aws.sagemaker.app_status(k) == "InService" for k in aws.sagemaker.live_apps()
    )


def test_canvas_space_alone_needs_no_permission(aws, context):
    sm = aws.sagemaker
    sm.add_domain(DOMAIN)
    sm.add_user_profile(DOMAIN, "dave")
    sm.add_space(DOMAIN, "CanvasManagedSpace-dave", owner="dave", app_type="Canvas")
    key = sm.add_app(DOMAIN, "default", "Canvas", space="CanvasManagedSpace-dave")
    props = {
        "DomainId": DOMAIN,
        "UserProfileNames": ["dave"],
        "SpaceNames": [],
        "DeletePrivateSpaceData": False,
    }
    provider(aws, context).delete(props, physical_id="x")
    assert sm.app_status(key) == "Deleted"
    assert "CanvasManagedSpace-dave" not in spaces(aws)


def test_delete_delivered_twice_is_idempotent(aws, context, studio):
    p = provider(aws, context)
    p.delete(PROPS, physical_id="x")
    calls = dict(aws.sagemaker.calls)
    p.delete(PROPS, physical_id="x")
    assert aws.sagemaker.calls["DeleteApp"] == calls["DeleteApp"]
    assert aws.sagemaker.calls["DeleteSpace"] == calls["DeleteSpace"]
    assert p.polls == 1


def test_on_event_delivered_twice_before_polling(aws, context, studio):
    event = cfn_event("Delete", PROPS, physical_id="x")
    first = studio_teardown.on_event(event, context)
    second = studio_teardown.on_event(event, context)
    assert first["PhysicalResourceId"] == second["PhysicalResourceId"] == "x"
    assert aws.sagemaker.calls["DeleteApp"] == 7  # the second delivery saw them Deleting
    provider(aws, context).delete(PROPS, physical_id="x")
    assert spaces(aws) == STACK_SPACES | {"carol-ui"}


def test_update_removing_a_profile_tears_down_only_that_profile(aws, context, studio):
    sm = aws.sagemaker
    new = {**PROPS, "UserProfileNames": ["alice"]}
    response = provider(aws, context).update(new, PROPS, physical_id="keep-me")
    assert response["PhysicalResourceId"] == "keep-me"
    assert sm.app_status(studio["bob-tb"]) == "Deleted"
    assert sm.app_status(studio["bob-ui"]) == "Deleted"
    assert "bob-ui" not in spaces(aws)
    for name in ("alice-canvas", "shared", "alice-private", "alice-ui", "alice-canvas-space", "carol"):
        assert sm.app_status(studio[name]) == "InService", name
    assert {p.get("UserProfileName") or p.get("SpaceName") for p in sm.params_of("DeleteApp")} == {
        "bob",
        "bob-ui",
    }


def test_update_removing_a_shared_space_only_clears_its_apps(aws, context, studio):
    sm = aws.sagemaker
    new = {**PROPS, "SpaceNames": ["alice-private"]}
    provider(aws, context).update(new, PROPS, physical_id="keep-me")
    assert sm.app_status(studio["shared"]) == "Deleted"
    assert "shared-team" in spaces(aws)  # CloudFormation deletes it
    assert sm.calls["DeleteSpace"] == 0
    assert sm.calls["DeleteApp"] == 1


def test_update_without_removals_and_create_touch_nothing(aws, context, studio):
    p = provider(aws, context)
    created = p.create(PROPS)
    assert created["PhysicalResourceId"] == f"studio-teardown:{DOMAIN}:Resource"
    p.update({**PROPS, "UserProfileNames": ["alice", "bob", "erin"], "TimeoutMinutes": 30}, PROPS)
    assert p.physical_id == f"studio-teardown:{DOMAIN}:Resource"
    assert sum(aws.sagemaker.calls[op] for op in ("DeleteApp", "DeleteSpace")) == 0
    assert aws.sagemaker.calls["ListApps"] == 0  # nothing to tear down, nothing listed


def test_domain_replacement_changes_the_physical_id_and_defers_to_delete(aws, context, studio):
    p = provider(aws, context)
    response = p.update({**PROPS, "DomainId": "d-new999"}, PROPS, physical_id=f"studio-teardown:{DOMAIN}:Resource")
    assert response["PhysicalResourceId"] == "studio-teardown:d-new999:Resource"
    assert aws.sagemaker.calls["DeleteApp"] == 0


def test_stuck_app_fails_with_its_name_after_timeout(aws, context):
    sm = aws.sagemaker
    sm.add_domain(DOMAIN)
    sm.add_user_profile(DOMAIN, "alice")
    sm.add_app(DOMAIN, "default", "Canvas", user_profile="alice", stuck=True)
    sm.add_app(DOMAIN, "fine", "JupyterServer", user_profile="alice")
    props = {"DomainId": DOMAIN, "UserProfileNames": ["alice"], "TimeoutMinutes": 5}
    p = provider(aws, context)
    with pytest.raises(TimeoutError) as err:
        p.delete(props, physical_id="x")
    assert "Canvas/default (profile alice, Deleting)" in str(err.value)
    assert "JupyterServer/fine" not in str(err.value)
    assert "TimeoutMinutes=5" in str(err.value)
    assert 5 * 60 <= p.polls * 30 <= 6 * 60 + 30


def test_app_in_deleting_state_is_waited_for_not_redeleted(aws, context):
    sm = aws.sagemaker
    sm.add_domain(DOMAIN)
    sm.add_user_profile(DOMAIN, "alice")
    key = sm.add_app(DOMAIN, "default", "JupyterServer", user_profile="alice")
    sm._schedule(sm.apps[key], "Deleting", "Deleted", 90)
    provider(aws, context).delete({"DomainId": DOMAIN, "UserProfileNames": ["alice"]}, physical_id="x")
    assert sm.calls["DeleteApp"] == 0
    assert sm.app_status(key) == "Deleted"


def test_throttled_deletes_are_reissued_and_logged(aws, context, studio, capsys):
    sm = aws.sagemaker
    sm.inject_throttles("DeleteApp", 3)
    sm.inject_throttles("DeleteSpace", 2)
    provider(aws, context).delete(PROPS, physical_id="x")
    assert sm.calls["DeleteApp"] == 7 + 3
    assert spaces(aws) == STACK_SPACES | {"carol-ui"}
    for key, status in ((k, sm.app_status(k)) for n, k in studio.items() if not n.startswith("carol")):
        assert status in {"Deleted", "Failed"}, key
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    deferred = [line for line in lines if line["message"] == "delete_app deferred"]
    assert len(deferred) == 3 and all(line["error_code"] == "ThrottlingException" for line in deferred)


def _log_lines(capsys):
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]


def _assert_torn_down(aws, studio):
    sm = aws.sagemaker
    for name, key in studio.items():
        expected = {"InService"} if name.startswith("carol") else {"Deleted", "Failed"}
        assert sm.app_status(key) in expected, name
    assert spaces(aws) == STACK_SPACES | {"carol-ui"}


def test_throttle_burst_on_listing_during_polls_is_survived(aws, context, studio, capsys):
    """The issue's case: ListApps throttled in on_event and in the first polls; an hour of polling is left."""
    sm = aws.sagemaker
    sm.inject_throttles("ListApps", 4)
    p = provider(aws, context)
    p.delete(PROPS, physical_id="x")
    _assert_torn_down(aws, studio)
    assert sm.calls["DeleteApp"] == 7  # each live app deleted once, after the burst
    lines = _log_lines(capsys)
    deferred = [line for line in lines if line.get("error_code") == "ThrottlingException"]
    assert len(deferred) == 4
    assert {line["operation"] for line in deferred} == {"ListApps"}
    assert {line["error_message"] for line in deferred} == {"Rate exceeded"}
    assert sum(line["message"] == "transient error; tried again on the next poll" for line in lines) == 3


@pytest.mark.parametrize("kind", ["throttling", "service-unavailable", "internal-failure", "read-timeout"])
@pytest.mark.parametrize("operation", ["ListSpaces", "ListApps", "DeleteApp", "DeleteSpace", "*"])
def test_transient_errors_on_any_call_are_survived(aws, context, studio, operation, kind):
    sm = aws.sagemaker
    sm.inject_transient(operation, kind, count=5)
    provider(aws, context).delete(PROPS, physical_id="x")
    assert sm.injected_count == 5
    _assert_torn_down(aws, studio)


def test_throttling_past_the_provider_deadline_fails_with_the_throttle_message(aws, context, studio, monkeypatch):
    monkeypatch.setenv(_common.TOTAL_TIMEOUT_ENV, "1200")  # shorter than TimeoutMinutes=60
    monkeypatch.setenv(_common.QUERY_INTERVAL_ENV, "30")
    sm = aws.sagemaker
    start = aws.clock.time()
    sm.throttle_for(3 * 3600, "ListApps")
    p = provider(aws, context)
    with pytest.raises(_common.DeadlineExceeded) as err:
        p.delete(PROPS, physical_id="x")
    message = str(err.value)
    assert "ListApps: ThrottlingException: Rate exceeded" in message
    assert "total timeout of 20 min" in message
    # It kept polling until the deadline (total timeout less one interval), not a poll longer.
    assert 1200 - 30 <= aws.clock.time() - start < 1200
    assert sm.calls["DeleteApp"] == 0


def test_throttling_past_timeout_minutes_fails_with_the_throttle_message(aws, context, studio):
    aws.sagemaker.throttle_for(3 * 3600)  # every operation
    props = {**PROPS, "TimeoutMinutes": 10}
    start = aws.clock.time()
    with pytest.raises(_common.DeadlineExceeded, match=r"TimeoutMinutes=10.*ThrottlingException: Rate exceeded"):
        provider(aws, context).delete(props, physical_id="x")
    assert 600 <= aws.clock.time() - start <= 630


def test_validation_exception_from_delete_app_fails_with_its_message(aws, context, studio, capsys):
    sm = aws.sagemaker
    message = "Cannot delete app default of type JupyterLab while its space is being updated."
    sm.inject_error("DeleteApp", "ValidationException", message=message)
    with pytest.raises(RuntimeError) as err:
        provider(aws, context).delete(PROPS, physical_id="x")
    assert f"ValidationException: {message}" in str(err.value)
    assert sm.calls["DeleteApp"] == 1  # not re-sent until the deadline
    rejected = [line for line in _log_lines(capsys) if line["message"] == "delete_app rejected"]
    assert len(rejected) == 1
    assert rejected[0]["error_code"] == "ValidationException"
    assert rejected[0]["error_message"] == message


def test_validation_exception_for_an_app_that_just_went_is_a_race(aws, context, studio):
    """DeleteApp rejects an app that turned Deleted after the listing; DescribeApp shows the race."""
    sm = aws.sagemaker

    def someone_else_deleted_it(params):
        key = sm._app_key(params)
        if sm.apps[key].data["Status"] == "InService" and key[2] == "shared-team":
            sm.apps[key].data["Status"] = "Deleted"

    sm.on_call("DeleteApp", someone_else_deleted_it)
    provider(aws, context).delete(PROPS, physical_id="x")
    _assert_torn_down(aws, studio)
    assert sm.calls["DescribeApp"] == 1


def test_double_delivery_with_throttling_is_still_idempotent(aws, context, studio):
    sm = aws.sagemaker
    event = cfn_event("Delete", PROPS, physical_id="x")
    sm.inject_throttles("*", 3)  # the first delivery's listing and two deletes
    studio_teardown.on_event(event, context)
    studio_teardown.on_event(event, context)
    sm.inject_throttles("*", 3)
    p = provider(aws, context)
    p.delete(PROPS, physical_id="x")
    p.delete(PROPS, physical_id="x")
    _assert_torn_down(aws, studio)
    issued = Counter(key for _, what, key in sm.history if what == "app-delete")
    assert len(issued) == 7 and set(issued.values()) == {1}
    assert Counter(key for _, what, key in sm.history if what == "space-delete") == {
        (DOMAIN, name): 1 for name in UI_SPACES
    }


def test_work_stops_before_the_lambda_timeout_and_resumes_on_the_next_poll(aws, clock):
    """With slow calls, one invocation cannot issue every delete in its 5 minutes; it stops at the safety
    margin (from the context's remaining time) and the next poll carries on. No invocation times out."""
    sm = aws.sagemaker
    sm.call_latency = 2.0
    sm.add_domain(DOMAIN)
    users = [f"user{i:03d}" for i in range(150)]
    for user in users:
        sm.add_user_profile(DOMAIN, user)
        sm.add_app(DOMAIN, "default", "Canvas", user_profile=user)
    ctx = FakeContext(f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:handler", clock=clock)
    response = Provider(studio_teardown, clock, ctx).delete(
        {"DomainId": DOMAIN, "UserProfileNames": users}, physical_id="x"
    )
    assert sm.live_apps() == []
    assert sm.calls["DeleteApp"] == 150
    assert int(response["Data"]["AppsDeleted"]) < 150  # on_event ran out of budget first
    assert ctx.longest_ms <= LAMBDA_TIMEOUT_MS - _common.SAFETY_MARGIN_MS + _common.worst_case_call_seconds() * 1000


def test_unexpected_delete_app_error_is_raised(aws, context, studio):
    aws.sagemaker.inject_error("DeleteApp", "AccessDeniedException")
    with pytest.raises(ClientError, match="AccessDenied"):
        provider(aws, context).delete(PROPS, physical_id="x")


def test_pending_app_is_deleted_once_in_service(aws, context):
    sm = aws.sagemaker
    sm.add_domain(DOMAIN)
    sm.add_user_profile(DOMAIN, "alice")
    client = sm.attach(__import__("boto3").client("sagemaker", region_name="us-east-1"))
    client.create_app(DomainId=DOMAIN, UserProfileName="alice", AppType="JupyterServer", AppName="default")
    provider(aws, context).delete({"DomainId": DOMAIN, "UserProfileNames": ["alice"]}, physical_id="x")
    assert sm.live_apps() == []
    assert sm.calls["DeleteApp"] >= 2  # first attempt hit Pending (ResourceInUse)


def test_pagination_everywhere(aws, context, studio):
    sm = aws.sagemaker
    sm.page_size = 2
    for i in range(7):
        sm.add_user_profile(DOMAIN, f"user{i}")
        sm.add_app(DOMAIN, "default", "Canvas", user_profile=f"user{i}")
    props = {**PROPS, "UserProfileNames": ["alice", "bob"] + [f"user{i}" for i in range(7)]}
    provider(aws, context).delete(props, physical_id="x")
    assert [k for k in sm.live_apps() if k[2] != "carol" and k[2] != "carol-ui"] == []
    list_apps = sm.params_of("ListApps")
    assert any(p.get("NextToken") for p in list_apps)
    assert any(p.get("NextToken") for p in sm.params_of("ListSpaces"))


def test_domain_or_profiles_already_gone(aws, context):
    provider(aws, context).delete(PROPS, physical_id="x")  # no domain at all
    aws.sagemaker.add_domain(DOMAIN)
    response = provider(aws, context).delete(PROPS, physical_id="x")  # domain without profiles
    assert response["Data"]["AppsDeleted"] == "0"
    assert aws.sagemaker.calls["DeleteApp"] == 0


def test_space_delete_failed_is_reported(aws, context):
    sm = aws.sagemaker
    sm.add_domain(DOMAIN)
    sm.add_user_profile(DOMAIN, "alice")
    sm.add_space(DOMAIN, "broken", owner="alice", sharing="Shared", status="Delete_Failed")
    sm.spaces[(DOMAIN, "broken")].data["FailureReason"] = "EBS volume busy"
    with pytest.raises(RuntimeError, match=r"broken.*EBS volume busy"):
        provider(aws, context).delete({"DomainId": DOMAIN, "UserProfileNames": ["alice"]}, physical_id="x")


@pytest.mark.parametrize(
    ("prop", "value"),
    [
        ("DeletePrivateSpaceData", "yes"),
        ("TimeoutMinutes", "soon"),
        ("UserProfileNames", "alice"),
        ("TimeoutMinutes", "0"),
    ],
)
def test_bad_properties_fail(aws, context, prop, value):
    with pytest.raises(ValueError, match=prop):
        studio_teardown.on_event(cfn_event("Create", {**PROPS, prop: value}), context)
