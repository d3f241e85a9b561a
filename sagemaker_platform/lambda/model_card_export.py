"""Custom resource: a PDF of one approved model-card version, exported to the platform bucket.

CloudFormation has no resource for ``CreateModelCardExportJob``. The construct creates this resource only while the
card's status is ``Approved``, with the card's current version (``ModelCardVersion``, the card's own attribute), so
each newly approved version is exported once:

* Create and Update start an export job of that version (``on_event``) and wait for it (``is_complete``), failing
  with the job's ``FailureReason``. The physical id names the card and the version, so an Update to a new version
  replaces the resource and CloudFormation then sends a Delete for the old version's id.
* Delete removes nothing: an exported PDF is an audit record of what was approved, and export jobs cannot be
  deleted through the API anyway. The object stays in the (versioned, retained) bucket.

Where the PDF lands: the API takes an output path (``OutputConfig.S3OutputPath``), not an object key; SageMaker
writes the PDF under it and names the object itself, reporting its URI in ``ExportArtifacts.S3ExportArtifacts``.
The output path is predictable, ``s3://<BucketName>/<Prefix>/<card>/<version>/`` (``Prefix`` defaults to
``model-cards``), and the exact URI is returned as the resource's ``ExportArtifact`` attribute.

Idempotence: the job's name is ``v<version>-<digest of the CloudFormation request id>``, the same for every
delivery of one request, and the handler looks for it (``ListModelCardExportJobs``) before starting one, so a
request delivered twice starts one job; a later request (a redeploy after a failure) starts a fresh job rather
than finding the failed one. A throttled or otherwise transient failure in on_event is left to is_complete.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

import _common

PHYSICAL_PREFIX = "model-card-export"
DEFAULT_PREFIX = "model-cards"
CARD_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
# An S3 key prefix: no leading or trailing slash, no empty segment, printable ASCII without backslash.
KEY_PREFIX = re.compile(r"^[A-Za-z0-9!_.*'()-]+(/[A-Za-z0-9!_.*'()-]+)*$")
BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
COMPLETED = "Completed"
FAILED = "Failed"
ARTIFACT = "ExportArtifact"


@dataclass(frozen=True)
class Spec:
    """One export: which card version, and where its PDF goes."""

    card: str
    version: int
    bucket: str
    prefix: str

    @property
    def label(self) -> str:
        return f"the PDF export of model card {self.card} version {self.version}"

    @property
    def output_path(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}/{self.card}/{self.version}/"

    @property
    def physical_id(self) -> str:
        # Card names hold only letters, digits and hyphens, so ':' separates the parts unambiguously.
        return f"{PHYSICAL_PREFIX}:{self.card}:{self.version}"


def job_name(spec: Spec, request_id: str) -> str:
    """The export job's name: the same for every delivery of one request, fresh for each new request."""
    digest = hashlib.sha256(f"{spec.physical_id}|{request_id}".encode()).hexdigest()[:12]
    return f"v{spec.version}-{digest}"


@_common.entry("model_card_export.on_event")
def on_event(event: dict[str, Any], context: Any) -> dict[str, Any]:
    _common.log_event("model_card_export.on_event", event)
    request = event["RequestType"]
    if request == "Delete":
        _common.info("exports are records: nothing deleted", physical_id=event.get("PhysicalResourceId"))
        return {"PhysicalResourceId": str(event["PhysicalResourceId"])}
    spec = _spec(_common.resource_properties(event))
    data: dict[str, Any] = {_common.STARTED_AT: _common.started_at()}
    try:
        _step(_common.client("sagemaker"), spec, str(event["RequestId"]))
    except Exception as exc:
        if not _common.is_transient(exc):
            raise
        _common.warning("export deferred to the first poll", target=spec.label, **_common.error_fields(exc))
    return {"PhysicalResourceId": spec.physical_id, "Data": data}


