"""The private-hub APIs on top of the stateful SageMaker fake.

Hub content lives in ``contents`` keyed by (hub, type, name, version); a reference has the single version of the
public model it was created from. Imports go Importing -> Available (or ImportFailed with ``fail_next_import``'s
reason) after ``import_latency`` simulated seconds; deletions go Deleting -> gone after ``delete_latency``.

botocore validates types, required members and lengths before the fake sees a request; the fake checks the rest of
the model (patterns and enums) for every hub request, so a value the service would reject fails here too.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from typing import Any

import botocore.session
from fake_sagemaker import ACCOUNT, GONE, REGION, Entity, FakeError, FakeSageMaker, SimClock, Transition

PUBLIC_HUB = "SageMakerPublicHub"
_MODEL = botocore.session.get_session().get_service_model("sagemaker")


def public_model_arn(model_id: str, region: str = REGION) -> str:
    return f"arn:aws:sagemaker:{region}:aws:hub-content/{PUBLIC_HUB}/Model/{model_id}"


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.split(r"\D", version))


def check_against_model(value: Any, shape: Any, where: str) -> None:
    """Patterns and enums of botocore's model (its ParamValidator checks neither)."""
    if shape.type_name == "structure" and isinstance(value, dict):
        for key, item in value.items():
            check_against_model(item, shape.members[key], f"{where}.{key}")
    elif shape.type_name == "list" and isinstance(value, list):
        for i, item in enumerate(value):
            check_against_model(item, shape.member, f"{where}[{i}]")
    elif shape.type_name == "string" and isinstance(value, str):
        enum = shape.metadata.get("enum")
        if enum and value not in enum:
            raise FakeError("ValidationException", f"{where}: {value!r} is not one of {enum}")
        pattern = shape.metadata.get("pattern")
        if pattern and not re.fullmatch(pattern, value, flags=re.DOTALL):
            raise FakeError("ValidationException", f"{where}: {value!r} does not match {pattern}")


