"""Canvas settings: CanvasAppSettings is not in the CloudFormation schema, so it is set here.

Properties (strings, as CloudFormation sends them):
  DomainId            the Studio domain
  UserProfileName     optional; when set the profile's UserSettings are updated, else the domain's
                      DefaultUserSettings
  CanvasAppSettings   the SageMaker API's CanvasAppSettings structure (string leaves are converted to the
                      types of the API model)

Only UserSettings.CanvasAppSettings / DefaultUserSettings.CanvasAppSettings is ever sent, so nothing that
CloudFormation owns is touched. The domain or profile must be InService to accept an update and turns
Updating afterwards: on_event issues the update when it can (else defers it), is_complete issues a deferred
update and waits for InService. Delete resets the settings (every feature disabled). A throttled or otherwise
transient failure is deferred the same way: to is_complete, then from poll to poll until the Provider's deadline.
"""

from __future__ import annotations

from typing import Any

import _common

# Values sent on Delete (and for sub-settings an Update removes). Every sub-setting with a Status is disabled;
# role/path-only ones are sent empty.
RESET_VALUES: dict[str, Any] = {
    "TimeSeriesForecastingSettings": {"Status": "DISABLED"},
    "ModelRegisterSettings": {"Status": "DISABLED"},
    "WorkspaceSettings": {},
    "DirectDeploySettings": {"Status": "DISABLED"},
    "KendraSettings": {"Status": "DISABLED"},
    "GenerativeAiSettings": {},
    "EmrServerlessSettings": {"Status": "DISABLED"},
}
BUSY_STATUSES = frozenset({"Pending", "Updating"})
GONE_STATUSES = frozenset({"Deleting", "Failed", "Delete_Failed"})


@_common.entry("canvas_settings.on_event")
def on_event(event: dict[str, Any], context: Any) -> dict[str, Any]:
    _common.log_event("canvas_settings.on_event", event)
    props = _common.resource_properties(event)
    domain_id = _common.require(props, "DomainId")
    profile = _common.optional_str(props, "UserProfileName")
    physical_id = _physical_id(event, domain_id, profile)
    desired = _desired(event)
    sagemaker = _common.client("sagemaker")
    data: dict[str, Any] = {
        "DomainId": domain_id,
        "Target": _label(domain_id, profile),
        _common.STARTED_AT: _common.started_at(),
    }

    try:
        current = _describe(sagemaker, domain_id, profile)
    except Exception as exc:
        if not _common.is_transient(exc):
            raise
        # is_complete describes the target again and issues the update it finds missing.
        _common.warning("update deferred to the first poll", target=data["Target"], **_common.error_fields(exc))
        return {"PhysicalResourceId": physical_id, "Data": {**data, "UpdateIssued": "false"}}
    if current is None:
        if event["RequestType"] == "Delete":
            _common.info("target already gone; nothing to reset", target=data["Target"])
            return {"PhysicalResourceId": physical_id, "Data": {**data, "UpdateIssued": "false"}}
        raise RuntimeError(f"{data['Target']} does not exist")

    status = current.get("Status")
    if event["RequestType"] == "Delete" and status in GONE_STATUSES:
        _common.info("target is being deleted or failed; nothing to reset", target=data["Target"], status=status)
        return {"PhysicalResourceId": physical_id, "Data": {**data, "UpdateIssued": "false"}}

    issued = status not in BUSY_STATUSES and _update(sagemaker, domain_id, profile, desired)
    return {
        "PhysicalResourceId": physical_id,
        "Data": {**data, "UpdateIssued": "true" if issued else "false"},
    }


@_common.poll("canvas_settings.is_complete")
def is_complete(event: dict[str, Any], context: Any) -> dict[str, Any]:
    _common.log_event("canvas_settings.is_complete", event)
    props = _common.resource_properties(event)
    domain_id = _common.require(props, "DomainId")
    profile = _common.optional_str(props, "UserProfileName")
    target = _label(domain_id, profile)
    issued = _common.as_bool((event.get("Data") or {}).get("UpdateIssued"), "UpdateIssued")
    desired = _desired(event)
    sagemaker = _common.client("sagemaker")

    current = _describe(sagemaker, domain_id, profile)
    if current is None:
        if event["RequestType"] == "Delete":
            return {"IsComplete": True}
        raise RuntimeError(f"{target} disappeared while its Canvas settings were being applied")
    status = current.get("Status")
    if event["RequestType"] == "Delete" and status in GONE_STATUSES:
        return {"IsComplete": True}
    if status == "Update_Failed":
        raise RuntimeError(f"Updating {target} failed: {current.get('FailureReason') or 'no reason given'}")
    if status in BUSY_STATUSES:
        _common.info("waiting for InService", target=target, status=status)
        return {"IsComplete": False, _common.WAITING: f"{target} to be InService (it is {status})"}
    if status != "InService":
        raise RuntimeError(f"{target} is {status}: {current.get('FailureReason') or 'no reason given'}")

    if not issued and not _contains(_current_settings(current, profile), desired):
        # Deferred by on_event (the target was busy): issue it now and wait for the next InService.
        _update(sagemaker, domain_id, profile, desired)
        return {"IsComplete": False, _common.WAITING: f"the Canvas settings update of {target}"}
    _common.info("canvas settings applied", target=target, request_type=event["RequestType"])
    return {"IsComplete": True}


