"""Studio teardown: delete the apps and UI-created spaces of user profiles before CloudFormation deletes them.

Properties (strings, as CloudFormation sends them):
  DomainId                 the Studio domain
  UserProfileNames         user profiles managed by the stack
  SpaceNames               spaces managed by the stack (shared and private)
  DeletePrivateSpaceData   "true" to allow deleting private spaces (and their EBS data) of departing users
  TimeoutMinutes           optional; fail (naming what is stuck) when the teardown takes longer

The resource depends on the profiles and spaces it guards, so CloudFormation deletes it first. On Delete the
whole guarded set is torn down; on Update only the profiles and spaces that were removed from the properties.

Teardown of a set:
  * every app of a guarded profile and every app in a guarded or profile-owned space is deleted (apps that are
    Deleted or Failed are skipped, Deleting ones are waited for);
  * spaces owned by a guarded profile that the stack does not manage (created in the UI, or Canvas-managed)
    are deleted once they hold no live apps;
  * spaces the stack manages are only made app-free: CloudFormation deletes them afterwards.
on_event issues every delete at once; is_complete polls, re-issues what could not be done yet and finishes
when nothing is left. Throttling and other transient errors (on_event's listing, any call of a poll) are left to
the next poll; the deadline (TimeoutMinutes, or the Provider's total timeout if earlier) bounds the retries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import _common

LIVE_APP_STATUSES = frozenset({"InService", "Pending"})
BUSY_APP_STATUSES = LIVE_APP_STATUSES | {"Deleting"}
CANVAS_SPACE_PREFIX = "CanvasManagedSpace-"
CONFIG_HINT = "teardown.delete_private_space_data: true"


@dataclass(frozen=True)
class Target:
    domain_id: str
    profiles: frozenset[str]
    guarded_spaces: frozenset[str]
    stack_spaces: frozenset[str]
    delete_private_space_data: bool
    timeout_minutes: int | None

    @property
    def empty(self) -> bool:
        return not self.profiles and not self.guarded_spaces


@dataclass
class Scan:
    apps: list[dict[str, Any]] = field(default_factory=list)
    spaces: dict[str, dict[str, Any]] = field(default_factory=dict)
    user_spaces: dict[str, dict[str, Any]] = field(default_factory=dict)
    private_spaces_at_risk: list[str] = field(default_factory=list)

    def busy_apps(self) -> list[dict[str, Any]]:
        return [a for a in self.apps if a.get("Status") in BUSY_APP_STATUSES]

    def busy_apps_in(self, space_name: str) -> list[dict[str, Any]]:
        return [a for a in self.busy_apps() if a.get("SpaceName") == space_name]


# ----------------------------------------------------------------------------------------------------------
# Entry points
# ----------------------------------------------------------------------------------------------------------
@_common.entry("studio_teardown.on_event")
def on_event(event: dict[str, Any], context: Any) -> dict[str, Any]:
    _common.log_event("studio_teardown.on_event", event)
    request_type = event["RequestType"]
    props = _common.resource_properties(event)
    domain_id = _common.require(props, "DomainId")
    _target_from_event(event)  # validate every property up front, on Create too
    physical_id = _physical_id(event, domain_id)

    data: dict[str, Any] = {"DomainId": domain_id, _common.STARTED_AT: _common.started_at()}
    if request_type == "Create" or (request_type == "Update" and _domain_replaced(event)):
        # Create has nothing to guard yet. A new domain id means the domain was replaced: CloudFormation then
        # sends a Delete with the old properties for the old physical id once the update has succeeded.
        return {"PhysicalResourceId": physical_id, "Data": {**data, "AppsDeleted": "0", "SpacesDeleted": "0"}}

    target = _target_from_event(event)
    if target.empty:
        _common.info("nothing to tear down", domain_id=domain_id)
        return {"PhysicalResourceId": physical_id, "Data": {**data, "AppsDeleted": "0", "SpacesDeleted": "0"}}

    sagemaker = _common.client("sagemaker")
    try:
        scan = _scan(sagemaker, target)
    except Exception as exc:
        if not _common.is_transient(exc):
            raise
        # Every poll scans and deletes afresh, so the first one does this request's work.
        _common.warning("listing deferred to the first poll", domain_id=domain_id, **_common.error_fields(exc))
        return {"PhysicalResourceId": physical_id, "Data": {**data, "AppsDeleted": "0", "SpacesDeleted": "0"}}
    if scan is None:
        _common.info("domain already gone", domain_id=domain_id)
        return {"PhysicalResourceId": physical_id, "Data": {**data, "AppsDeleted": "0", "SpacesDeleted": "0"}}
    _refuse_private_data_loss(target, scan)  # before anything is deleted

    apps_deleted = _delete_apps(sagemaker, target, scan, context)
    _delete_empty_spaces(sagemaker, target, scan, context)
    _common.info(
        "teardown started",
        domain_id=domain_id,
        profiles=sorted(target.profiles),
        guarded_spaces=sorted(target.guarded_spaces),
        delete_app_calls=apps_deleted,
        spaces_to_delete=sorted(scan.user_spaces),
    )
    data.update(AppsDeleted=str(apps_deleted), SpacesDeleted=str(len(scan.user_spaces)))
    return {"PhysicalResourceId": physical_id, "Data": data}


def _own_deadline(event: dict[str, Any]) -> _common.Deadline | None:
    """StartedAt + TimeoutMinutes, when both are known."""
    props = _common.resource_properties(event)
    timeout = _common.as_int(props.get("TimeoutMinutes"), "TimeoutMinutes")
    started = _common.request_started(event)
    if timeout is None or started is None:
        return None
    return started + timeout * 60, f"TimeoutMinutes={timeout}"


@_common.poll("studio_teardown.is_complete", deadline=_own_deadline)
def is_complete(event: dict[str, Any], context: Any) -> dict[str, Any]:
    _common.log_event("studio_teardown.is_complete", event)
    if event["RequestType"] == "Create":
        return {"IsComplete": True}
    if event["RequestType"] == "Update" and _domain_replaced(event):
        return {"IsComplete": True}  # see on_event
    target = _target_from_event(event)
    if target.empty:
        return {"IsComplete": True}

    sagemaker = _common.client("sagemaker")
    scan = _scan(sagemaker, target)
    if scan is None:
        return {"IsComplete": True}
    _refuse_private_data_loss(target, scan)

    _delete_apps(sagemaker, target, scan, context)
    _delete_empty_spaces(sagemaker, target, scan, context)

    busy = scan.busy_apps()
    remaining_spaces = sorted(scan.user_spaces)
    if not busy and not remaining_spaces:
        _common.info("teardown complete", domain_id=target.domain_id)
        return {"IsComplete": True}

    _common.info(
        "teardown in progress",
        domain_id=target.domain_id,
        apps_remaining=len(busy),
        spaces_remaining=len(remaining_spaces),
    )
    _check_deadline(event, target, busy, remaining_spaces)
    return {"IsComplete": False, _common.WAITING: _stuck_text(busy, remaining_spaces)}


# ----------------------------------------------------------------------------------------------------------
# Target computation
# ----------------------------------------------------------------------------------------------------------
def _domain_replaced(event: dict[str, Any]) -> bool:
    old_domain = _common.old_resource_properties(event).get("DomainId")
    return old_domain not in (None, _common.resource_properties(event).get("DomainId"))


def _physical_id(event: dict[str, Any], domain_id: str) -> str:
    """Stable across updates for the same domain; only a domain replacement changes it."""
    wanted = f"studio-teardown:{domain_id}:{event.get('LogicalResourceId', 'resource')}"
    existing = event.get("PhysicalResourceId")
    if event["RequestType"] == "Delete" and existing:
        return str(existing)
    if event["RequestType"] == "Update" and existing and not _domain_replaced(event):
        return str(existing)
    return wanted


def _target_from_event(event: dict[str, Any]) -> Target:
    props = _common.resource_properties(event)
    domain_id = _common.require(props, "DomainId")
    profiles = set(_common.as_list(props.get("UserProfileNames"), "UserProfileNames"))
    spaces = set(_common.as_list(props.get("SpaceNames"), "SpaceNames"))
    allow = _common.as_bool(props.get("DeletePrivateSpaceData"), "DeletePrivateSpaceData", default=False)
    timeout = _common.as_int(props.get("TimeoutMinutes"), "TimeoutMinutes")
    if timeout is not None and timeout <= 0:
        raise ValueError(f"Property TimeoutMinutes must be positive, got {timeout}")

    request_type = event["RequestType"]
    if request_type == "Update":
        old = _common.old_resource_properties(event)
        old_profiles = set(_common.as_list(old.get("UserProfileNames"), "UserProfileNames"))
        old_spaces = set(_common.as_list(old.get("SpaceNames"), "SpaceNames"))
        return Target(
            domain_id=domain_id,
            profiles=frozenset(old_profiles - profiles),
            guarded_spaces=frozenset(old_spaces - spaces),
            stack_spaces=frozenset(old_spaces | spaces),
            delete_private_space_data=allow,
            timeout_minutes=timeout,
        )
    if request_type == "Delete":
        return Target(
            domain_id=domain_id,
            profiles=frozenset(profiles),
            guarded_spaces=frozenset(spaces),
            stack_spaces=frozenset(spaces),
            delete_private_space_data=allow,
            timeout_minutes=timeout,
        )
    return Target(domain_id, frozenset(), frozenset(), frozenset(spaces), allow, timeout)


def _is_canvas_managed(space: dict[str, Any]) -> bool:
    app_type = (space.get("SpaceSettingsSummary") or {}).get("AppType")
    return str(space.get("SpaceName", "")).startswith(CANVAS_SPACE_PREFIX) or app_type == "Canvas"


def _scan(sagemaker: Any, target: Target) -> Scan | None:
    """Current state of everything the teardown touches, or None when the domain no longer exists."""
    try:
        all_spaces = _common.list_spaces(sagemaker, target.domain_id)
        all_apps = _common.list_apps(sagemaker, target.domain_id)
    except Exception as exc:
        if _common.is_not_found(exc):
            return None
        raise

    scan = Scan()
    for space in all_spaces:
        name = space["SpaceName"]
        owner = (space.get("OwnershipSettingsSummary") or {}).get("OwnerUserProfileName")
        owned = owner is not None and owner in target.profiles
        if name not in target.guarded_spaces and not owned:
            continue
        scan.spaces[name] = space
        if name not in target.stack_spaces:
            scan.user_spaces[name] = space
        sharing = (space.get("SpaceSharingSettingsSummary") or {}).get("SharingType")
        # Canvas-managed spaces are created and used by the service for the user's Canvas app; they hold no
        # user-managed data and must go for the profile to be deletable, so they are deleted regardless.
        if owned and sharing == "Private" and not _is_canvas_managed(space):
            scan.private_spaces_at_risk.append(name)

    for app in all_apps:
        in_space = app.get("SpaceName")
        if (in_space and in_space in scan.spaces) or (not in_space and app.get("UserProfileName") in target.profiles):
            scan.apps.append(app)
    scan.private_spaces_at_risk.sort()
    return scan


def _refuse_private_data_loss(target: Target, scan: Scan) -> None:
    if target.delete_private_space_data or not scan.private_spaces_at_risk:
        return
    raise RuntimeError(
        f"Refusing to tear down user profiles in domain {target.domain_id}: they own private spaces whose "
        f"data would be deleted: {_common.summarize(scan.private_spaces_at_risk)}. "
        "Back up the data, then set "
        f"`{CONFIG_HINT}` in the config (or delete the spaces yourself) and retry."
    )


# ----------------------------------------------------------------------------------------------------------
# Actions
# ----------------------------------------------------------------------------------------------------------
def _app_label(app: dict[str, Any]) -> str:
    owner = f"space {app['SpaceName']}" if app.get("SpaceName") else f"profile {app.get('UserProfileName')}"
    return f"{app.get('AppType')}/{app.get('AppName')} ({owner}, {app.get('Status')})"


def _delete_apps(sagemaker: Any, target: Target, scan: Scan, context: Any) -> int:
    """Issue DeleteApp for every live app. Returns the number of calls that were accepted."""
    issued = 0
    for app in scan.apps:
        if app.get("Status") not in LIVE_APP_STATUSES:
            continue  # Deleted and Failed need nothing (DeleteApp rejects them); Deleting is waited for
        if _common.out_of_time(context):
            _common.warning("low on time; remaining deletes are left for the next poll")
            break
        params: dict[str, Any] = {
            "DomainId": target.domain_id,
            "AppType": app["AppType"],
            "AppName": app["AppName"],
        }
        if app.get("SpaceName"):
            params["SpaceName"] = app["SpaceName"]
        else:
            params["UserProfileName"] = app["UserProfileName"]
        try:
            sagemaker.delete_app(**params)
        except Exception as exc:
            code = _common.error_code(exc)
            if _common.is_transient(exc) or code == "ResourceInUse":
                # Still live, so the next is_complete poll re-issues it; the deadline bounds the retries.
                _common.warning("delete_app deferred", app=_app_label(app), **_common.error_fields(exc))
                continue
            if _common.is_not_found(exc):
                _common.info("delete_app: app already gone", app=_app_label(app))
                continue
            if code != "ValidationException":
                raise
            if not _still_deletable(sagemaker, params):
                # Raced with another deletion: the app turned Deleting/Deleted/Failed after our listing.
                _common.info("delete_app not applicable", app=_app_label(app), **_common.error_fields(exc))
                continue
            # The app is still live, so the rejection is about the request itself: re-sending it every poll
            # until the deadline would only hide the service's message. It fails the request now.
            _common.error("delete_app rejected", app=_app_label(app), **_common.error_fields(exc))
            raise RuntimeError(
                f"DeleteApp for {_app_label(app)} in domain {target.domain_id} was rejected: "
                f"{_common.describe_error(exc)}"
            ) from exc
        issued += 1
        app["Status"] = "Deleting"
        _common.info("delete_app issued", app=_app_label(app))
    return issued


def _delete_empty_spaces(sagemaker: Any, target: Target, scan: Scan, context: Any) -> None:
    """DeleteSpace for user-created spaces that no longer hold live apps; fail on Delete_Failed."""
    for name, space in sorted(scan.user_spaces.items()):
        status = space.get("Status")
        if status == "Delete_Failed":
            reason = _space_failure_reason(sagemaker, target.domain_id, name)
            raise RuntimeError(f"Space {name} in domain {target.domain_id} failed to delete: {reason}")
        if status == "Deleting" or scan.busy_apps_in(name):
            continue
        if _common.out_of_time(context):
            break
        try:
            sagemaker.delete_space(DomainId=target.domain_id, SpaceName=name)
        except Exception as exc:
            code = _common.error_code(exc)
            if _common.is_not_found(exc):
                scan.user_spaces.pop(name, None)
                continue
            if _common.is_transient(exc) or code == "ResourceInUse":
                _common.warning("delete_space deferred", space=name, **_common.error_fields(exc))
                continue
            raise
        space["Status"] = "Deleting"
        _common.info("delete_space issued", space=name)


def _still_deletable(sagemaker: Any, params: dict[str, Any]) -> bool:
    """True when DescribeApp shows the app still InService or Pending (so a rejected delete was not a race)."""
    try:
        described = sagemaker.describe_app(**params)
    except Exception as exc:
        if _common.is_not_found(exc):
            return False
        raise
    return described.get("Status") in LIVE_APP_STATUSES


def _space_failure_reason(sagemaker: Any, domain_id: str, name: str) -> str:
    try:
        described = sagemaker.describe_space(DomainId=domain_id, SpaceName=name)
    except Exception as exc:
        if _common.is_not_found(exc):
            return "space no longer exists"
        raise
    return str(described.get("FailureReason") or "no reason given")


def _stuck_text(busy: list[dict[str, Any]], spaces: list[str]) -> str:
    parts = []
    if busy:
        parts.append(f"apps {_common.summarize([_app_label(a) for a in busy])}")
    if spaces:
        parts.append(f"spaces {_common.summarize(spaces)}")
    return "; ".join(parts)


def _check_deadline(event: dict[str, Any], target: Target, busy: list[dict[str, Any]], spaces: list[str]) -> None:
    if target.timeout_minutes is None:
        return
    started = _common.request_started(event)
    if started is None:
        return
    elapsed = _common.now() - started
    if elapsed <= target.timeout_minutes * 60:
        return
    stuck = [_app_label(a) for a in busy]
    parts = [f"Studio teardown of domain {target.domain_id} exceeded TimeoutMinutes={target.timeout_minutes}."]
    if stuck:
        parts.append(f"Apps not deleted yet: {_common.summarize(stuck)}.")
    if spaces:
        parts.append(f"Spaces not deleted yet: {_common.summarize(spaces)}.")
    parts.append("Check these in the SageMaker console, delete them by hand if needed, then retry.")
    raise _common.DeadlineExceeded(" ".join(parts))
