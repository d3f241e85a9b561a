from __future__ import annotations

import json

import _common
import pytest


def test_real_client_factory_uses_adaptive_retries(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    client = _common.client("sagemaker")
    retries = client.meta.config.retries
    assert retries["mode"] == "adaptive"
    # botocore's "max_attempts" counts retries, so 10 retries means 11 attempts in total.
    assert retries["total_max_attempts"] == 11


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
