"""The model-card export APIs on top of the stateful SageMaker fake.

Cards live in ``cards`` (name -> latest version). An export job goes InProgress -> Completed (or Failed with
``fail_next_export``'s reason) after ``export_latency`` simulated seconds; a Completed job reports the PDF's URI
under its output path. Requests are checked against botocore's model (patterns and enums) like the hub fake does.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import botocore.session
from fake_hub import check_against_model
from fake_sagemaker import ACCOUNT, REGION, Entity, FakeError, FakeSageMaker, SimClock, Transition

_MODEL = botocore.session.get_session().get_service_model("sagemaker")


class FakeModelCardSageMaker(FakeSageMaker):
    def __init__(self, clock: SimClock | None = None, *, export_latency: float = 60, **kw: Any) -> None:
        super().__init__(clock, **kw)
        self.export_latency = export_latency
        self.cards: dict[str, int] = {}
        self.exports: dict[tuple[str, str], Entity] = {}  # (card, job name) -> job
        self.fail_next_export: str | None = None

    # -- setup
    def add_card(self, name: str, version: int = 1) -> None:
        self.cards[name] = version

    def jobs_of(self, card: str) -> list[dict[str, Any]]:
        """Every export job of a card, after due transitions, oldest first."""
        self.settle()
        return [e.data for k, e in sorted(self.exports.items(), key=lambda i: i[1].created) if k[0] == card]

    # -- internals
    def settle(self) -> None:
        super().settle()
        now = self.clock.time()
        for entity in self.exports.values():
            tr = entity.transition
            if tr is None or tr.at is None or tr.at > now:
                continue
            entity.transition = None
            entity.data["Status"] = tr.to
            entity.data["LastModifiedAt"] = dt.datetime.fromtimestamp(tr.at, tz=dt.UTC)
            if tr.to == "Completed":
                path = entity.data["OutputConfig"]["S3OutputPath"].rstrip("/")
                pdf = f"{path}/{entity.data['ModelCardName']}-{entity.data['ModelCardExportJobName']}.pdf"
                entity.data["ExportArtifacts"] = {"S3ExportArtifacts": pdf}
            self.history.append((tr.at, f"export-{tr.to}", entity.key))

    def _check(self, operation: str, request: dict[str, Any]) -> None:
        check_against_model(request, _MODEL.operation_model(operation).input_shape, operation)

    def _card(self, name: str, version: int | None) -> int:
        if name not in self.cards:
            raise FakeError("ResourceNotFound", f"Model card {name} does not exist.")
        latest = self.cards[name]
        if version is not None and not 1 <= version <= latest:
            raise FakeError("ResourceNotFound", f"Model card {name} has no version {version}.")
        return version or latest

    # -- operations
    def op_CreateModelCardExportJob(self, request: dict[str, Any]) -> dict[str, Any]:
        self._check("CreateModelCardExportJob", request)
        card, name = request["ModelCardName"], request["ModelCardExportJobName"]
        version = self._card(card, request.get("ModelCardVersion"))
        if (card, name) in self.exports:
            raise FakeError("ResourceInUse", f"Export job {name} of model card {card} already exists.")
        arn = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-card/{card}/export-job/{name}"
        now = self.clock.datetime()
        entity = Entity(
            "model-card-export-job",
            (card, name),
            {
                "ModelCardExportJobName": name,
                "ModelCardExportJobArn": arn,
                "Status": "InProgress",
                "ModelCardName": card,
                "ModelCardVersion": version,
                "OutputConfig": dict(request["OutputConfig"]),
                "CreatedAt": now,
                "LastModifiedAt": now,
            },
            created=self.clock.time(),
        )
        if self.fail_next_export:
            entity.data["FailureReason"] = self.fail_next_export
            self.fail_next_export = None
            entity.transition = Transition(self.clock.time() + self.export_latency, "Failed")
        else:
            entity.transition = Transition(self.clock.time() + self.export_latency, "Completed")
        self.exports[(card, name)] = entity
        return {"ModelCardExportJobArn": arn}

    def op_ListModelCardExportJobs(self, request: dict[str, Any]) -> dict[str, Any]:
        self._check("ListModelCardExportJobs", request)
        card = request["ModelCardName"]
        jobs = [e for k, e in sorted(self.exports.items(), key=lambda i: i[1].created) if k[0] == card]
        if request.get("ModelCardVersion") is not None:
            jobs = [e for e in jobs if e.data["ModelCardVersion"] == request["ModelCardVersion"]]
        if request.get("ModelCardExportJobNameContains"):
            jobs = [e for e in jobs if request["ModelCardExportJobNameContains"] in e.key[1]]
        page, token = self._page(jobs, request, self.page_size, 10)
        fields = (
            "ModelCardExportJobName",
            "ModelCardExportJobArn",
            "Status",
            "ModelCardName",
            "ModelCardVersion",
            "CreatedAt",
            "LastModifiedAt",
        )
        result: dict[str, Any] = {"ModelCardExportJobSummaries": [{k: e.data[k] for k in fields} for e in page]}
        if token:
            result["NextToken"] = token
        return result

    def op_DescribeModelCardExportJob(self, request: dict[str, Any]) -> dict[str, Any]:
        self._check("DescribeModelCardExportJob", request)
        arn = request["ModelCardExportJobArn"]
        for entity in self.exports.values():
            if entity.data["ModelCardExportJobArn"] == arn:
                return dict(entity.data)
        raise FakeError("ResourceNotFound", f"Export job {arn} does not exist.")
