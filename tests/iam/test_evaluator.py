"""The offline IAM evaluator decides requests as IAM's documented evaluation logic does."""

from __future__ import annotations

from typing import Any

import pytest

from tests.iam.evaluator import Decision, Request, evaluate, evaluate_with_resource_policy

ACCOUNT = "111122223333"
DOMAIN = "d-abc123"
SPACE = f"arn:aws:sagemaker:eu-west-1:{ACCOUNT}:space/{DOMAIN}/ana-space"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/ana"


def policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def decide(statement_or_policies: Any, action: str, resource: str = "*", **context: Any) -> Decision:
    policies = statement_or_policies if isinstance(statement_or_policies, list) else [policy(statement_or_policies)]
    return evaluate(policies, Request(action, resource, context))


# ----------------------------------------------------------------------------------------------------------
# Effect
# ----------------------------------------------------------------------------------------------------------
def test_nothing_allowed_is_an_implicit_deny() -> None:
    assert evaluate([], Request("s3:GetObject", "arn:aws:s3:::b/k")) is Decision.IMPLICIT_DENY
    assert decide(allow("s3:PutObject"), "s3:GetObject") is Decision.IMPLICIT_DENY


def test_allow_allows() -> None:
    assert decide(allow("s3:GetObject"), "s3:GetObject", "arn:aws:s3:::b/k") is Decision.ALLOW


def test_explicit_deny_wins_over_allow_in_any_policy() -> None:
    policies = [policy(allow("s3:*")), policy(deny("s3:DeleteObjectVersion", "arn:aws:s3:::b/*"))]
    assert decide(policies, "s3:DeleteObjectVersion", "arn:aws:s3:::b/k") is Decision.EXPLICIT_DENY
    assert decide(policies, "s3:DeleteObject", "arn:aws:s3:::b/k") is Decision.ALLOW
    assert decide(policies, "s3:DeleteObjectVersion", "arn:aws:s3:::other/k") is Decision.ALLOW


def test_single_statement_object_is_accepted() -> None:
    doc = {"Version": "2012-10-17", "Statement": allow("sqs:SendMessage")}
    assert evaluate([doc], Request("sqs:SendMessage", "*")) is Decision.ALLOW


# ----------------------------------------------------------------------------------------------------------
# Action / NotAction
# ----------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("pattern", "action", "expected"),
    [
        ("sagemaker:DeleteApp", "sagemaker:deleteapp", True),  # case-insensitive
        ("SageMaker:Describe*", "sagemaker:DescribeSpace", True),
        ("sagemaker:Describe*", "sagemaker:ListSpaces", False),
        ("sagemaker:Delete?pp", "sagemaker:DeleteApp", True),
        ("sagemaker:Delete?pp", "sagemaker:DeleteAppp", False),
        ("*", "kms:Decrypt", True),
        ("s3:*", "s3express:CreateSession", False),
    ],
)
def test_action_wildcards(pattern: str, action: str, expected: bool) -> None:
    got = decide(allow(pattern), action) is Decision.ALLOW
    assert got is expected


def test_not_action_allows_everything_else() -> None:
    statement = {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"}
    assert decide(statement, "s3:GetObject") is Decision.ALLOW
    assert decide(statement, "iam:PassRole") is Decision.IMPLICIT_DENY


def test_not_action_deny() -> None:
    policies = [policy(allow("*"), {"Effect": "Deny", "NotAction": "sagemaker:*", "Resource": "*"})]
    assert decide(policies, "sagemaker:CreateApp") is Decision.ALLOW
    assert decide(policies, "s3:GetObject") is Decision.EXPLICIT_DENY


# ----------------------------------------------------------------------------------------------------------
# Resource / NotResource
# ----------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("pattern", "resource", "expected"),
    [
        (f"arn:aws:sagemaker:*:{ACCOUNT}:space/{DOMAIN}/*", SPACE, True),
        (f"arn:aws:sagemaker:*:{ACCOUNT}:space/d-other/*", SPACE, False),
        (f"arn:aws:sagemaker:*:{ACCOUNT}:Space/{DOMAIN}/*", SPACE, False),  # case-sensitive
        (f"arn:aws:sagemaker:eu-west-?:{ACCOUNT}:space/{DOMAIN}/ana-space", SPACE, True),
        ("arn:aws:sagemaker:*:*:*", SPACE, True),
        # A wildcard does not span the colons between ARN segments; a short pattern's last segment takes the rest.
        (f"arn:aws:sagemaker:*:space/{DOMAIN}/ana-space", SPACE, False),
        (f"arn:aws:*:{ACCOUNT}:space/{DOMAIN}/ana-space", SPACE, False),
        ("arn:aws:sagemaker:*", SPACE, True),
        ("arn:aws:s3:*", SPACE, False),
        ("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/b.txt", True),
        ("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket", False),
        ("arn:aws:s3:::bucket*", "arn:aws:s3:::bucket-2", True),
    ],
)
def test_resource_matching(pattern: str, resource: str, expected: bool) -> None:
    got = decide(allow("sagemaker:DeleteSpace", pattern), "sagemaker:DeleteSpace", resource) is Decision.ALLOW
    assert got is expected


