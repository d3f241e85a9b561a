from __future__ import annotations

import json

import _common
import pytest
from botocore.exceptions import ClientError, ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError
from provider_harness import LAMBDA_TIMEOUT_MS, FakeContext


def test_real_client_factory_uses_adaptive_retries(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    client = _common.client("sagemaker")
    retries = client.meta.config.retries
    assert retries["mode"] == "adaptive"
    assert retries["total_max_attempts"] == _common.TOTAL_ATTEMPTS
    assert client.meta.config.connect_timeout == _common.CONNECT_TIMEOUT_S
    assert client.meta.config.read_timeout == _common.READ_TIMEOUT_S


def test_one_call_fits_in_the_safety_margin():
    """A call started just before the margin must end before the Lambda timeout, even if every attempt hangs."""
    worst = _common.worst_case_call_seconds()
    assert worst == 4 * (5 + 15 + 2) + (1 + 2 + 4)
    assert worst * 1000 < _common.SAFETY_MARGIN_MS
    # ...and the margin leaves most of the 5-minute invocation for work.
    assert _common.SAFETY_MARGIN_MS <= LAMBDA_TIMEOUT_MS / 2


def test_remaining_time_comes_from_the_lambda_context():
    assert _common.remaining_ms(FakeContext("arn:aws:lambda:us-east-1:1:function:f", timeout_ms=200_000)) == 200_000
    assert _common.out_of_time(FakeContext("arn:aws:lambda:us-east-1:1:function:f", timeout_ms=100_000))
    with pytest.raises(TypeError, match="get_remaining_time_in_millis"):
        _common.remaining_ms(None)


def _client_error(code, message="msg", status=400, operation="ListApps"):
    return ClientError(
        {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}}, operation
    )


@pytest.mark.parametrize(
    "exc",
    [
        _client_error("ThrottlingException"),
        _client_error("Throttling"),
        _client_error("TooManyRequestsException", status=429),
        _client_error("RequestLimitExceeded"),
        _client_error("ServiceUnavailable", status=503),
        _client_error("InternalFailure", status=500),
        _client_error("SomethingNew", status=502),
        ReadTimeoutError(endpoint_url="https://x"),
        ConnectTimeoutError(endpoint_url="https://x"),
        EndpointConnectionError(endpoint_url="https://x"),
    ],
    ids=lambda e: _common.error_fields(e)["error_code"],
)
def test_transient_errors(exc):
    assert _common.is_transient(exc)


@pytest.mark.parametrize(
    "exc",
    [
        _client_error("ValidationException"),
        _client_error("AccessDeniedException", status=403),
        _client_error("ResourceInUse"),
        _client_error("ResourceNotFound"),
        _client_error("ResourceLimitExceeded"),
        ValueError("bad property"),
    ],
    ids=lambda e: _common.error_fields(e)["error_code"],
)
def test_permanent_errors(exc):
    assert not _common.is_transient(exc)


def test_error_fields_carry_the_service_message():
    exc = _client_error("ValidationException", "App type is not supported", operation="DeleteApp")
    assert _common.error_fields(exc) == {
        "error_type": "ClientError",
        "error_code": "ValidationException",
        "error_message": "App type is not supported",
        "operation": "DeleteApp",
        "http_status": 400,
    }
    assert _common.describe_error(exc) == "DeleteApp: ValidationException: App type is not supported"


@pytest.fixture
def sim(monkeypatch, clock):
    monkeypatch.setattr(_common, "now", clock.time)
    monkeypatch.setenv(_common.TOTAL_TIMEOUT_ENV, "600")
    monkeypatch.setenv(_common.QUERY_INTERVAL_ENV, "30")
    return clock


def _event(clock, started_offset=0):
    return {"RequestType": "Delete", "Data": {_common.STARTED_AT: str(int(clock.time() + started_offset))}}


def test_provider_deadline_is_total_timeout_less_one_interval(sim, monkeypatch):
    event = _event(sim)
    assert _common.provider_deadline(event) == (sim.time() + 570, "the Provider's total timeout of 10 min")
    assert _common.provider_deadline({"Data": {}}) is None
    monkeypatch.setenv(_common.TOTAL_TIMEOUT_ENV, "90")
    assert _common.provider_deadline(event) == (sim.time() + 60, "the Provider's total timeout of 90 s")
    monkeypatch.delenv(_common.TOTAL_TIMEOUT_ENV)
    assert _common.provider_deadline(event) is None
    monkeypatch.setenv(_common.TOTAL_TIMEOUT_ENV, "soon")
    with pytest.raises(ValueError, match=_common.TOTAL_TIMEOUT_ENV):
        _common.provider_deadline(event)


