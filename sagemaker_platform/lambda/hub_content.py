"""Private-hub content: hub content has no CloudFormation resource, so it is managed here.

Properties (strings, as CloudFormation sends them):
  HubName                       the private hub
  HubContentType                ModelReference, Model or Notebook
  HubContentName                the content's name in the hub
  ModelReference only:
    SageMakerPublicHubContentArn  the public JumpStart model referenced
    MinVersion                    optional lowest version of the public model users may pick
  Model and Notebook (imported):
    HubContentVersion             the version to import; a change of anything else needs a new version
    DocumentSchemaVersion         the schema version of HubContentDocument
    HubContentDocument            the content document (a JSON string)
    HubContentDisplayName, HubContentDescription, HubContentMarkdown, HubContentSearchKeywords (list),
    SupportStatus                 optional

Create and Update converge to the wanted state, so a repeated delivery does nothing twice: a version that
already exists is waited on, not imported again; a reference is created, changed in place (MinVersion) or deleted
and created again (another public model). Update imports a new version and keeps the older ones (the hub's version
history); Delete removes every version. is_complete waits for ``Available`` (or for the content to be gone on
Delete) and fails with the service's FailureReason. Every value is checked against botocore's service model before
any call. A throttled or otherwise transient failure in on_event is left to is_complete, then from poll to poll until
the Provider's deadline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import _common

REFERENCE = "ModelReference"
IMPORTED_TYPES = frozenset({"Model", "Notebook"})
CONTENT_TYPES = IMPORTED_TYPES | {REFERENCE}
AVAILABLE = "Available"
FAILED_STATUSES = frozenset({"ImportFailed", "DeleteFailed"})
DELETING_STATUSES = frozenset({"Deleting", "PendingDelete"})
PHYSICAL_PREFIX = "hub-content"
# Properties of an imported version: with the same version, none of them may change.
IMPORT_FIELDS = (
    "DocumentSchemaVersion",
    "HubContentDocument",
    "HubContentDisplayName",
    "HubContentDescription",
    "HubContentMarkdown",
    "HubContentSearchKeywords",
    "SupportStatus",
)
# Property -> the botocore shape its value must match.
SHAPES = {
    "HubName": "HubNameOrArn",
    "HubContentType": "HubContentType",
    "HubContentName": "HubContentName",
    "SageMakerPublicHubContentArn": "SageMakerPublicHubContentArn",
    "MinVersion": "HubContentVersion",
    "HubContentVersion": "HubContentVersion",
    "DocumentSchemaVersion": "DocumentSchemaVersion",
    "HubContentDocument": "HubContentDocument",
    "HubContentDisplayName": "HubContentDisplayName",
    "HubContentDescription": "HubContentDescription",
    "HubContentMarkdown": "HubContentMarkdown",
    "SupportStatus": "HubContentSupportStatus",
    "HubContentSearchKeywords": "HubContentSearchKeywordList",
}


@dataclass(frozen=True)
class Spec:
    """What one custom resource wants in the hub."""

    hub: str
    kind: str
    name: str
    public_arn: str | None = None
    min_version: str | None = None
    version: str | None = None
    fields: tuple[tuple[str, Any], ...] = ()

    @property
    def label(self) -> str:
        where = f"{self.kind} {self.name}" + (f" version {self.version}" if self.version else "")
        return f"{where} in hub {self.hub}"

    @property
    def physical_id(self) -> str:
        # Hub and content names hold only letters, digits and hyphens, so ':' separates them unambiguously.
        return f"{PHYSICAL_PREFIX}:{self.hub}:{self.kind}:{self.name}"


@_common.entry("hub_content.on_event")
def on_event(event: dict[str, Any], context: Any) -> dict[str, Any]:
    _common.log_event("hub_content.on_event", event)
    request = event["RequestType"]
    spec = _target(event)
    if request == "Update":
        _check_update(spec, _spec(_common.old_resource_properties(event)))
    data = {_common.STARTED_AT: _common.started_at()}
    try:
        _step(_common.client("sagemaker"), spec, request, context)
    except Exception as exc:
        if not _common.is_transient(exc):
            raise
        _common.warning("work deferred to the first poll", target=spec.label, **_common.error_fields(exc))
    # A Delete keeps the id it was sent (CloudFormation's own request id when a Create failed early).
    physical_id = str(event["PhysicalResourceId"]) if request == "Delete" else spec.physical_id
    return {"PhysicalResourceId": physical_id, "Data": data}


@_common.poll("hub_content.is_complete")
def is_complete(event: dict[str, Any], context: Any) -> dict[str, Any]:
    _common.log_event("hub_content.is_complete", event)
    spec = _target(event)
    waiting = _step(_common.client("sagemaker"), spec, event["RequestType"], context)
    if waiting:
        return {"IsComplete": False, _common.WAITING: waiting}
    _common.info("hub content settled", target=spec.label, request_type=event["RequestType"])
    return {"IsComplete": True}


# ----------------------------------------------------------------------------------------------------------
# Properties
# ----------------------------------------------------------------------------------------------------------
def _check(name: str, value: Any) -> None:
    """Check a value against its shape in botocore's service model: length, pattern, enum, list size."""
    shape = _common.api_shape("sagemaker", SHAPES[name])
    meta = shape.metadata
    if shape.type_name == "list":
        if not isinstance(value, list):
            raise ValueError(f"Property {name} must be a list, got {type(value).__name__}")
        if len(value) > meta.get("max", len(value)):
            raise ValueError(f"Property {name} holds {len(value)} items; at most {meta['max']} are allowed")
        for item in value:
            if not isinstance(item, str) or len(item) > shape.member.metadata.get("max", len(item)):
                raise ValueError(f"Property {name} has an invalid item {item!r}")
        return
    if not isinstance(value, str):
        raise ValueError(f"Property {name} must be a string, got {type(value).__name__}")
    if len(value) < meta.get("min", 0) or len(value) > meta.get("max", len(value)):
        raise ValueError(f"Property {name} must be {meta.get('min', 0)}-{meta.get('max')} characters, got {len(value)}")
    enum = meta.get("enum")
    if enum and value not in enum:
        raise ValueError(f"Property {name} must be one of {', '.join(enum)}, got {value!r}")
    pattern = meta.get("pattern")
    if pattern and not re.fullmatch(pattern, value, flags=re.DOTALL):
        raise ValueError(f"Property {name} does not match the pattern {pattern}: {value!r}")


