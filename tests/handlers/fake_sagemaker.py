"""A stateful fake of the SageMaker Studio API (and the few Service Catalog calls moto lacks).

It plugs into real boto3 clients through botocore's ``before-call.<service>.<Operation>`` event: a
handler that returns ``(http_response, parsed)`` short-circuits the HTTP request in
``BaseClient._make_api_call``, after botocore has already validated the request against the service
model. Every response the fake builds is validated against the operation's output shape as well.

Note: because the short-circuit happens before the endpoint's retry loop, botocore's retry handler never
sees the fake's errors. An injected throttle therefore reaches the handler as a ClientError, exactly
like a throttle burst that has exhausted the client's retries.

Faults can be injected into one operation or, with ``"*"``, into whatever operation comes next: service errors
with their HTTP status (throttling, 5xx, ValidationException, ...), botocore exceptions (read and connect
timeouts), or a throttling window on the simulated clock. ``call_latency`` makes every call take simulated time,
so a handler's time budget (the Lambda context's remaining time) can be exercised.

Time is simulated (``SimClock``); nothing sleeps. Status transitions (Pending -> InService, Deleting ->
Deleted / gone, Updating -> InService) happen when the clock passes their due time.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore.awsrequest import AWSResponse
from botocore.exceptions import ConnectTimeoutError, ReadTimeoutError
from botocore.validate import ParamValidator

ACCOUNT = "123456789012"
REGION = "us-east-1"


class SimClock:
    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def time(self) -> float:
        return self.now

    def datetime(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.now, tz=dt.UTC)


ANY = "*"  # inject into whatever operation is called next

# A transient fault as the service reports it: (code, message, HTTP status)
TRANSIENT_FAULTS = {
    "throttling": ("ThrottlingException", "Rate exceeded", 400),
    "too-many-requests": ("TooManyRequestsException", "Too many requests, slow down", 429),
    "service-unavailable": ("ServiceUnavailable", "Service is unavailable, try again later", 503),
    "internal-failure": ("InternalFailure", "An internal error occurred", 500),
    "bad-gateway": ("BadGateway", "Bad gateway", 502),
}


class FakeError(Exception):
    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


@dataclass
class Injected:
    """One injected fault: a service error answer, or an exception raised from the call."""

    code: str = ""
    message: str = ""
    status: int = 400
    exception: Callable[[], Exception] | None = None


@dataclass
class Transition:
    at: float | None  # None: never (stuck)
    to: str  # a status, or "<gone>"


@dataclass
class Entity:
    kind: str
    key: tuple[str, ...]
    data: dict[str, Any]
    transition: Transition | None = None
    created: float = 0.0


GONE = "<gone>"


def _validate_output(response: dict[str, Any], shape: Any, operation: str) -> None:
    if shape is None:
        if response:
            raise AssertionError(f"{operation} has no output shape but the fake returned {response}")
        return
    report = ParamValidator().validate(response, shape)
    if report.has_errors():
        raise AssertionError(f"fake response for {operation} does not match the model:\n{report.generate_report()}")


class FakeService:
    """before-call plumbing shared by the fakes: dispatch, validation, call counting, error injection."""

    service_id = ""

    def __init__(self, clock: SimClock | None = None) -> None:
        self.clock = clock or SimClock()
        self.calls: Counter[str] = Counter()
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self._injected: dict[str, list[Injected]] = {}
        self._throttled_until: dict[str, float] = {}
        self._hooks: dict[str, list[Callable[[dict[str, Any]], None]]] = {}
        self.call_latency = 0.0  # simulated seconds every call takes
        self.injected_count = 0

    # -- wiring
    def attach(self, client: Any) -> Any:
        client.meta.events.register(f"before-call.{self.service_id}", self._before_call)
        return client

    def inject_error(
        self, operation: str, code: str, count: int = 1, message: str = "injected", status: int = 400
    ) -> None:
        """The next ``count`` calls of ``operation`` (any operation for ``"*"``) fail with ``code``."""
        self._injected.setdefault(operation, []).extend([Injected(code, message, status)] * count)

    def inject_throttles(self, operation: str, count: int) -> None:
        self.inject_error(operation, "ThrottlingException", count, "Rate exceeded")

    def inject_transient(self, operation: str, kind: str, count: int = 1) -> None:
        """A transient fault from TRANSIENT_FAULTS (or "read-timeout" / "connect-timeout")."""
        if kind in TRANSIENT_FAULTS:
            code, message, status = TRANSIENT_FAULTS[kind]
            self.inject_error(operation, code, count, message, status)
            return
        timeouts: dict[str, Callable[[], Exception]] = {
            "read-timeout": lambda: ReadTimeoutError(endpoint_url=f"https://{self.service_id}.{REGION}.fake"),
            "connect-timeout": lambda: ConnectTimeoutError(endpoint_url=f"https://{self.service_id}.{REGION}.fake"),
        }
        self._injected.setdefault(operation, []).extend([Injected(exception=timeouts[kind])] * count)

    def throttle_for(self, seconds: float, operation: str = ANY) -> None:
        """Every call of ``operation`` is throttled until the simulated clock has advanced ``seconds``."""
        self._throttled_until[operation] = self.clock.time() + seconds

    def _take_injected(self, operation: str) -> Injected | None:
        for key in (operation, ANY):
            pending = self._injected.get(key)
            if pending:
                self.injected_count += 1
                return pending.pop(0)
        for key in (operation, ANY):
            until = self._throttled_until.get(key)
            if until is not None and self.clock.time() < until:
                self.injected_count += 1
                return Injected("ThrottlingException", "Rate exceeded", 400)
        return None

    def on_call(self, operation: str, hook: Callable[[dict[str, Any]], None]) -> None:
        """Run ``hook(params)`` before the fake handles ``operation`` (e.g. to assert an ordering)."""
        self._hooks.setdefault(operation, []).append(hook)

    def params_of(self, operation: str) -> list[dict[str, Any]]:
        return [params for op, params in self.requests if op == operation]

    def _before_call(self, model: Any, params: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        operation = model.name
        body = params.get("body") or b"{}"
        request = json.loads(body.decode() if isinstance(body, bytes) else body or "{}")
        self.calls[operation] += 1
        self.requests.append((operation, copy.deepcopy(request)))
        self.clock.advance(self.call_latency)
        try:
            injected = self._take_injected(operation)
            if injected is not None:
                if injected.exception is not None:
                    raise injected.exception()
                raise FakeError(injected.code, injected.message, injected.status)
            for hook in self._hooks.get(operation, []):
                hook(request)
            method = getattr(self, f"op_{operation}", None)
            if method is None:
                raise NotImplementedError(f"{type(self).__name__} does not implement {operation}")
            self.settle()
            result = method(request) or {}
            _validate_output(result, model.output_shape, operation)
            meta = {
                "RequestId": str(uuid.uuid4()),
                "HTTPStatusCode": 200,
                "HTTPHeaders": {},
                "RetryAttempts": 0,
            }
            return AWSResponse("https://fake", 200, {}, None), {**result, "ResponseMetadata": meta}
        except FakeError as exc:
            meta = {"RequestId": str(uuid.uuid4()), "HTTPStatusCode": exc.status, "HTTPHeaders": {}}
            parsed = {"Error": {"Code": exc.code, "Message": exc.message}, "ResponseMetadata": meta}
            return AWSResponse("https://fake", exc.status, {}, None), parsed

    def settle(self) -> None:
        """Apply the status transitions that are due."""

    # -- pagination
    def _page(
        self,
        items: list[Any],
        request: dict[str, Any],
        max_page: int,
        default_page: int,
        token_in: str = "NextToken",
        size_in: str = "MaxResults",
    ) -> tuple[list[Any], str | None]:
        start = int(request.get(token_in) or 0)
        size = min(int(request.get(size_in) or default_page), max_page)
        page = items[start : start + size]
        nxt = start + size
        return page, (str(nxt) if nxt < len(items) else None)


class FakeSageMaker(FakeService):
    service_id = "sagemaker"

    def __init__(
        self,
        clock: SimClock | None = None,
        *,
        page_size: int = 100,
        app_create_latency: float = 60,
        app_delete_latency: float = 180,
        space_delete_latency: float = 60,
        profile_delete_latency: float = 30,
        domain_delete_latency: float = 300,
        update_latency: float = 60,
        portfolio_enable_latency: float = 60,
    ) -> None:
        super().__init__(clock)
        self.page_size = page_size
        self.app_create_latency = app_create_latency
        self.app_delete_latency = app_delete_latency
        self.space_delete_latency = space_delete_latency
        self.profile_delete_latency = profile_delete_latency
        self.domain_delete_latency = domain_delete_latency
        self.update_latency = update_latency
        self.portfolio_enable_latency = portfolio_enable_latency
        self.domains: dict[str, Entity] = {}
        self.profiles: dict[tuple[str, str], Entity] = {}
        self.spaces: dict[tuple[str, str], Entity] = {}
        self.apps: dict[tuple[str, ...], Entity] = {}
        self.portfolio_status = "Disabled"
        self._portfolio_enabled_at: float | None = None
        self.stuck_apps: set[tuple[str, ...]] = set()
        self.fail_next_update: str | None = None
        self.fail_domain_delete: str | None = None
        self.on_domain_deleted: list[Callable[[str, dict[str, Any]], None]] = []
        self.retention_policies: dict[str, dict[str, str]] = {}
        self.history: list[tuple[float, str, tuple[str, ...]]] = []  # (time, event, key) for ordering proofs

    # -- direct setup helpers
    def add_domain(
        self,
        domain_id: str = "d-abc123",
        *,
        vpc_id: str = "vpc-1",
        status: str = "InService",
        efs_id: str = "fs-12345678",
        default_user_settings: dict[str, Any] | None = None,
    ) -> str:
        arn = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:domain/{domain_id}"
        self.domains[domain_id] = Entity(
            "domain",
            (domain_id,),
            {
                "DomainId": domain_id,
                "DomainArn": arn,
                "DomainName": f"name-{domain_id}",
                "Status": status,
                "VpcId": vpc_id,
                "HomeEfsFileSystemId": efs_id,
                "AuthMode": "IAM",
                "DefaultUserSettings": copy.deepcopy(
                    default_user_settings or {"ExecutionRole": f"arn:aws:iam::{ACCOUNT}:role/exec"}
                ),
            },
            created=self.clock.time(),
        )
        return arn

    def add_user_profile(
        self,
        domain_id: str,
        name: str,
        *,
        status: str = "InService",
        user_settings: dict[str, Any] | None = None,
    ) -> None:
        self._domain(domain_id)
        self.profiles[(domain_id, name)] = Entity(
            "profile",
            (domain_id, name),
            {
                "DomainId": domain_id,
                "UserProfileName": name,
                "UserProfileArn": f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:user-profile/{domain_id}/{name}",
                "Status": status,
                "UserSettings": copy.deepcopy(user_settings or {}),
            },
            created=self.clock.time(),
        )

    def add_space(
        self,
        domain_id: str,
        name: str,
        *,
        owner: str | None = None,
        sharing: str = "Private",
        app_type: str = "JupyterLab",
        status: str = "InService",
    ) -> None:
        self._domain(domain_id)
        data: dict[str, Any] = {
            "DomainId": domain_id,
            "SpaceName": name,
            "SpaceArn": f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:space/{domain_id}/{name}",
            "Status": status,
            "SpaceSettings": {"AppType": app_type},
            "SpaceSharingSettings": {"SharingType": sharing},
        }
        if owner is not None:
            self._profile(domain_id, owner)
            data["OwnershipSettings"] = {"OwnerUserProfileName": owner}
        self.spaces[(domain_id, name)] = Entity("space", (domain_id, name), data, created=self.clock.time())

    def add_app(
        self,
        domain_id: str,
        app_name: str,
        app_type: str = "JupyterLab",
        *,
        user_profile: str | None = None,
        space: str | None = None,
        status: str = "InService",
        stuck: bool = False,
    ) -> tuple[str, ...]:
        if (user_profile is None) == (space is None):
            raise ValueError("give exactly one of user_profile or space")
        if user_profile is not None:
            self._profile(domain_id, user_profile)
            key = (domain_id, "profile", user_profile, app_type, app_name)
        else:
            self._space(domain_id, str(space))
            key = (domain_id, "space", str(space), app_type, app_name)
        data: dict[str, Any] = {
            "DomainId": domain_id,
            "AppType": app_type,
            "AppName": app_name,
            "Status": status,
            "AppArn": f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:app/{domain_id}/{'/'.join(key[2:])}".lower(),
        }
        if user_profile is not None:
            data["UserProfileName"] = user_profile
        else:
            data["SpaceName"] = space
        self.apps[key] = Entity("app", key, data, created=self.clock.time() + len(self.apps) * 1e-6)
        if stuck:
            self.stuck_apps.add(key)
        return key

    def app_status(self, key: tuple[str, ...]) -> str:
        self.settle()
        return str(self.apps[key].data["Status"])

    def live_apps(self) -> list[tuple[str, ...]]:
        self.settle()
        return [k for k, e in self.apps.items() if e.data["Status"] not in {"Deleted", "Failed"}]

    # -- internals
    def _domain(self, domain_id: str) -> Entity:
        entity = self.domains.get(domain_id)
        if entity is None:
            raise FakeError("ResourceNotFound", f"Domain {domain_id} does not exist.")
        return entity

    def _profile(self, domain_id: str, name: str) -> Entity:
        entity = self.profiles.get((domain_id, name))
        if entity is None:
            raise FakeError("ResourceNotFound", f"User profile {name} does not exist in domain {domain_id}.")
        return entity

    def _space(self, domain_id: str, name: str) -> Entity:
        entity = self.spaces.get((domain_id, name))
        if entity is None:
            raise FakeError("ResourceNotFound", f"Space {name} does not exist in domain {domain_id}.")
        return entity

    def _schedule(self, entity: Entity, status: str, then: str, after: float | None) -> None:
        entity.data["Status"] = status
        entity.data["LastModifiedTime"] = self.clock.datetime()
        entity.transition = Transition(None if after is None else self.clock.time() + after, then)

    def settle(self) -> None:
        now = self.clock.time()
        tables: list[dict[Any, Entity]] = [self.apps, self.spaces, self.profiles, self.domains]
        for table in tables:
            for key, entity in list(table.items()):
                tr = entity.transition
                if tr is None or tr.at is None or tr.at > now:
                    continue
                entity.transition = None
                if tr.to == GONE:
                    del table[key]
                    self.history.append((tr.at, f"{entity.kind}-gone", entity.key))
                    if entity.kind == "domain":
                        for callback in self.on_domain_deleted:
                            callback(key[0], entity.data)
                else:
                    entity.data["Status"] = tr.to
                    self.history.append((tr.at, f"{entity.kind}-{tr.to}", entity.key))
        if self._portfolio_enabled_at is not None and self._portfolio_enabled_at <= now:
            self.portfolio_status = "Enabled"

    def _apps_of_profile(self, domain_id: str, name: str) -> list[Entity]:
        return [e for e in self.apps.values() if e.key[0] == domain_id and e.key[1:3] == ("profile", name)]

    def _apps_of_space(self, domain_id: str, name: str) -> list[Entity]:
        return [e for e in self.apps.values() if e.key[0] == domain_id and e.key[1:3] == ("space", name)]

    @staticmethod
    def _blocking(apps: list[Entity]) -> list[Entity]:
        return [a for a in apps if a.data["Status"] not in {"Deleted", "Failed"}]

    def _app_key(self, request: dict[str, Any]) -> tuple[str, ...]:
        has_profile, has_space = "UserProfileName" in request, "SpaceName" in request
        if has_profile == has_space:
            raise FakeError("ValidationException", "Exactly one of UserProfileName or SpaceName is required.")
        if has_profile:
            return (
                request["DomainId"],
                "profile",
                request["UserProfileName"],
                request["AppType"],
                request["AppName"],
            )
        return (request["DomainId"], "space", request["SpaceName"], request["AppType"], request["AppName"])

    def _sorted(self, entities: list[Entity], request: dict[str, Any]) -> list[Entity]:
        ordered = sorted(entities, key=lambda e: (e.created, e.key))
        if request.get("SortOrder") == "Descending":
            ordered.reverse()
        return ordered

    # -- domains
    def op_DescribeDomain(self, request: dict[str, Any]) -> dict[str, Any]:
        entity = self._domain(request["DomainId"])
        return {
            **copy.deepcopy(entity.data),
            "CreationTime": dt.datetime.fromtimestamp(entity.created, tz=dt.UTC),
        }

    def op_UpdateDomain(self, request: dict[str, Any]) -> dict[str, Any]:
        entity = self._domain(request["DomainId"])
        if entity.data["Status"] not in {"InService", "Update_Failed"}:
            raise FakeError("ResourceInUse", f"Domain is {entity.data['Status']}; try again later.")
        for key, value in (request.get("DefaultUserSettings") or {}).items():
            entity.data.setdefault("DefaultUserSettings", {})[key] = copy.deepcopy(value)
        self._finish_update(entity)
        return {"DomainArn": entity.data["DomainArn"]}

    def _finish_update(self, entity: Entity) -> None:
        entity.data.pop("FailureReason", None)
        if self.fail_next_update:
            entity.data["FailureReason"] = self.fail_next_update
            self.fail_next_update = None
            self._schedule(entity, "Updating", "Update_Failed", self.update_latency)
        else:
            self._schedule(entity, "Updating", "InService", self.update_latency)

    def op_DeleteDomain(self, request: dict[str, Any]) -> dict[str, Any]:
        domain_id = request["DomainId"]
        entity = self._domain(domain_id)
        profiles = [k[1] for k in self.profiles if k[0] == domain_id]
        spaces = [k[1] for k in self.spaces if k[0] == domain_id]
        if profiles or spaces:
            raise FakeError("ResourceInUse", f"Domain has user profiles {profiles} or spaces {spaces}.")
        self.retention_policies[domain_id] = request.get("RetentionPolicy", {"HomeEfsFileSystem": "Retain"})
        if self.fail_domain_delete:
            entity.data["FailureReason"] = self.fail_domain_delete
            self._schedule(entity, "Deleting", "Delete_Failed", self.domain_delete_latency)
        else:
            self._schedule(entity, "Deleting", GONE, self.domain_delete_latency)
        self.history.append((self.clock.time(), "domain-delete", (domain_id,)))
        return {}

    # -- user profiles
    def op_ListUserProfiles(self, request: dict[str, Any]) -> dict[str, Any]:
        items = [
            e
            for e in self.profiles.values()
            if (not request.get("DomainIdEquals") or e.key[0] == request["DomainIdEquals"])
            and request.get("UserProfileNameContains", "") in e.key[1]
        ]
        page, token = self._page(self._sorted(items, request), request, self.page_size, 10)
        result: dict[str, Any] = {
            "UserProfiles": [
                {
                    "DomainId": e.key[0],
                    "UserProfileName": e.key[1],
                    "Status": e.data["Status"],
                    "CreationTime": dt.datetime.fromtimestamp(e.created, tz=dt.UTC),
                }
                for e in page
            ]
        }
        if token:
            result["NextToken"] = token
        return result

    def op_DescribeUserProfile(self, request: dict[str, Any]) -> dict[str, Any]:
        entity = self._profile(request["DomainId"], request["UserProfileName"])
        return copy.deepcopy(entity.data)

    def op_UpdateUserProfile(self, request: dict[str, Any]) -> dict[str, Any]:
        entity = self._profile(request["DomainId"], request["UserProfileName"])
        if entity.data["Status"] not in {"InService", "Update_Failed"}:
            raise FakeError("ResourceInUse", f"User profile is {entity.data['Status']}; try again later.")
        for key, value in (request.get("UserSettings") or {}).items():
            entity.data.setdefault("UserSettings", {})[key] = copy.deepcopy(value)
        self._finish_update(entity)
        return {"UserProfileArn": entity.data["UserProfileArn"]}

    def op_DeleteUserProfile(self, request: dict[str, Any]) -> dict[str, Any]:
        domain_id, name = request["DomainId"], request["UserProfileName"]
        entity = self._profile(domain_id, name)
        if self._blocking(self._apps_of_profile(domain_id, name)):
            raise FakeError("ResourceInUse", f"User profile {name} has apps that are not deleted.")
        owned = [
            k[1]
            for k, s in self.spaces.items()
            if k[0] == domain_id and s.data.get("OwnershipSettings", {}).get("OwnerUserProfileName") == name
        ]
        if owned:
            raise FakeError("ResourceInUse", f"User profile {name} owns spaces {owned}.")
        self._schedule(entity, "Deleting", GONE, self.profile_delete_latency)
        return {}

    # -- spaces
    def op_ListSpaces(self, request: dict[str, Any]) -> dict[str, Any]:
        items = [
            e
            for e in self.spaces.values()
            if (not request.get("DomainIdEquals") or e.key[0] == request["DomainIdEquals"])
            and request.get("SpaceNameContains", "") in e.key[1]
        ]
        page, token = self._page(self._sorted(items, request), request, self.page_size, 10)
        spaces = []
        for e in page:
            summary: dict[str, Any] = {
                "DomainId": e.key[0],
                "SpaceName": e.key[1],
                "Status": e.data["Status"],
                "CreationTime": dt.datetime.fromtimestamp(e.created, tz=dt.UTC),
                "SpaceSettingsSummary": {"AppType": e.data["SpaceSettings"]["AppType"]},
                "SpaceSharingSettingsSummary": copy.deepcopy(e.data["SpaceSharingSettings"]),
            }
            if "OwnershipSettings" in e.data:
                summary["OwnershipSettingsSummary"] = copy.deepcopy(e.data["OwnershipSettings"])
            spaces.append(summary)
        result: dict[str, Any] = {"Spaces": spaces}
        if token:
            result["NextToken"] = token
        return result

    def op_DescribeSpace(self, request: dict[str, Any]) -> dict[str, Any]:
        return copy.deepcopy(self._space(request["DomainId"], request["SpaceName"]).data)

    def op_DeleteSpace(self, request: dict[str, Any]) -> dict[str, Any]:
        domain_id, name = request["DomainId"], request["SpaceName"]
        entity = self._space(domain_id, name)
        if entity.data["Status"] == "Deleting":
            raise FakeError("ResourceInUse", f"Space {name} is already being deleted.")
        blocking = self._blocking(self._apps_of_space(domain_id, name))
        if blocking:
            raise FakeError(
                "ResourceInUse",
                f"Space {name} has apps that are not deleted: {[a.data['AppName'] for a in blocking]}.",
            )
        self._schedule(entity, "Deleting", GONE, self.space_delete_latency)
        self.history.append((self.clock.time(), "space-delete", entity.key))
        return {}

    # -- apps
    def op_ListApps(self, request: dict[str, Any]) -> dict[str, Any]:
        items = [
            e
            for e in self.apps.values()
            if (not request.get("DomainIdEquals") or e.key[0] == request["DomainIdEquals"])
            and (
                not request.get("UserProfileNameEquals") or e.key[1:3] == ("profile", request["UserProfileNameEquals"])
            )
            and (not request.get("SpaceNameEquals") or e.key[1:3] == ("space", request["SpaceNameEquals"]))
        ]
        page, token = self._page(self._sorted(items, request), request, self.page_size, 10)
        apps = []
        for e in page:
            item = {k: e.data[k] for k in ("DomainId", "AppType", "AppName", "Status")}
            for optional in ("UserProfileName", "SpaceName"):
                if optional in e.data:
                    item[optional] = e.data[optional]
            item["CreationTime"] = dt.datetime.fromtimestamp(e.created, tz=dt.UTC)
            apps.append(item)
        result: dict[str, Any] = {"Apps": apps}
        if token:
            result["NextToken"] = token
        return result

    def op_DescribeApp(self, request: dict[str, Any]) -> dict[str, Any]:
        entity = self.apps.get(self._app_key(request))
        if entity is None:
            raise FakeError("ResourceNotFound", "App does not exist.")
        return copy.deepcopy(entity.data)

    def op_CreateApp(self, request: dict[str, Any]) -> dict[str, Any]:
        key = self._app_key(request)
        self._domain(key[0])
        if key[1] == "profile":
            self._profile(key[0], key[2])
        else:
            self._space(key[0], key[2])
        existing = self.apps.get(key)
        if existing is not None and existing.data["Status"] not in {"Deleted", "Failed"}:
            raise FakeError("ResourceInUse", "App already exists.")
        if key[1] == "profile":
            self.add_app(key[0], key[4], key[3], status="Pending", user_profile=key[2])
        else:
            self.add_app(key[0], key[4], key[3], status="Pending", space=key[2])
        self._schedule(self.apps[key], "Pending", "InService", self.app_create_latency)
        return {"AppArn": self.apps[key].data["AppArn"]}

    def op_DeleteApp(self, request: dict[str, Any]) -> dict[str, Any]:
        key = self._app_key(request)
        self._domain(key[0])
        entity = self.apps.get(key)
        if entity is None:
            raise FakeError("ResourceNotFound", "App does not exist.")
        status = entity.data["Status"]
        if status in {"Deleted", "Failed"}:
            raise FakeError("ValidationException", f"App is in {status} state and cannot be deleted.")
        if status in {"Deleting", "Pending"}:
            raise FakeError("ResourceInUse", f"App is {status}; try again later.")
        self._schedule(entity, "Deleting", "Deleted", None if key in self.stuck_apps else self.app_delete_latency)
        self.history.append((self.clock.time(), "app-delete", key))
        return {}

    # -- projects
    def op_GetSagemakerServicecatalogPortfolioStatus(self, request: dict[str, Any]) -> dict[str, Any]:
        return {"Status": self.portfolio_status}

    def op_EnableSagemakerServicecatalogPortfolio(self, request: dict[str, Any]) -> dict[str, Any]:
        if self.portfolio_status != "Enabled" and self._portfolio_enabled_at is None:
            self._portfolio_enabled_at = self.clock.time() + self.portfolio_enable_latency
        return {}

    def op_DisableSagemakerServicecatalogPortfolio(self, request: dict[str, Any]) -> dict[str, Any]:
        self.portfolio_status = "Disabled"
        self._portfolio_enabled_at = None
        return {}


@dataclass
class Portfolio:
    id: str
    provider: str
    principals: set[str] = field(default_factory=set)


class FakeServiceCatalog(FakeService):
    """ListAcceptedPortfolioShares and principal association, which moto does not implement."""

    service_id = "service-catalog"

    def __init__(self, sagemaker: FakeSageMaker, page_size: int = 20) -> None:
        super().__init__(sagemaker.clock)
        self.sagemaker = sagemaker
        self.page_size = page_size
        self.portfolios = {
            "port-otherabc123": Portfolio("port-otherabc123", "Some Other Team"),
            "port-sagemaker01": Portfolio("port-sagemaker01", "Amazon SageMaker"),
        }

    def _visible(self) -> list[Portfolio]:
        self.sagemaker.settle()
        if self.sagemaker.portfolio_status != "Enabled":
            return [p for p in self.portfolios.values() if p.provider != "Amazon SageMaker"]
        return list(self.portfolios.values())

    def _portfolio(self, portfolio_id: str) -> Portfolio:
        for p in self._visible():
            if p.id == portfolio_id:
                return p
        raise FakeError("ResourceNotFoundException", f"Portfolio {portfolio_id} not found.")

    def op_ListAcceptedPortfolioShares(self, request: dict[str, Any]) -> dict[str, Any]:
        if request.get("PortfolioShareType") != "AWS_SERVICECATALOG":
            return {"PortfolioDetails": []}
        page, token = self._page(self._visible(), request, self.page_size, 20, "PageToken", "PageSize")
        result: dict[str, Any] = {
            "PortfolioDetails": [
                {
                    "Id": p.id,
                    "ARN": f"arn:aws:catalog:{REGION}:{ACCOUNT}:portfolio/{p.id}",
                    "DisplayName": p.provider,
                    "ProviderName": p.provider,
                }
                for p in page
            ]
        }
        if token:
            result["NextPageToken"] = token
        return result

    def op_AssociatePrincipalWithPortfolio(self, request: dict[str, Any]) -> dict[str, Any]:
        self._portfolio(request["PortfolioId"]).principals.add(request["PrincipalARN"])
        return {}

    def op_DisassociatePrincipalFromPortfolio(self, request: dict[str, Any]) -> dict[str, Any]:
        portfolio = self._portfolio(request["PortfolioId"])
        if request["PrincipalARN"] not in portfolio.principals:
            raise FakeError("ResourceNotFoundException", "Principal is not associated with the portfolio.")
        portfolio.principals.discard(request["PrincipalARN"])
        return {}


class ErrorInjector(FakeService):
    """Inject errors into any client (e.g. a moto-backed EC2 client) without replacing its other calls."""

    def __init__(self, service_id: str, clock: SimClock | None = None) -> None:
        super().__init__(clock)
        self.service_id = service_id

    def _before_call(self, model: Any, params: dict[str, Any], **kwargs: Any) -> Any:
        operation = model.name
        self.calls[operation] += 1
        self.clock.advance(self.call_latency)
        injected = self._take_injected(operation)
        for hook in self._hooks.get(operation, []):
            hook(params)
        if injected is not None:
            if injected.exception is not None:
                raise injected.exception()
            meta = {"RequestId": str(uuid.uuid4()), "HTTPStatusCode": injected.status, "HTTPHeaders": {}}
            return AWSResponse("https://fake", injected.status, {}, None), {
                "Error": {"Code": injected.code, "Message": injected.message},
                "ResponseMetadata": meta,
            }
        return None
