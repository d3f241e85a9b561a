"""CORS rules on a bucket the stack does not own (e.g. the SageMaker default bucket).

Properties (strings, as CloudFormation sends them):
  BucketName   the bucket
  Rules        list of S3 CORSRule objects in the API's shape; every rule needs a unique ID, which is how
               this resource recognises its own rules (use a prefix such as "sagemaker-platform-")

PutBucketCors replaces the whole configuration, so Create/Update read the existing rules, drop every rule
whose ID belongs to this resource (old or new properties), append the new rules and write the result back.
Delete removes exactly our rule IDs and deletes the configuration when nothing else is left. Rules that
belong to anyone else are never changed.
"""

from __future__ import annotations

from typing import Any

import _common

MAX_RULES = 100  # S3's limit on CORS rules per bucket
RECOMMENDED_PREFIX = "sagemaker-platform-"


@_common.entry("bucket_cors.on_event")
def on_event(event: dict[str, Any], context: Any) -> dict[str, Any]:
    _common.log_event("bucket_cors.on_event", event)
    props = _common.resource_properties(event)
    bucket = _common.require(props, "BucketName")
    rules = _rules(props)
    physical_id = _physical_id(event, bucket)
    s3 = _common.client("s3")
    ours = {r["ID"] for r in rules}

    if event["RequestType"] == "Delete":
        existing = _get_rules(s3, bucket, missing_bucket_ok=True)
        if existing is None:
            _common.info("bucket already gone", bucket=bucket)
            return {"PhysicalResourceId": physical_id, "Data": {"BucketName": bucket, "RuleCount": "0"}}
        kept = [r for r in existing if r.get("ID") not in ours]
        if len(kept) != len(existing):
            _write(s3, bucket, kept)
        return {
            "PhysicalResourceId": physical_id,
            "Data": {"BucketName": bucket, "RuleCount": str(len(kept))},
        }

    if event["RequestType"] == "Update":
        old_props = _common.old_resource_properties(event)
        if old_props.get("BucketName") == bucket:
            ours |= {r["ID"] for r in _rules(old_props)}
    existing = _get_rules(s3, bucket, missing_bucket_ok=False) or []
    merged = [r for r in existing if r.get("ID") not in ours] + rules
    if len(merged) > MAX_RULES:
        raise ValueError(
            f"Bucket {bucket} would have {len(merged)} CORS rules ({len(merged) - len(rules)} existing + "
            f"{len(rules)} ours); S3 allows at most {MAX_RULES}. Remove unused rules from the bucket first."
        )
    _write(s3, bucket, merged)
    return {"PhysicalResourceId": physical_id, "Data": {"BucketName": bucket, "RuleCount": str(len(merged))}}


def is_complete(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """PutBucketCors is synchronous; nothing to wait for."""
    return {"IsComplete": True}


# ----------------------------------------------------------------------------------------------------------
def _physical_id(event: dict[str, Any], bucket: str) -> str:
    existing = event.get("PhysicalResourceId")
    if event["RequestType"] == "Delete" and existing:
        return str(existing)
    # Another bucket gets another id, so CloudFormation removes our rules from the old bucket with a Delete.
    return f"bucket-cors:{bucket}"


def _rules(props: dict[str, Any]) -> list[dict[str, Any]]:
    raw = props.get("Rules") or []
    if not isinstance(raw, list):
        raise ValueError("Property Rules must be a list of CORS rules")
    shape = _common.api_shape("s3", "CORSRule")
    rules = [_common.coerce_to_shape(rule, shape, f"Rules[{i}]") for i, rule in enumerate(raw)]
    seen: set[str] = set()
    for i, rule in enumerate(rules):
        rule_id = rule.get("ID")
        if not isinstance(rule_id, str) or not rule_id:
            raise ValueError(f"Rules[{i}] needs an ID: the ID is how this resource finds its own rules")
        if rule_id in seen:
            raise ValueError(f"Rules[{i}]: duplicate rule ID {rule_id!r}")
        if not rule.get("AllowedMethods") or not rule.get("AllowedOrigins"):
            raise ValueError(f"Rules[{i}] ({rule_id}) needs AllowedMethods and AllowedOrigins")
        if not rule_id.startswith(RECOMMENDED_PREFIX):
            _common.warning("rule ID without the recommended prefix", rule_id=rule_id, prefix=RECOMMENDED_PREFIX)
        seen.add(rule_id)
    return rules


def _get_rules(s3: Any, bucket: str, missing_bucket_ok: bool) -> list[dict[str, Any]] | None:
    try:
        return list(s3.get_bucket_cors(Bucket=bucket).get("CORSRules", []))
    except Exception as exc:
        code = _common.error_code(exc)
        if code == "NoSuchCORSConfiguration":
            return []
        if code == "NoSuchBucket":
            if missing_bucket_ok:
                return None
            raise RuntimeError(f"Bucket {bucket} does not exist; create it before adding CORS rules") from exc
        raise


def _write(s3: Any, bucket: str, rules: list[dict[str, Any]]) -> None:
    if rules:
        s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": rules})
        _common.info("bucket cors written", bucket=bucket, rule_ids=[r.get("ID") for r in rules])
    else:
        try:
            s3.delete_bucket_cors(Bucket=bucket)
        except Exception as exc:
            if _common.error_code(exc) != "NoSuchBucket":
                raise
        _common.info("bucket cors deleted (no rules left)", bucket=bucket)