def test_poll_defers_transient_errors_until_the_deadline(sim, capsys):
    calls = []

    @_common.poll("demo.is_complete")
    def flaky(event, context):
        calls.append(1)
        raise _client_error("ThrottlingException", "Rate exceeded")

    assert flaky(_event(sim), None) == {"IsComplete": False}
    line = json.loads(capsys.readouterr().out.strip())
    assert line["level"] == "WARNING"
    assert (line["error_code"], line["error_message"], line["operation"]) == (
        "ThrottlingException",
        "Rate exceeded",
        "ListApps",
    )
    assert line["seconds_left"] == 570
    with pytest.raises(_common.DeadlineExceeded) as err:
        flaky(_event(sim, started_offset=-570), None)
    assert "ListApps: ThrottlingException: Rate exceeded" in str(err.value)
    assert "total timeout of 10 min" in str(err.value)
    assert len(calls) == 2


def test_poll_raises_permanent_errors_at_once_and_logs_them(sim, capsys):
    @_common.poll("demo.is_complete")
    def broken(event, context):
        raise _client_error("ValidationException", "Bad app name", operation="DeleteApp")

    with pytest.raises(ClientError, match="Bad app name"):
        broken(_event(sim), None)
    line = json.loads(capsys.readouterr().out.strip())
    assert line["level"] == "ERROR"
    assert (line["error_code"], line["error_message"]) == ("ValidationException", "Bad app name")


def test_poll_fails_a_wait_past_the_deadline_naming_what_it_waits_for(sim):
    start = sim.time()

    @_common.poll("demo.is_complete", deadline=lambda e: (start + 60, "TimeoutMinutes=1"))
    def waiting(event, context):
        return {"IsComplete": False, _common.WAITING: "domain d-1 to be deleted"}

    event = _event(sim)
    assert waiting(event, None) == {"IsComplete": False}  # the WAITING entry is not passed on
    sim.advance(61)
    with pytest.raises(_common.DeadlineExceeded, match=r"TimeoutMinutes=1.*domain d-1 to be deleted"):
        waiting(event, None)


def test_entry_logs_failures_with_the_service_message(capsys):
    @_common.entry("demo.on_event")
    def failing(event, context):
        raise _client_error("AccessDeniedException", "not authorized to perform sagemaker:DeleteApp", 403)

    with pytest.raises(ClientError):
        failing({}, None)
    line = json.loads(capsys.readouterr().out.strip())
    assert line["handler"] == "demo.on_event"
    assert line["error_message"] == "not authorized to perform sagemaker:DeleteApp"


@pytest.mark.parametrize(("raw", "expected"), [("true", True), ("False", False), (True, True), (None, False)])
def test_as_bool(raw, expected):
    assert _common.as_bool(raw, "X") is expected


@pytest.mark.parametrize("raw", ["yes", "1", 1])
def test_as_bool_rejects(raw):
    with pytest.raises(ValueError, match="X"):
        _common.as_bool(raw, "X")


def test_as_list_and_int():
    assert _common.as_list(["a", "b", "a"], "L") == ["a", "b"]
    assert _common.as_list(None, "L") == []
    with pytest.raises(ValueError):
        _common.as_list("a", "L")
    assert _common.as_int("15", "N") == 15
    with pytest.raises(ValueError):
        _common.as_int("1.5", "N")


def test_coerce_to_shape_converts_strings():
    shape = _common.api_shape("s3", "CORSRule")
    rule = _common.coerce_to_shape({"ID": "x", "AllowedMethods": ["GET"], "MaxAgeSeconds": "60"}, shape)
    assert rule["MaxAgeSeconds"] == 60


def test_paginate_follows_tokens():
    pages = {None: {"Items": [1, 2], "Next": "a"}, "a": {"Items": [3], "Next": "b"}, "b": {"Items": [4]}}
    seen = []

    def call(**kwargs):
        seen.append(kwargs)
        return pages[kwargs.get("Token")]

    assert list(_common.paginate(call, "Items", "Token", "Next", Filter="f")) == [1, 2, 3, 4]
    assert all(k["Filter"] == "f" for k in seen)


def test_log_lines_are_single_json_objects(capsys):
    _common.info("hello", count=3, items=["a"])
    line = capsys.readouterr().out.strip()
    assert "\n" not in line
    assert json.loads(line) == {"level": "INFO", "message": "hello", "count": 3, "items": ["a"]}