def test_star_resource_matches_actions_without_resource_types_only_with_star() -> None:
    assert decide(allow("sagemaker:ListApps", "*"), "sagemaker:ListApps", "*") is Decision.ALLOW
    assert decide(allow("sagemaker:ListApps", "arn:aws:sagemaker:*:*:*"), "sagemaker:ListApps", "*") is (
        Decision.IMPLICIT_DENY
    )


def test_not_resource() -> None:
    statement = {"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::secret/*"}
    assert decide(statement, "s3:GetObject", "arn:aws:s3:::open/k") is Decision.ALLOW
    assert decide(statement, "s3:GetObject", "arn:aws:s3:::secret/k") is Decision.IMPLICIT_DENY


# ----------------------------------------------------------------------------------------------------------
# Policy variables
# ----------------------------------------------------------------------------------------------------------
PROFILE_ARN = "arn:aws:sagemaker:*:*:user-profile/${sagemaker:DomainId}/${sagemaker:UserProfileName}"


def test_policy_variables_in_resource() -> None:
    statement = allow("sagemaker:CreatePresignedDomainUrl", PROFILE_ARN)
    own = f"arn:aws:sagemaker:eu-west-1:{ACCOUNT}:user-profile/{DOMAIN}/ana"
    other = f"arn:aws:sagemaker:eu-west-1:{ACCOUNT}:user-profile/{DOMAIN}/bob"
    ctx = {"sagemaker:DomainId": DOMAIN, "sagemaker:UserProfileName": "ana"}
    assert decide(statement, "sagemaker:CreatePresignedDomainUrl", own, **ctx) is Decision.ALLOW
    assert decide(statement, "sagemaker:CreatePresignedDomainUrl", other, **ctx) is Decision.IMPLICIT_DENY


def test_missing_variable_makes_the_element_not_match() -> None:
    statement = allow("sagemaker:CreatePresignedDomainUrl", PROFILE_ARN)
    own = f"arn:aws:sagemaker:eu-west-1:{ACCOUNT}:user-profile/{DOMAIN}/ana"
    assert decide(statement, "sagemaker:CreatePresignedDomainUrl", own, **{"sagemaker:DomainId": DOMAIN}) is (
        Decision.IMPLICIT_DENY
    )


def test_variable_values_are_literal_not_wildcards() -> None:
    statement = allow("s3:GetObject", "arn:aws:s3:::home/${aws:username}/*")
    assert decide(statement, "s3:GetObject", "arn:aws:s3:::home/ana/x", **{"aws:username": "ana"}) is Decision.ALLOW
    assert decide(statement, "s3:GetObject", "arn:aws:s3:::home/bob/x", **{"aws:username": "*"}) is (
        Decision.IMPLICIT_DENY
    )


def test_variable_keys_are_case_insensitive_and_defaults_apply() -> None:
    statement = allow("s3:GetObject", "arn:aws:s3:::home/${aws:username, 'shared'}/*")
    assert decide(statement, "s3:GetObject", "arn:aws:s3:::home/ana/x", **{"AWS:UserName": "ana"}) is Decision.ALLOW
    assert decide(statement, "s3:GetObject", "arn:aws:s3:::home/shared/x") is Decision.ALLOW
    assert decide(statement, "s3:GetObject", "arn:aws:s3:::home/ana/x") is Decision.IMPLICIT_DENY