class FakeHubSageMaker(FakeSageMaker):
    def __init__(
        self, clock: SimClock | None = None, *, import_latency: float = 90, delete_latency: float = 45, **kw: Any
    ) -> None:
        super().__init__(clock, **kw)
        self.import_latency = import_latency
        self.delete_latency = delete_latency
        self.hubs: dict[str, dict[str, Any]] = {}
        self.public_models: dict[str, list[str]] = {}  # public ARN -> versions
        self.contents: dict[tuple[str, str, str, str], Entity] = {}
        self.fail_next_import: str | None = None
        self.fail_next_delete: str | None = None

    # -- setup
    def add_hub(self, name: str) -> str:
        arn = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:hub/{name}"
        self.hubs[name] = {"HubName": name, "HubArn": arn, "HubStatus": "InService"}
        return arn

    def add_public_model(self, model_id: str, versions: list[str]) -> str:
        arn = public_model_arn(model_id)
        self.public_models[arn] = sorted(versions, key=_version_key)
        return arn

    def versions_of(self, hub: str, kind: str, name: str) -> dict[str, str]:
        """version -> status of one content item, after due transitions."""
        self.settle()
        return {k[3]: e.data["HubContentStatus"] for k, e in self.contents.items() if k[:3] == (hub, kind, name)}

    # -- internals
    def settle(self) -> None:
        super().settle()
        now = self.clock.time()
        for key, entity in list(self.contents.items()):
            tr = entity.transition
            if tr is None or tr.at is None or tr.at > now:
                continue
            entity.transition = None
            if tr.to == GONE:
                del self.contents[key]
                self.history.append((tr.at, "hub-content-gone", key))
            else:
                entity.data["HubContentStatus"] = tr.to
                self.history.append((tr.at, f"hub-content-{tr.to}", key))

    def _handle(self, operation: str, request: dict[str, Any]) -> None:
        check_against_model(request, _MODEL.operation_model(operation).input_shape, operation)
        hub = request["HubName"].rsplit("/", 1)[-1]
        if hub not in self.hubs:
            raise FakeError("ResourceNotFound", f"Hub {hub} does not exist.")

    def _items(self, hub: str, kind: str, name: str) -> list[Entity]:
        found = [e for k, e in self.contents.items() if k[:3] == (hub, kind, name)]
        return sorted(found, key=lambda e: _version_key(e.key[3]))

    def _content(self, request: dict[str, Any]) -> Entity:
        hub, kind, name = request["HubName"], request["HubContentType"], request["HubContentName"]
        items = self._items(hub, kind, name)
        if request.get("HubContentVersion"):
            items = [e for e in items if e.key[3] == request["HubContentVersion"]]
        if not items:
            raise FakeError("ResourceNotFound", f"Hub content {kind}/{name} does not exist in hub {hub}.")
        return items[-1]

    def _add(self, request: dict[str, Any], kind: str, name: str, version: str, data: dict[str, Any]) -> Entity:
        hub = request["HubName"]
        key = (hub, kind, name, version)
        entity = Entity(
            "hub-content",
            key,
            {
                "HubContentName": name,
                "HubContentArn": f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:hub-content/{hub}/{kind}/{name}/{version}",
                "HubContentVersion": version,
                "HubContentType": kind,
                "DocumentSchemaVersion": data.pop("DocumentSchemaVersion", "2.0.0"),
                "HubName": hub,
                "HubArn": self.hubs[hub]["HubArn"],
                **data,
            },
            created=self.clock.time(),
        )
        self.contents[key] = entity
        return entity

    # -- operations
    def op_DescribeHub(self, request: dict[str, Any]) -> dict[str, Any]:
        self._handle("DescribeHub", request)
        hub = self.hubs[request["HubName"]]
        return {**hub, "CreationTime": self.clock.datetime(), "LastModifiedTime": self.clock.datetime()}

    def op_ImportHubContent(self, request: dict[str, Any]) -> dict[str, Any]:
        self._handle("ImportHubContent", request)
        kind = request["HubContentType"]
        if kind not in {"Model", "Notebook"}:
            raise FakeError("ValidationException", f"Hub content of type {kind} cannot be imported.")
        name, version = request["HubContentName"], request.get("HubContentVersion", "1.0.0")
        if (request["HubName"], kind, name, version) in self.contents:
            raise FakeError("ResourceInUse", f"{kind} {name} version {version} already exists.")
        data = {k: copy.deepcopy(v) for k, v in request.items() if k not in {"HubName", "Tags"}}
        data.pop("HubContentType")
        data.pop("HubContentName")
        data.pop("HubContentVersion", None)
        entity = self._add(request, kind, name, version, {**data, "HubContentStatus": "Importing"})
        if self.fail_next_import:
            entity.data["FailureReason"] = self.fail_next_import
            self.fail_next_import = None
            entity.transition = Transition(self.clock.time() + self.import_latency, "ImportFailed")
        else:
            entity.transition = Transition(self.clock.time() + self.import_latency, "Available")
        return {"HubArn": entity.data["HubArn"], "HubContentArn": entity.data["HubContentArn"]}

    def op_CreateHubContentReference(self, request: dict[str, Any]) -> dict[str, Any]:
        self._handle("CreateHubContentReference", request)
        public_arn = request["SageMakerPublicHubContentArn"]
        versions = self.public_models.get(public_arn)
        if versions is None:
            raise FakeError("ResourceNotFound", f"Public hub content {public_arn} does not exist.")
        name = request.get("HubContentName") or public_arn.rsplit("/", 1)[-1]
        if self._items(request["HubName"], "ModelReference", name):
            raise FakeError("ResourceInUse", f"ModelReference {name} already exists.")
        minimum = request.get("MinVersion")
        if minimum and _version_key(minimum) > _version_key(versions[-1]):
            raise FakeError("ValidationException", f"MinVersion {minimum} is above the latest version {versions[-1]}.")
        data: dict[str, Any] = {
            "SageMakerPublicHubContentArn": public_arn,
            "HubContentStatus": "Available",
            "HubContentDocument": json.dumps({"ModelId": public_arn.rsplit("/", 1)[-1]}),
        }
        if minimum:
            data["ReferenceMinVersion"] = minimum
        entity = self._add(request, "ModelReference", name, versions[-1], data)
        return {"HubArn": entity.data["HubArn"], "HubContentArn": entity.data["HubContentArn"]}

    def op_UpdateHubContentReference(self, request: dict[str, Any]) -> dict[str, Any]:
        self._handle("UpdateHubContentReference", request)
        entity = self._content(request)
        versions = self.public_models[entity.data["SageMakerPublicHubContentArn"]]
        minimum = request.get("MinVersion")
        if minimum and _version_key(minimum) > _version_key(versions[-1]):
            raise FakeError("ValidationException", f"MinVersion {minimum} is above the latest version {versions[-1]}.")
        if minimum:
            entity.data["ReferenceMinVersion"] = minimum
        return {"HubArn": entity.data["HubArn"], "HubContentArn": entity.data["HubContentArn"]}

    def op_DescribeHubContent(self, request: dict[str, Any]) -> dict[str, Any]:
        self._handle("DescribeHubContent", request)
        entity = self._content(request)
        return {**copy.deepcopy(entity.data), "CreationTime": dt.datetime.fromtimestamp(entity.created, tz=dt.UTC)}

    def op_ListHubContentVersions(self, request: dict[str, Any]) -> dict[str, Any]:
        self._handle("ListHubContentVersions", request)
        items = self._items(request["HubName"], request["HubContentType"], request["HubContentName"])
        if not items:
            raise FakeError("ResourceNotFound", f"Hub content {request['HubContentName']} does not exist.")
        page, token = self._page(items, request, self.page_size, 10)
        fields = ("HubContentName", "HubContentArn", "HubContentVersion", "HubContentType", "DocumentSchemaVersion")
        result: dict[str, Any] = {
            "HubContentSummaries": [
                {
                    **{k: e.data[k] for k in fields},
                    "HubContentStatus": e.data["HubContentStatus"],
                    "CreationTime": dt.datetime.fromtimestamp(e.created, tz=dt.UTC),
                }
                for e in page
            ]
        }
        if token:
            result["NextToken"] = token
        return result

    def _start_delete(self, entity: Entity) -> None:
        if entity.data["HubContentStatus"] in {"Deleting", "PendingDelete"}:
            raise FakeError("ResourceInUse", f"{entity.key} is already being deleted.")
        entity.data["HubContentStatus"] = "Deleting"
        if self.fail_next_delete:
            entity.data["FailureReason"] = self.fail_next_delete
            self.fail_next_delete = None
            entity.transition = Transition(self.clock.time() + self.delete_latency, "DeleteFailed")
        else:
            entity.transition = Transition(self.clock.time() + self.delete_latency, GONE)
        self.history.append((self.clock.time(), "hub-content-delete", entity.key))

    def op_DeleteHubContent(self, request: dict[str, Any]) -> dict[str, Any]:
        self._handle("DeleteHubContent", request)
        if request["HubContentType"] == "ModelReference":
            raise FakeError("ValidationException", "Use DeleteHubContentReference for a ModelReference.")
        self._start_delete(self._content(request))
        return {}

    def op_DeleteHubContentReference(self, request: dict[str, Any]) -> dict[str, Any]:
        self._handle("DeleteHubContentReference", request)
        if request["HubContentType"] != "ModelReference":
            raise FakeError("ValidationException", "DeleteHubContentReference deletes only a ModelReference.")
        self._start_delete(self._content(request))
        return {}