@_common.poll("model_card_export.is_complete")
def is_complete(event: dict[str, Any], context: Any) -> dict[str, Any]:
    _common.log_event("model_card_export.is_complete", event)
    if event["RequestType"] == "Delete":
        return {"IsComplete": True}
    spec = _spec(_common.resource_properties(event))
    described = _step(_common.client("sagemaker"), spec, str(event["RequestId"]))
    if described is None or described.get("Status") != COMPLETED:
        status = (described or {}).get("Status") or "not started"
        return {"IsComplete": False, _common.WAITING: f"{spec.label} (the job is {status})"}
    artifact = str((described.get("ExportArtifacts") or {}).get("S3ExportArtifacts") or spec.output_path)
    _common.info("model card exported", target=spec.label, artifact=artifact)
    return {"IsComplete": True, "Data": {ARTIFACT: artifact, "OutputPath": spec.output_path}}


# ----------------------------------------------------------------------------------------------------------
# Properties
# ----------------------------------------------------------------------------------------------------------
def _spec(props: _common.Props) -> Spec:
    card = _common.require(props, "ModelCardName")
    if not CARD_NAME.match(card):
        raise ValueError(f"Property ModelCardName must be 1-63 letters, digits and hyphens, got {card!r}")
    version = _common.as_int(props.get("ModelCardVersion"), "ModelCardVersion")
    if version is None or version < 1:
        raise ValueError(f"Property ModelCardVersion must be an integer >= 1, got {props.get('ModelCardVersion')!r}")
    bucket = _common.require(props, "BucketName")
    if not BUCKET_NAME.match(bucket):
        raise ValueError(f"Property BucketName is not a valid S3 bucket name, got {bucket!r}")
    prefix = _common.optional_str(props, "Prefix") or DEFAULT_PREFIX
    if not KEY_PREFIX.match(prefix):
        raise ValueError(f"Property Prefix must be an S3 key prefix without leading or trailing '/', got {prefix!r}")
    spec = Spec(card, version, bucket, prefix)
    if len(spec.output_path) > 1024:
        raise ValueError(f"The output path {spec.output_path} is longer than S3Uri's 1024 characters")
    return spec


# ----------------------------------------------------------------------------------------------------------
# One idempotent step: find this request's job, or start it; raise if it failed
# ----------------------------------------------------------------------------------------------------------
def _find(sagemaker: Any, spec: Spec, name: str) -> dict[str, Any] | None:
    for summary in _common.paginate(
        sagemaker.list_model_card_export_jobs,
        "ModelCardExportJobSummaries",
        ModelCardName=spec.card,
        ModelCardVersion=spec.version,
        ModelCardExportJobNameContains=name,
        MaxResults=100,
    ):
        if summary.get("ModelCardExportJobName") == name:
            return dict(summary)
    return None


def _step(sagemaker: Any, spec: Spec, request_id: str) -> dict[str, Any] | None:
    """The job's description, or None when it was just started."""
    name = job_name(spec, request_id)
    found = _find(sagemaker, spec, name)
    if found is None:
        try:
            sagemaker.create_model_card_export_job(
                ModelCardName=spec.card,
                ModelCardVersion=spec.version,
                ModelCardExportJobName=name,
                OutputConfig={"S3OutputPath": spec.output_path},
            )
        except Exception as exc:
            if _common.error_code(exc) not in {"ResourceInUse", "ConflictException"}:
                raise
            # Another delivery of this request started the same job: wait for it.
            _common.info("export already under way", target=spec.label, job=name)
        else:
            _common.info("export started", target=spec.label, job=name, output_path=spec.output_path)
        return None
    described = dict(sagemaker.describe_model_card_export_job(ModelCardExportJobArn=found["ModelCardExportJobArn"]))
    if described.get("Status") == FAILED:
        reason = described.get("FailureReason") or "no reason given"
        raise RuntimeError(f"Export job {name} of model card {spec.card} version {spec.version} failed: {reason}")
    return described