@pytest.mark.parametrize(
    ("pattern", "resource", "expected"),
    [
        ("arn:aws:s3:::b/${*}", "arn:aws:s3:::b/*", True),
        ("arn:aws:s3:::b/${*}", "arn:aws:s3:::b/anything", False),
        ("arn:aws:s3:::b/${?}", "arn:aws:s3:::b/?", True),
        ("arn:aws:s3:::b/${?}", "arn:aws:s3:::b/x", False),
        ("arn:aws:s3:::b/${$}x", "arn:aws:s3:::b/$x", True),
    ],
)
def test_escapes(pattern: str, resource: str, expected: bool) -> None:
    got = decide(allow("s3:GetObject", pattern), "s3:GetObject", resource) is Decision.ALLOW
    assert got is expected


def test_variables_in_condition_values() -> None:
    owner = "arn:aws:sagemaker:*:*:user-profile/${sagemaker:DomainId}/${sagemaker:UserProfileName}"
    statement = allow("sagemaker:DeleteSpace", "*", Condition={"ArnLike": {"sagemaker:OwnerUserProfileArn": owner}})
    ana = f"arn:aws:sagemaker:eu-west-1:{ACCOUNT}:user-profile/{DOMAIN}/ana"
    ctx = {"sagemaker:DomainId": DOMAIN, "sagemaker:UserProfileName": "ana"}
    assert decide(statement, "sagemaker:DeleteSpace", SPACE, **ctx, **{"sagemaker:OwnerUserProfileArn": ana}) is (
        Decision.ALLOW
    )
    bob = ana.replace("/ana", "/bob")
    assert decide(statement, "sagemaker:DeleteSpace", SPACE, **ctx, **{"sagemaker:OwnerUserProfileArn": bob}) is (
        Decision.IMPLICIT_DENY
    )
    equals = allow("s3:GetObject", "*", Condition={"StringEquals": {"s3:prefix": "${aws:username}/"}})
    assert decide(equals, "s3:GetObject", "arn:aws:s3:::b/k", **{"s3:prefix": "ana/", "aws:username": "ana"}) is (
        Decision.ALLOW
    )
    assert decide(equals, "s3:GetObject", "arn:aws:s3:::b/k", **{"s3:prefix": "ana/"}) is Decision.IMPLICIT_DENY


# ----------------------------------------------------------------------------------------------------------
# Conditions
# ----------------------------------------------------------------------------------------------------------
def conditional(condition: dict[str, Any]) -> dict[str, Any]:
    return allow("sagemaker:CreateSpace", "*", Condition=condition)


def allowed(condition: dict[str, Any], **context: Any) -> bool:
    return decide(conditional(condition), "sagemaker:CreateSpace", SPACE, **context) is Decision.ALLOW


def test_string_equals_and_not_equals() -> None:
    cond = {"StringEquals": {"sagemaker:SpaceSharingType": ["Private", "Shared"]}}
    assert allowed(cond, **{"sagemaker:SpaceSharingType": "Shared"})  # OR across values
    assert not allowed(cond, **{"sagemaker:SpaceSharingType": "shared"})  # case-sensitive
    assert not allowed(cond)  # missing key: a positive operator is false
    neg = {"StringNotEquals": {"sagemaker:SpaceSharingType": ["Private", "Shared"]}}
    assert allowed(neg, **{"sagemaker:SpaceSharingType": "Other"})
    assert not allowed(neg, **{"sagemaker:SpaceSharingType": "Private"})
    assert allowed(neg)  # missing key: a negated operator is true
    assert allowed({"StringEqualsIgnoreCase": {"k": "ABC"}}, k="abc")


def test_string_like_and_not_like() -> None:
    assert allowed({"StringLike": {"aws:userid": "AROA*:ana"}}, **{"aws:userid": "AROAXYZ:ana"})
    assert not allowed({"StringLike": {"aws:userid": "AROA*:ana"}}, **{"aws:userid": "AROAXYZ:bob"})
    assert not allowed({"StringNotLike": {"k": "tmp-*"}}, k="tmp-1")
    assert allowed({"StringNotLike": {"k": "tmp-*"}}, k="prod-1")
    assert allowed({"StringNotLike": {"k": "tmp-*"}})


