"""The AWS calls a handler module makes, read from its code with ``ast`` and checked against botocore's models.

A client is anything created by ``_common.client("svc")`` or ``boto3.client("svc")``. The analysis follows the
client through assignments and through arguments into the module's own functions and ``_common``'s helpers (which
take the client as a parameter, e.g. ``_common.list_apps(sagemaker, ...)``), and records every attribute used on
it: a direct call, a bound method handed to ``_common.paginate``, ``get_paginator("op")`` or ``get_waiter("name")``.
Each method maps to its API operation through botocore's ``xform_name`` and to the IAM action IAM authorizes
(``<prefix>:<Operation>``, with the documented exceptions below). An attribute that is no operation of the service
is reported as unknown, so a typo or a new kind of use cannot pass silently.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import botocore.session
from botocore import xform_name

LAMBDA_DIR = Path(__file__).resolve().parents[2] / "sagemaker_platform" / "lambda"
COMMON = "_common"

# boto3 service name -> IAM action prefix, where they differ.
IAM_PREFIX = {"efs": "elasticfilesystem", "stepfunctions": "states", "logs": "logs"}
# (service, operation) -> the IAM action that authorizes it, where it is not <prefix>:<operation>.
ACTION_FOR_OPERATION = {
    ("s3", "GetBucketCors"): "s3:GetBucketCORS",
    ("s3", "PutBucketCors"): "s3:PutBucketCORS",
    ("s3", "DeleteBucketCors"): "s3:PutBucketCORS",
    ("s3", "HeadObject"): "s3:GetObject",
    ("s3", "HeadBucket"): "s3:ListBucket",
    ("s3", "ListObjectsV2"): "s3:ListBucket",
}
_CLIENT_ATTRIBUTES = frozenset({"meta", "exceptions", "can_paginate", "close"})


@dataclass(frozen=True)
class AwsCall:
    service: str
    operation: str
    line: int

    @property
    def action(self) -> str:
        return ACTION_FOR_OPERATION.get(
            (self.service, self.operation), f"{IAM_PREFIX.get(self.service, self.service)}:{self.operation}"
        )


@dataclass(frozen=True)
class Analysis:
    calls: frozenset[AwsCall]
    unknown: tuple[str, ...]  # "<module>:<line> <service>.<attribute>" for attributes that are no operation

    @property
    def actions(self) -> frozenset[str]:
        return frozenset(c.action for c in self.calls)


@cache
def _operations(service: str) -> dict[str, str]:
    model = botocore.session.get_session().get_service_model(service)
    return {xform_name(name): name for name in model.operation_names}


@cache
def _waiter_operation(service: str, waiter: str) -> str | None:
    try:
        model = botocore.session.get_session().get_waiter_model(service)
        return str(model.get_waiter("".join(part.capitalize() for part in waiter.split("_"))).operation)
    except Exception:
        return None


def _client_service(node: ast.AST, module: str) -> str | None:
    """The service name when ``node`` creates a client."""
    if not isinstance(node, ast.Call):
        return None
    func = node.func
    is_factory = (
        isinstance(func, ast.Attribute)
        and func.attr == "client"
        and isinstance(func.value, ast.Name)
        and func.value.id in (COMMON, "boto3")
    ) or (module == COMMON and isinstance(func, ast.Name) and func.id == "client")
    if not is_factory:
        return None
    argument = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "service_name"), None)
    if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
        return argument.value
    raise ValueError(f"{module}:{node.lineno}: client created with a non-literal service name")


@dataclass
class _Function:
    module: str
    node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Module
    params: list[str]


def _functions(module: str, tree: ast.Module) -> dict[tuple[str, str], _Function]:
    found: dict[tuple[str, str], _Function] = {(module, "<module>"): _Function(module, tree, [])}
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            params = [a.arg for a in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]]
            found[(module, node.name)] = _Function(module, node, params)
    return found


def _callee(call: ast.Call, module: str, functions: dict[tuple[str, str], _Function]) -> _Function | None:
    func = call.func
    if isinstance(func, ast.Name):
        return functions.get((module, func.id))
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == COMMON:
        return functions.get((COMMON, func.attr))
    return None


def analyze(handler: str) -> Analysis:
    """The AWS calls of ``lambda/<handler>.py`` (including the ``_common`` helpers it hands clients to)."""
    modules = {handler, COMMON}
    functions: dict[tuple[str, str], _Function] = {}
    for module in modules:
        tree = ast.parse((LAMBDA_DIR / f"{module}.py").read_text(encoding="utf-8"), filename=f"{module}.py")
        functions.update(_functions(module, tree))

    bound: dict[tuple[str, str, str], set[str]] = defaultdict(set)  # (module, function, variable) -> services

    def environment(key: tuple[str, str], function: _Function) -> dict[str, set[str]]:
        env: dict[str, set[str]] = {p: set(bound[(*key, p)]) for p in function.params}
        for _ in range(2):  # twice, so aliases of aliases settle
            for node in ast.walk(function.node):
                if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
                    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                    service = _client_service(node.value, function.module)
                    sources = {service} if service else set()
                    if isinstance(node.value, ast.Name):
                        sources |= env.get(node.value.id, set())
                    for target in targets:
                        if isinstance(target, ast.Name) and sources:
                            env.setdefault(target.id, set()).update(sources)
        return env

    def services_of(node: ast.AST, env: dict[str, set[str]], module: str) -> set[str]:
        if isinstance(node, ast.Name):
            return env.get(node.id, set())
        service = _client_service(node, module)
        return {service} if service else set()

    changed = True
    while changed:  # propagate clients into the functions they are passed to, until nothing new is learned
        changed = False
        for key, function in functions.items():
            env = environment(key, function)
            for node in ast.walk(function.node):
                if not isinstance(node, ast.Call):
                    continue
                callee = _callee(node, function.module, functions)
                if callee is None or not isinstance(callee.node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    continue
                callee_key = (callee.module, callee.node.name)
                pairs = list(zip(callee.params, node.args, strict=False))
                pairs += [(k.arg, k.value) for k in node.keywords if k.arg in callee.params]
                for param, argument in pairs:
                    new = services_of(argument, env, function.module) - bound[(*callee_key, param)]
                    if new:
                        bound[(*callee_key, param)] |= new
                        changed = True

    calls: set[AwsCall] = set()
    unknown: list[str] = []
    for key, function in functions.items():
        env = environment(key, function)
        for node in ast.walk(function.node):
            if not isinstance(node, ast.Attribute):
                continue
            for service in services_of(node.value, env, function.module):
                where = f"{function.module}.py:{node.lineno} {service}.{node.attr}"
                if node.attr in _CLIENT_ATTRIBUTES:
                    continue
                if node.attr in ("get_paginator", "get_waiter"):
                    operation = _helper_operation(node, function.node, service)
                    if operation is None:
                        unknown.append(where)
                    else:
                        calls.add(AwsCall(service, operation, node.lineno))
                    continue
                operation = _operations(service).get(node.attr)
                if operation is None:
                    unknown.append(where)
                else:
                    calls.add(AwsCall(service, operation, node.lineno))
    return Analysis(frozenset(calls), tuple(sorted(set(unknown))))


def _helper_operation(attribute: ast.Attribute, scope: ast.AST, service: str) -> str | None:
    """The operation behind ``client.get_paginator("list_x")`` or ``client.get_waiter("name")``."""
    for node in ast.walk(scope):
        if isinstance(node, ast.Call) and node.func is attribute and node.args:
            argument = node.args[0]
            if not (isinstance(argument, ast.Constant) and isinstance(argument.value, str)):
                return None
            if attribute.attr == "get_paginator":
                return _operations(service).get(argument.value)
            return _waiter_operation(service, argument.value)
    return None


def handler_modules() -> list[str]:
    """Every handler module in the Lambda folder (``_``-prefixed modules are shared helpers)."""
    return sorted(p.stem for p in LAMBDA_DIR.glob("*.py") if not p.stem.startswith("_"))
