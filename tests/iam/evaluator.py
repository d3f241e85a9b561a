"""An offline evaluator for IAM policy documents: decides one request the way IAM does.

Pure Python, no CDK import. It implements the parts of IAM's policy evaluation logic this platform's policies use:

* explicit ``Deny`` wins over any ``Allow``; without an ``Allow`` the request is implicitly denied;
* ``Action``/``NotAction`` (case-insensitive, ``*`` and ``?`` wildcards), ``Resource``/``NotResource``
  (case-sensitive, wildcards matched per colon-separated ARN segment, as IAM does);
* ``Condition``: AND across operators and keys, OR across the values of one key; the string, numeric, date, ARN,
  Bool, IpAddress and Null operators with their ``IfExists`` forms and the ``ForAnyValue:``/``ForAllValues:`` set
  qualifiers; a missing key makes positive operators false and negated ones (``StringNotEquals``, ``ArnNotLike``
  ...) true, as IAM documents;
* policy variables (``${sagemaker:UserProfileName}``, ``${aws:username, 'default'}``) in ``Resource`` and condition
  values, resolved from the request context and matched literally; a variable whose key is missing makes that
  element not match. ``${*}``, ``${?}`` and ``${$}`` are the literal characters;
* resource-based policies for same-account requests (:func:`evaluate_with_resource_policy`): allowed when the
  identity or the resource policy allows and nothing denies, except that a KMS key policy must itself allow the
  account (``:root``) for identity policies to count.

Anything it does not understand (an unknown condition operator, an unresolved CloudFormation token left in a
document) raises ``ValueError`` naming it, so a test never passes by accident.
"""

from __future__ import annotations

import datetime as dt
import enum
import ipaddress
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Decision", "Request", "evaluate", "evaluate_with_resource_policy", "matching_statements"]


class Decision(enum.Enum):
    ALLOW = "allow"
    EXPLICIT_DENY = "explicit_deny"
    IMPLICIT_DENY = "implicit_deny"


@dataclass(frozen=True)
class Request:
    """One authorization request: an action on a concrete resource with its request context."""

    action: str
    resource: str
    context: Mapping[str, object] = field(default_factory=dict)


# ----------------------------------------------------------------------------------------------------------
# Patterns: wildcards and policy variables
# ----------------------------------------------------------------------------------------------------------
_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_DEFAULT = re.compile(r"^\s*([^,\s]+)\s*,\s*'([^']*)'\s*$")
_ESCAPES = {"*": "*", "?": "?", "$": "$"}


class _Missing(Exception):
    """A policy variable names a key the request context does not have."""


def _context_value(context: Mapping[str, object], key: str) -> object | None:
    """Condition keys are case-insensitive."""
    lowered = key.lower()
    for name, value in context.items():
        if name.lower() == lowered:
            return value
    return None