def test_if_exists() -> None:
    cond = {"StringEqualsIfExists": {"sagemaker:SpaceSharingType": "Private"}}
    assert allowed(cond)
    assert allowed(cond, **{"sagemaker:SpaceSharingType": "Private"})
    assert not allowed(cond, **{"sagemaker:SpaceSharingType": "Shared"})
    assert allowed({"ArnLikeIfExists": {"k": "arn:aws:iam::*:role/x"}})


def test_arn_operators() -> None:
    role = f"arn:aws:iam::{ACCOUNT}:role/ana"
    assert allowed({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/an?"}}, **{"aws:PrincipalArn": role})
    assert allowed({"ArnEquals": {"aws:PrincipalArn": role}}, **{"aws:PrincipalArn": role})
    assert not allowed({"ArnEquals": {"aws:PrincipalArn": role}}, **{"aws:PrincipalArn": role + "2"})
    assert not allowed({"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/*"}}, **{"aws:PrincipalArn": role})
    assert allowed({"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:user/*"}}, **{"aws:PrincipalArn": role})
    assert allowed({"ArnNotEquals": {"aws:PrincipalArn": role}})


def test_null() -> None:
    assert allowed({"Null": {"aws:ResourceTag/owner": "true"}})
    assert not allowed({"Null": {"aws:ResourceTag/owner": "true"}}, **{"aws:ResourceTag/owner": "ana"})
    assert allowed({"Null": {"aws:ResourceTag/owner": "false"}}, **{"aws:ResourceTag/owner": "ana"})
    assert not allowed({"Null": {"aws:ResourceTag/owner": "false"}})


def test_bool() -> None:
    assert allowed({"Bool": {"aws:SecureTransport": "true"}}, **{"aws:SecureTransport": True})
    assert not allowed({"Bool": {"aws:SecureTransport": "true"}}, **{"aws:SecureTransport": False})
    assert not allowed({"Bool": {"aws:SecureTransport": "false"}})
    ssl_only = [policy(allow("s3:*")), policy(deny("s3:*", Condition={"Bool": {"aws:SecureTransport": "false"}}))]
    assert decide(ssl_only, "s3:GetObject", "arn:aws:s3:::b/k", **{"aws:SecureTransport": False}) is (
        Decision.EXPLICIT_DENY
    )
    assert decide(ssl_only, "s3:GetObject", "arn:aws:s3:::b/k", **{"aws:SecureTransport": True}) is Decision.ALLOW


def test_numeric_operators() -> None:
    assert allowed({"NumericLessThanEquals": {"sagemaker:VolumeSize": "100"}}, **{"sagemaker:VolumeSize": 100})
    assert not allowed({"NumericLessThanEquals": {"sagemaker:VolumeSize": "100"}}, **{"sagemaker:VolumeSize": 101})
    assert allowed({"NumericLessThan": {"n": 5}}, n="4")
    assert not allowed({"NumericLessThan": {"n": 5}}, n="5")
    assert allowed({"NumericGreaterThan": {"n": 5}}, n=6)
    assert allowed({"NumericGreaterThanEquals": {"n": 5}}, n=5)
    assert allowed({"NumericEquals": {"n": 5}}, n="5.0")
    assert not allowed({"NumericNotEquals": {"n": 5}}, n=5)
    assert not allowed({"NumericLessThan": {"n": 5}}, n="not-a-number")