def _spec(props: _common.Props) -> Spec:
    hub = _common.require(props, "HubName")
    kind = _common.require(props, "HubContentType")
    name = _common.require(props, "HubContentName")
    if kind not in CONTENT_TYPES:
        raise ValueError(f"Property HubContentType must be one of {', '.join(sorted(CONTENT_TYPES))}, got {kind!r}")
    for key, given in (("HubName", hub), ("HubContentType", kind), ("HubContentName", name)):
        _check(key, given)
    if kind == REFERENCE:
        public_arn = _common.require(props, "SageMakerPublicHubContentArn")
        _check("SageMakerPublicHubContentArn", public_arn)
        min_version = _common.optional_str(props, "MinVersion")
        if min_version is not None:
            _check("MinVersion", min_version)
        extra = sorted(k for k in ("HubContentVersion", "HubContentDocument") if props.get(k))
        if extra:
            raise ValueError(f"A ModelReference takes no {' or '.join(extra)} (the public model defines them)")
        return Spec(hub, kind, name, public_arn=public_arn, min_version=min_version)
    version = _common.require(props, "HubContentVersion")
    _check("HubContentVersion", version)
    fields: list[tuple[str, Any]] = []
    for key in IMPORT_FIELDS:
        if key == "HubContentSearchKeywords":
            value: Any = _common.as_list(props.get(key), key) or None
        elif key in ("DocumentSchemaVersion", "HubContentDocument"):
            value = _common.require(props, key)
        else:
            value = _common.optional_str(props, key)
        if value is not None:
            _check(key, value)
            fields.append((key, tuple(value) if isinstance(value, list) else value))
    return Spec(hub, kind, name, version=version, fields=tuple(fields))


def _target(event: dict[str, Any]) -> Spec:
    """The resource's wanted state; on Delete, the content named by the physical id (what was created)."""
    if event["RequestType"] != "Delete":
        return _spec(_common.resource_properties(event))
    physical = str(event.get("PhysicalResourceId") or "")
    parts = physical.split(":")
    if len(parts) != 4 or parts[0] != PHYSICAL_PREFIX or parts[2] not in CONTENT_TYPES:
        # Never created by this handler (a Create that failed before returning an id): nothing to delete.
        return Spec("", "", physical)
    return Spec(parts[1], parts[2], parts[3])


def _check_update(new: Spec, old: Spec) -> None:
    if new.kind in IMPORTED_TYPES and new.physical_id == old.physical_id and new.version == old.version:
        changed = sorted(({k for k, _ in new.fields} ^ {k for k, _ in old.fields}) | _changed(new, old))
        if changed:
            raise ValueError(
                f"HubContentVersion must change when the content changes: {', '.join(changed)} of {new.label} "
                f"changed but the version stayed {new.version}"
            )


def _changed(new: Spec, old: Spec) -> set[str]:
    before = dict(old.fields)
    return {k for k, v in new.fields if k in before and before[k] != v}


# ----------------------------------------------------------------------------------------------------------
# One idempotent step towards the wanted state; returns what it waits for ("" when done)
# ----------------------------------------------------------------------------------------------------------
def _step(sagemaker: Any, spec: Spec, request: str, context: Any) -> str:
    if request == "Delete":
        return _delete_step(sagemaker, spec, context)
    if spec.kind == REFERENCE:
        return _reference_step(sagemaker, spec)
    return _import_step(sagemaker, spec)


def _describe(sagemaker: Any, spec: Spec, version: str | None = None) -> dict[str, Any] | None:
    params = {"HubName": spec.hub, "HubContentType": spec.kind, "HubContentName": spec.name}
    if version:
        params["HubContentVersion"] = version
    try:
        return dict(sagemaker.describe_hub_content(**params))
    except Exception as exc:
        if _common.is_not_found(exc):
            return None
        raise