def _to_regex(pattern: str, context: Mapping[str, object] | None, *, wildcards: bool) -> str:
    """A regex for a policy string. Substituted variable values and escapes are literal text."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("${", i) and context is not None:
            match = _VARIABLE.match(pattern, i)
            if match is None:
                raise ValueError(f"unterminated policy variable in {pattern!r}")
            out.append(re.escape(_substitute(match.group(1), context)))
            i = match.end()
            continue
        char = pattern[i]
        if wildcards and char == "*":
            out.append(".*")
        elif wildcards and char == "?":
            out.append(".")
        else:
            out.append(re.escape(char))
        i += 1
    return "".join(out)


def _substitute(body: str, context: Mapping[str, object]) -> str:
    if body in _ESCAPES:
        return _ESCAPES[body]
    default: str | None = None
    key = body.strip()
    with_default = _DEFAULT.match(body)
    if with_default:
        key, default = with_default.group(1), with_default.group(2)
    value = _context_value(context, key)
    if value is None or isinstance(value, (list, tuple)):
        if default is not None:
            return default
        raise _Missing(key)
    return _scalar(value)


def _scalar(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _glob(pattern: str, value: str, context: Mapping[str, object] | None, *, ignore_case: bool = False) -> bool:
    """Whole-string wildcard match (``*``, ``?``), policy variables substituted from ``context``."""
    try:
        regex = _to_regex(pattern, context, wildcards=True)
    except _Missing:
        return False
    return re.fullmatch(regex, value, re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL) is not None


def _arn_match(pattern: str, value: str, context: Mapping[str, object] | None) -> bool:
    """IAM matches ARNs segment by segment: a wildcard never spans the colons of the first five segments.

    A pattern with fewer segments (``arn:aws:sagemaker:*``) matches its last segment against the rest of the ARN.
    """
    if pattern == "*":
        return True
    value_parts = value.split(":", 5)
    if len(value_parts) != 6:
        return False
    pattern_parts = pattern.split(":", 5)
    last = len(pattern_parts) - 1
    heads = zip(pattern_parts[:last], value_parts[:last], strict=True)
    return all(_glob(p, v, context) for p, v in heads) and _glob(
        pattern_parts[last], ":".join(value_parts[last:]), context
    )


def _literal(pattern: str, context: Mapping[str, object]) -> str | None:
    """A condition value with variables substituted (None when a variable is missing)."""
    try:
        return _VARIABLE.sub(lambda m: _substitute(m.group(1), context), pattern)
    except _Missing:
        return None


# ----------------------------------------------------------------------------------------------------------
# Conditions
# ----------------------------------------------------------------------------------------------------------
def _as_list(value: object, what: str) -> list[object]:
    items = list(value) if isinstance(value, (list, tuple)) else [value]
    for item in items:
        if not isinstance(item, (str, bool, int, float)):
            raise ValueError(f"{what}: unresolved or unsupported value {item!r}")
    return items


def _number(value: object) -> float | None:
    try:
        return float(str(value))
    except ValueError:
        return None


def _date(value: object) -> dt.datetime | None:
    text = str(value)
    try:
        if re.fullmatch(r"-?\d+(\.\d+)?", text):
            return dt.datetime.fromtimestamp(float(text), tz=dt.UTC)
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _string_equals(policy: str, actual: str, context: Mapping[str, object], ignore_case: bool = False) -> bool:
    expected = _literal(policy, context)
    if expected is None:
        return False
    return expected.lower() == actual.lower() if ignore_case else expected == actual


Matcher = Callable[[str, str, Mapping[str, object]], bool]


_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda a, b: a == b,
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
}


def _ordered(parse: Callable[[object], Any], compare: str) -> Matcher:
    """A numeric or date operator: both sides parsed with ``parse``; an unparsable side never matches."""

    def check(policy: str, actual: str, context: Mapping[str, object]) -> bool:
        left, right = parse(actual), parse(policy)
        return left is not None and right is not None and _COMPARISONS[compare](left, right)

    return check


def _numeric(compare: str) -> Matcher:
    return _ordered(_number, compare)


def _date_cmp(compare: str) -> Matcher:
    return _ordered(_date, compare)


def _ip(policy: str, actual: str, context: Mapping[str, object]) -> bool:
    try:
        return ipaddress.ip_address(actual) in ipaddress.ip_network(policy, strict=False)
    except ValueError:
        return False


# Base operator -> (value matcher, negated). A negated operator is true when no policy value matches.
_OPERATORS: dict[str, tuple[Matcher, bool]] = {
    "stringequals": (lambda p, a, c: _string_equals(p, a, c), False),
    "stringnotequals": (lambda p, a, c: _string_equals(p, a, c), True),
    "stringequalsignorecase": (lambda p, a, c: _string_equals(p, a, c, True), False),
    "stringnotequalsignorecase": (lambda p, a, c: _string_equals(p, a, c, True), True),
    "stringlike": (lambda p, a, c: _glob(p, a, c), False),
    "stringnotlike": (lambda p, a, c: _glob(p, a, c), True),
    "arnequals": (lambda p, a, c: _arn_match(p, a, c), False),
    "arnlike": (lambda p, a, c: _arn_match(p, a, c), False),
    "arnnotequals": (lambda p, a, c: _arn_match(p, a, c), True),
    "arnnotlike": (lambda p, a, c: _arn_match(p, a, c), True),
    "numericequals": (_numeric("eq"), False),
    "numericnotequals": (_numeric("eq"), True),
    "numericlessthan": (_numeric("lt"), False),
    "numericlessthanequals": (_numeric("le"), False),
    "numericgreaterthan": (_numeric("gt"), False),
    "numericgreaterthanequals": (_numeric("ge"), False),
    "dateequals": (_date_cmp("eq"), False),
    "datenotequals": (_date_cmp("eq"), True),
    "datelessthan": (_date_cmp("lt"), False),
    "datelessthanequals": (_date_cmp("le"), False),
    "dategreaterthan": (_date_cmp("gt"), False),
    "dategreaterthanequals": (_date_cmp("ge"), False),
    "bool": (lambda p, a, c: str(p).lower() == a.lower(), False),
    "ipaddress": (_ip, False),
    "notipaddress": (_ip, True),
}


def _condition_holds(operator: str, key: str, policy_values: object, context: Mapping[str, object]) -> bool:
    name = operator
    qualifier = ""
    for prefix in ("ForAnyValue:", "ForAllValues:"):
        if name.lower().startswith(prefix.lower()):
            qualifier, name = prefix.lower(), name[len(prefix) :]
    if_exists = name.lower().endswith("ifexists") and name.lower() != "ifexists"
    if if_exists:
        name = name[: -len("IfExists")]
    values = [_scalar(v) for v in _as_list(policy_values, f"Condition {operator} {key}")]
    actual = _context_value(context, key)

    if name.lower() == "null":
        if len(values) != 1 or values[0].lower() not in {"true", "false"}:
            raise ValueError(f"Condition Null {key}: value must be true or false, got {policy_values!r}")
        absent = actual is None or (isinstance(actual, (list, tuple)) and not actual)
        return absent == (values[0].lower() == "true")

    entry = _OPERATORS.get(name.lower())
    if entry is None:
        raise ValueError(f"Condition operator {operator!r} is not supported by this evaluator")
    matcher, negated = entry

    def one(value: str) -> bool:
        hit = any(matcher(p, value, context) for p in values)
        return not hit if negated else hit

    if actual is None:
        if qualifier == "forallvalues:":
            return True
        if qualifier == "foranyvalue:":
            return False
        return if_exists or negated
    actual_values = [_scalar(v) for v in (actual if isinstance(actual, (list, tuple)) else [actual])]
    if qualifier == "forallvalues:":
        return all(one(v) for v in actual_values)
    if qualifier == "foranyvalue:" or not negated:
        return any(one(v) for v in actual_values)
    # A negated operator on a multi-valued key without a qualifier: true when no value matches.
    return all(one(v) for v in actual_values)


def _conditions_hold(block: object, context: Mapping[str, object]) -> bool:
    if block is None:
        return True
    if not isinstance(block, Mapping):
        raise ValueError(f"Condition must be an object, got {block!r}")
    for operator, keys in block.items():
        if not isinstance(keys, Mapping):
            raise ValueError(f"Condition {operator} must map keys to values, got {keys!r}")
        for key, values in keys.items():
            if not _condition_holds(str(operator), str(key), values, context):
                return False
    return True


# ----------------------------------------------------------------------------------------------------------
# Statements
# ----------------------------------------------------------------------------------------------------------
def _strings(statement: Mapping[str, object], element: str) -> list[str]:
    items = _as_list(statement[element], element)
    for item in items:
        if not isinstance(item, str):
            raise ValueError(f"{element} must hold strings, got {item!r}")
    return [str(i) for i in items]


def _statements(policy: Mapping[str, object]) -> list[Mapping[str, object]]:
    raw = policy.get("Statement")
    if raw is None:
        raise ValueError(f"policy document without Statement: {policy!r}")
    statements = raw if isinstance(raw, list) else [raw]
    for statement in statements:
        if not isinstance(statement, Mapping):
            raise ValueError(f"Statement must be an object, got {statement!r}")
        if statement.get("Effect") not in ("Allow", "Deny"):
            raise ValueError(f"Statement Effect must be Allow or Deny, got {statement.get('Effect')!r}")
        if ("Action" in statement) == ("NotAction" in statement):
            raise ValueError(f"Statement needs exactly one of Action/NotAction: {statement!r}")
    return list(statements)


def _action_matches(statement: Mapping[str, object], action: str) -> bool:
    element = "Action" if "Action" in statement else "NotAction"
    hit = any(_glob(p, action, None, ignore_case=True) for p in _strings(statement, element))
    return hit if element == "Action" else not hit


def _resource_matches(statement: Mapping[str, object], resource: str, context: Mapping[str, object]) -> bool:
    if "Resource" in statement:
        return any(_arn_match(p, resource, context) for p in _strings(statement, "Resource"))
    if "NotResource" in statement:
        return not any(_arn_match(p, resource, context) for p in _strings(statement, "NotResource"))
    raise ValueError(f"Statement needs Resource or NotResource: {statement!r}")


def _account_of(principal: str) -> str | None:
    parts = principal.split(":")
    return parts[4] if principal.startswith("arn:") and len(parts) > 5 and parts[4] else None


def _principal_matches(element: object, principal: str) -> tuple[bool, bool]:
    """(names the principal itself, names the principal's account) for a Principal element."""
    if element == "*":
        return True, True
    if not isinstance(element, Mapping):
        raise ValueError(f"Principal must be '*' or an object, got {element!r}")
    direct = delegated = False
    account = _account_of(principal)
    for kind, values in element.items():
        for value in _as_list(values, f"Principal {kind}"):
            text = str(value)
            if text == "*":
                direct = delegated = True
            elif kind == "AWS":
                if text == principal:
                    direct = True
                elif account and text in (account, f"arn:{principal.split(':')[1]}:iam::{account}:root"):
                    delegated = True
            elif text == principal:
                direct = True
    return direct, delegated


def _statement_applies(statement: Mapping[str, object], request: Request, *, identity: bool) -> bool:
    if identity and ("Principal" in statement or "NotPrincipal" in statement):
        raise ValueError(f"identity policy statement with a Principal: {statement!r}")
    return (
        _action_matches(statement, request.action)
        and _resource_matches(statement, request.resource, request.context)
        and _conditions_hold(statement.get("Condition"), request.context)
    )


def matching_statements(policies: Iterable[Mapping[str, object]], request: Request) -> list[Mapping[str, object]]:
    """The identity-policy statements that apply to ``request`` (for readable test failures)."""
    return [s for p in policies for s in _statements(p) if _statement_applies(s, request, identity=True)]


def evaluate(policies: Sequence[Mapping[str, object]], request: Request) -> Decision:
    """Decide ``request`` against identity-based policy documents: Deny wins, an Allow is needed."""
    allowed = False
    for statement in matching_statements(policies, request):
        if statement["Effect"] == "Deny":
            return Decision.EXPLICIT_DENY
        allowed = True
    return Decision.ALLOW if allowed else Decision.IMPLICIT_DENY


def _with_principal_context(request: Request, principal: str) -> Request:
    context = dict(request.context)
    account = _account_of(principal)
    if account:
        if _context_value(context, "aws:PrincipalArn") is None:
            context["aws:PrincipalArn"] = principal
        if _context_value(context, "aws:PrincipalAccount") is None:
            context["aws:PrincipalAccount"] = account
    elif principal.endswith(".amazonaws.com") and _context_value(context, "aws:PrincipalServiceName") is None:
        context["aws:PrincipalServiceName"] = principal
    return Request(request.action, request.resource, context)


def evaluate_with_resource_policy(
    identity: Sequence[Mapping[str, object]],
    resource_policy: Mapping[str, object] | None,
    request: Request,
    principal: str,
) -> Decision:
    """Decide a same-account request against the caller's identity policies and the resource's policy.

    ``principal`` is the caller: a role ARN or a service principal (``cloudwatch.amazonaws.com``). A resource
    policy statement that names the caller (or ``*``) allows directly; one that names only the account delegates
    to identity policies. For KMS (``kms:*`` actions with a key policy) identity policies count only when the key
    policy allows the account for this request.
    """
    request = _with_principal_context(request, principal)
    identity_decision = evaluate(identity, request)
    if identity_decision is Decision.EXPLICIT_DENY:
        return identity_decision
    resource_allows = account_allowed = False
    if resource_policy is not None:
        for statement in _statements(resource_policy):
            if "Principal" in statement:
                direct, delegated = _principal_matches(statement["Principal"], principal)
            elif "NotPrincipal" in statement:
                named, named_account = _principal_matches(statement["NotPrincipal"], principal)
                direct = delegated = not (named or named_account)
            else:
                raise ValueError(f"resource policy statement without Principal: {statement!r}")
            if not (direct or delegated) or not _statement_applies(statement, request, identity=False):
                continue
            if statement["Effect"] == "Deny":
                return Decision.EXPLICIT_DENY
            resource_allows = resource_allows or direct
            account_allowed = True
    is_key_policy = resource_policy is not None and request.action.lower().startswith("kms:")
    if is_key_policy and not account_allowed:
        return Decision.IMPLICIT_DENY
    if resource_allows or identity_decision is Decision.ALLOW:
        return Decision.ALLOW
    return Decision.IMPLICIT_DENY