# ----------------------------------------------------------------------------------------------------------
def _label(domain_id: str, profile: str | None) -> str:
    return f"user profile {profile} in domain {domain_id}" if profile else f"domain {domain_id}"


def _physical_id(event: dict[str, Any], domain_id: str, profile: str | None) -> str:
    wanted = f"canvas-settings:{domain_id}:{profile or '*'}"
    existing = event.get("PhysicalResourceId")
    if event["RequestType"] == "Delete" and existing:
        return str(existing)
    # A different target gets a new id: CloudFormation then resets the old target with a Delete.
    return wanted


def _settings(props: dict[str, Any]) -> dict[str, Any]:
    raw = props.get("CanvasAppSettings") or {}
    settings: dict[str, Any] = _common.coerce_to_shape(raw, _common.api_shape("sagemaker", "CanvasAppSettings"))
    return settings


def _reset_for(keys: set[str], old: dict[str, Any]) -> dict[str, Any]:
    reset: dict[str, Any] = {}
    for key in sorted(keys):
        if key == "IdentityProviderOAuthSettings":
            reset[key] = [
                {"DataSourceName": item["DataSourceName"], "Status": "DISABLED"}
                for item in old.get(key, [])
                if item.get("DataSourceName")
            ]
        elif key in RESET_VALUES:
            reset[key] = RESET_VALUES[key]
    return reset


def _desired(event: dict[str, Any]) -> dict[str, Any]:
    props = _common.resource_properties(event)
    new = _settings(props)
    if event["RequestType"] == "Delete":
        return _reset_for(set(RESET_VALUES) | set(new), new)
    if event["RequestType"] == "Update":
        old = _settings(_common.old_resource_properties(event))
        same_target = all(
            _common.old_resource_properties(event).get(k) == props.get(k) for k in ("DomainId", "UserProfileName")
        )
        if same_target:
            # Sub-settings dropped from the config are reset rather than left behind.
            return {**_reset_for(set(old) - set(new), old), **new}
    return new


def _describe(sagemaker: Any, domain_id: str, profile: str | None) -> dict[str, Any] | None:
    try:
        if profile:
            return dict(sagemaker.describe_user_profile(DomainId=domain_id, UserProfileName=profile))
        return dict(sagemaker.describe_domain(DomainId=domain_id))
    except Exception as exc:
        if _common.is_not_found(exc):
            return None
        raise


def _current_settings(described: dict[str, Any], profile: str | None) -> dict[str, Any]:
    settings = described.get("UserSettings" if profile else "DefaultUserSettings") or {}
    return dict(settings.get("CanvasAppSettings") or {})


def _contains(current: Any, desired: Any) -> bool:
    """True when every leaf of desired is present with the same value in current."""
    if isinstance(desired, dict):
        return isinstance(current, dict) and all(_contains(current.get(k), v) for k, v in desired.items())
    if isinstance(desired, list):
        return isinstance(current, list) and all(any(_contains(c, d) for c in current) for d in desired)
    return bool(current == desired)


def _update(sagemaker: Any, domain_id: str, profile: str | None, settings: dict[str, Any]) -> bool:
    """Issue the update; False when the target was busy (the caller retries later)."""
    try:
        if profile:
            sagemaker.update_user_profile(
                DomainId=domain_id, UserProfileName=profile, UserSettings={"CanvasAppSettings": settings}
            )
        else:
            sagemaker.update_domain(DomainId=domain_id, DefaultUserSettings={"CanvasAppSettings": settings})
    except Exception as exc:
        if _common.error_code(exc) == "ResourceInUse" or _common.is_transient(exc):
            _common.warning("update deferred", target=_label(domain_id, profile), **_common.error_fields(exc))
            return False
        raise
    _common.info("canvas settings update issued", target=_label(domain_id, profile), settings=settings)
    return True