def _status(spec: Spec, described: dict[str, Any]) -> str:
    """"" when Available, else what is awaited; raises when the service reports a failure."""
    status = str(described.get("HubContentStatus") or "")
    if status == AVAILABLE:
        return ""
    if status in FAILED_STATUSES:
        raise RuntimeError(f"{spec.label} is {status}: {described.get('FailureReason') or 'no reason given'}")
    return f"{spec.label} to be {AVAILABLE} (it is {status or 'unknown'})"


def _import_step(sagemaker: Any, spec: Spec) -> str:
    described = _describe(sagemaker, spec, spec.version)
    if described is not None:
        return _status(spec, described)
    params: dict[str, Any] = {
        "HubName": spec.hub,
        "HubContentType": spec.kind,
        "HubContentName": spec.name,
        "HubContentVersion": spec.version,
    }
    params.update({k: list(v) if isinstance(v, tuple) else v for k, v in spec.fields})
    try:
        sagemaker.import_hub_content(**params)
    except Exception as exc:
        if _common.error_code(exc) != "ResourceInUse":
            raise
        # Another delivery of this request started the same import: wait for it.
        _common.info("import already under way", target=spec.label)
    else:
        _common.info("import started", target=spec.label)
    return f"the import of {spec.label}"


def _reference_step(sagemaker: Any, spec: Spec) -> str:
    described = _describe(sagemaker, spec)
    if described is None:
        params = {
            "HubName": spec.hub,
            "HubContentName": spec.name,
            "SageMakerPublicHubContentArn": spec.public_arn,
        }
        if spec.min_version:
            params["MinVersion"] = spec.min_version
        sagemaker.create_hub_content_reference(**params)
        _common.info("reference created", target=spec.label, public_arn=spec.public_arn)
        return f"the reference {spec.label}"
    status = str(described.get("HubContentStatus") or "")
    if status in DELETING_STATUSES:
        return f"the previous reference {spec.label} to be deleted (it is {status})"
    current_min = described.get("ReferenceMinVersion") or None
    if described.get("SageMakerPublicHubContentArn") != spec.public_arn or (current_min and not spec.min_version):
        # Another public model (or no minimum version any more): replace the reference under the same name.
        _delete_reference(sagemaker, spec)
        return f"the previous reference {spec.label} to be replaced"
    if spec.min_version and current_min != spec.min_version:
        sagemaker.update_hub_content_reference(
            HubName=spec.hub, HubContentName=spec.name, HubContentType=REFERENCE, MinVersion=spec.min_version
        )
        _common.info("reference minimum version changed", target=spec.label, min_version=spec.min_version)
        return f"the reference {spec.label} to take MinVersion {spec.min_version}"
    return _status(spec, described)


def _delete_reference(sagemaker: Any, spec: Spec) -> None:
    try:
        sagemaker.delete_hub_content_reference(HubName=spec.hub, HubContentType=REFERENCE, HubContentName=spec.name)
    except Exception as exc:
        if not _common.is_not_found(exc):
            raise
    _common.info("reference deletion started", target=spec.label)


def _delete_step(sagemaker: Any, spec: Spec, context: Any) -> str:
    if not spec.hub:
        _common.info("nothing was created; nothing to delete", physical_id=spec.name)
        return ""
    if spec.kind == REFERENCE:
        described = _describe(sagemaker, spec)
        if described is None:
            return ""
        status = str(described.get("HubContentStatus") or "")
        if status == "DeleteFailed":
            raise RuntimeError(f"Deleting {spec.label} failed: {described.get('FailureReason') or 'no reason given'}")
        if status not in DELETING_STATUSES:
            _delete_reference(sagemaker, spec)
        return f"{spec.label} to be deleted"
    try:
        versions = list(
            _common.paginate(
                sagemaker.list_hub_content_versions,
                "HubContentSummaries",
                HubName=spec.hub,
                HubContentType=spec.kind,
                HubContentName=spec.name,
                MaxResults=100,
            )
        )
    except Exception as exc:
        if _common.is_not_found(exc):  # the content, or the whole hub, is gone
            return ""
        raise
    if not versions:
        return ""
    pending: list[str] = []
    for summary in versions:
        version, status = str(summary["HubContentVersion"]), str(summary.get("HubContentStatus") or "")
        pending.append(version)
        if status == "DeleteFailed":
            described = _describe(sagemaker, spec, version) or {}
            reason = described.get("FailureReason") or "no reason given"
            raise RuntimeError(f"Deleting {spec.kind} {spec.name} version {version} in hub {spec.hub} failed: {reason}")
        if status in DELETING_STATUSES or _common.out_of_time(context):
            continue
        try:
            sagemaker.delete_hub_content(
                HubName=spec.hub, HubContentType=spec.kind, HubContentName=spec.name, HubContentVersion=version
            )
        except Exception as exc:
            if not _common.is_not_found(exc):
                raise
        _common.info("version deletion started", target=spec.label, version=version)
    return f"versions {_common.summarize(pending)} of {spec.label} to be deleted"