def test_date_and_ip_operators() -> None:
    assert allowed({"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}}, **{"aws:CurrentTime": "2029-12-31"})
    assert not allowed({"DateGreaterThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}}, **{"aws:CurrentTime": 0})
    assert allowed({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, **{"aws:SourceIp": "10.1.2.3"})
    assert not allowed({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, **{"aws:SourceIp": "192.168.0.1"})
    assert allowed({"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, **{"aws:SourceIp": "192.168.0.1"})


def test_and_across_operators_and_keys() -> None:
    cond = {
        "StringEquals": {"sagemaker:SpaceSharingType": "Private", "sagemaker:DomainId": DOMAIN},
        "ArnLike": {"sagemaker:OwnerUserProfileArn": "arn:aws:sagemaker:*:*:user-profile/*/ana"},
    }
    full = {
        "sagemaker:SpaceSharingType": "Private",
        "sagemaker:DomainId": DOMAIN,
        "sagemaker:OwnerUserProfileArn": f"arn:aws:sagemaker:eu-west-1:{ACCOUNT}:user-profile/{DOMAIN}/ana",
    }
    assert allowed(cond, **full)
    for key in full:
        partial = {k: v for k, v in full.items() if k != key}
        assert not allowed(cond, **partial), key
    assert not allowed(cond, **{**full, "sagemaker:DomainId": "d-other"})


def test_set_qualifiers() -> None:
    any_of = {"ForAnyValue:StringEquals": {"aws:TagKeys": ["owner", "team"]}}
    assert allowed(any_of, **{"aws:TagKeys": ["cost", "team"]})
    assert not allowed(any_of, **{"aws:TagKeys": ["cost"]})
    assert not allowed(any_of)  # ForAnyValue on a missing key is false
    all_of = {"ForAllValues:StringEquals": {"aws:TagKeys": ["owner", "team"]}}
    assert allowed(all_of, **{"aws:TagKeys": ["owner", "team"]})
    assert not allowed(all_of, **{"aws:TagKeys": ["owner", "cost"]})
    assert allowed(all_of)  # ForAllValues on a missing key is true
    assert allowed(all_of, **{"aws:TagKeys": []})
    assert allowed({"ForAllValues:StringLike": {"aws:TagKeys": "sagemaker:*"}}, **{"aws:TagKeys": ["sagemaker:a"]})
    any_not = {"ForAnyValue:StringNotEquals": {"aws:TagKeys": "owner"}}
    assert allowed(any_not, **{"aws:TagKeys": ["owner", "x"]})
    assert not allowed(any_not, **{"aws:TagKeys": ["owner"]})


def test_multi_valued_context_without_qualifier() -> None:
    assert allowed({"StringEquals": {"k": "a"}}, k=["b", "a"])
    assert not allowed({"StringNotEquals": {"k": "a"}}, k=["b", "a"])
    assert allowed({"StringNotEquals": {"k": "a"}}, k=["b", "c"])


def test_unknown_operator_and_unresolved_values_are_errors() -> None:
    with pytest.raises(ValueError, match="StringSoundsLike"):
        allowed({"StringSoundsLike": {"k": "a"}}, k="a")
    with pytest.raises(ValueError, match="unresolved"):
        allowed({"StringEquals": {"k": {"Ref": "Domain"}}}, k="a")
    with pytest.raises(ValueError, match="unresolved"):
        decide(allow("s3:GetObject", {"Fn::GetAtt": ["Bucket", "Arn"]}), "s3:GetObject", "arn:aws:s3:::b")
    with pytest.raises(ValueError, match="Effect"):
        decide({"Effect": "Maybe", "Action": "s3:*", "Resource": "*"}, "s3:GetObject")


# ----------------------------------------------------------------------------------------------------------
# Resource-based policies (same account)
# ----------------------------------------------------------------------------------------------------------
TOPIC = f"arn:aws:sns:eu-west-1:{ACCOUNT}:alarms"
SSL_ONLY = deny("sns:Publish", TOPIC, Principal="*", Condition={"Bool": {"aws:SecureTransport": "false"}})


def test_resource_policy_allows_a_service_principal() -> None:
    publish = allow(
        "sns:Publish",
        TOPIC,
        Principal={"Service": "cloudwatch.amazonaws.com"},
        Condition={"StringEquals": {"aws:SourceAccount": ACCOUNT}},
    )
    request = Request("sns:Publish", TOPIC, {"aws:SourceAccount": ACCOUNT, "aws:SecureTransport": True})
    assert evaluate_with_resource_policy([], policy(SSL_ONLY, publish), request, "cloudwatch.amazonaws.com") is (
        Decision.ALLOW
    )
    assert evaluate_with_resource_policy([], policy(SSL_ONLY), request, "cloudwatch.amazonaws.com") is (
        Decision.IMPLICIT_DENY
    )
    other = Request("sns:Publish", TOPIC, {"aws:SourceAccount": "999999999999", "aws:SecureTransport": True})
    assert evaluate_with_resource_policy([], policy(publish), other, "cloudwatch.amazonaws.com") is (
        Decision.IMPLICIT_DENY
    )
    assert evaluate_with_resource_policy([], policy(publish), request, "events.amazonaws.com") is (
        Decision.IMPLICIT_DENY
    )


def test_identity_allow_suffices_in_the_same_account_and_resource_deny_wins() -> None:
    identity = [policy(allow("sns:Publish", TOPIC))]
    secure = Request("sns:Publish", TOPIC, {"aws:SecureTransport": True})
    insecure = Request("sns:Publish", TOPIC, {"aws:SecureTransport": False})
    assert evaluate_with_resource_policy(identity, policy(SSL_ONLY), secure, ROLE) is Decision.ALLOW
    assert evaluate_with_resource_policy(identity, None, secure, ROLE) is Decision.ALLOW
    assert evaluate_with_resource_policy(identity, policy(SSL_ONLY), insecure, ROLE) is Decision.EXPLICIT_DENY


def test_resource_policy_naming_the_role_allows_without_identity_policy() -> None:
    grant = allow("s3:GetObject", "arn:aws:s3:::b/*", Principal={"AWS": ROLE})
    request = Request("s3:GetObject", "arn:aws:s3:::b/k")
    assert evaluate_with_resource_policy([], policy(grant), request, ROLE) is Decision.ALLOW
    assert evaluate_with_resource_policy([], policy(grant), request, ROLE + "-other") is Decision.IMPLICIT_DENY
    # Naming the account delegates to identity policies: it allows nothing on its own.
    account_grant = allow("s3:GetObject", "arn:aws:s3:::b/*", Principal={"AWS": f"arn:aws:iam::{ACCOUNT}:root"})
    assert evaluate_with_resource_policy([], policy(account_grant), request, ROLE) is Decision.IMPLICIT_DENY


def test_key_policy_must_enable_identity_policies() -> None:
    key = f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/1234"
    identity = [policy(allow(["kms:CreateGrant", "kms:DescribeKey"], key))]
    request = Request("kms:CreateGrant", key)
    root = allow("kms:*", "*", Principal={"AWS": f"arn:aws:iam::{ACCOUNT}:root"})
    assert evaluate_with_resource_policy(identity, policy(root), request, ROLE) is Decision.ALLOW
    assert evaluate_with_resource_policy([], policy(root), request, ROLE) is Decision.IMPLICIT_DENY
    only_decrypt = allow("kms:Decrypt", "*", Principal={"AWS": ACCOUNT})
    assert evaluate_with_resource_policy(identity, policy(only_decrypt), request, ROLE) is Decision.IMPLICIT_DENY
    direct = allow("kms:CreateGrant", "*", Principal={"AWS": ROLE})
    assert evaluate_with_resource_policy([], policy(direct), request, ROLE) is Decision.ALLOW


def test_resource_policy_conditions_see_the_principal() -> None:
    guarded = allow(
        "s3:GetObject",
        "arn:aws:s3:::b/*",
        Principal="*",
        Condition={"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:role/an*"}},
    )
    request = Request("s3:GetObject", "arn:aws:s3:::b/k")
    assert evaluate_with_resource_policy([], policy(guarded), request, ROLE) is Decision.ALLOW
    assert evaluate_with_resource_policy([], policy(guarded), request, f"arn:aws:iam::{ACCOUNT}:role/bob") is (
        Decision.IMPLICIT_DENY
    )


def test_not_principal_deny() -> None:
    lock = {
        "Effect": "Deny",
        "NotPrincipal": {"AWS": ROLE},
        "Action": "s3:DeleteBucket",
        "Resource": "arn:aws:s3:::b",
    }
    identity = [policy(allow("s3:DeleteBucket", "arn:aws:s3:::b"))]
    request = Request("s3:DeleteBucket", "arn:aws:s3:::b")
    assert evaluate_with_resource_policy(identity, policy(lock), request, ROLE) is Decision.ALLOW
    other = f"arn:aws:iam::{ACCOUNT}:role/bob"
    assert evaluate_with_resource_policy(identity, policy(lock), request, other) is Decision.EXPLICIT_DENY
