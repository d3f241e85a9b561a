"""Keep a resource's CloudFormation logical id when its construct moves in the tree.

A construct that used to wrap a resource (``Role-x/Role``) and now is the resource (``Role-x``) would get a new
logical id, and CloudFormation would replace the resource: a new role, key or bucket with a new name. Pinning the
id the old path produced keeps every deployed resource where it is.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import aws_cdk as cdk
from constructs import IConstruct

_HASH_LENGTH = 8
_MAX_HUMAN_LENGTH = 240


def logical_id_of_path(components: Sequence[str]) -> str:
    """The logical id aws-cdk-lib allocates for a construct path below its stack.

    ``Default`` components are dropped; a component the previous one ends with and ``Resource`` are hidden from the
    readable part; the suffix is the first eight hex digits of the MD5 of the path, upper case.
    """
    path = [c for c in components if c != "Default"]
    if len(path) == 1:
        return re.sub(r"[^A-Za-z0-9]", "", path[0])
    digest = hashlib.md5("/".join(path).encode("utf-8"), usedforsecurity=False).hexdigest()[:_HASH_LENGTH].upper()
    readable: list[str] = []
    for component in path:  # a component the previous one ends with adds nothing readable ("LogsKey/Key")
        if not readable or not readable[-1].endswith(component):
            readable.append(component)
    human = "".join(re.sub(r"[^A-Za-z0-9]", "", c) for c in readable if c != "Resource")[:_MAX_HUMAN_LENGTH]
    return human + digest


def path_below_stack(construct: IConstruct) -> list[str]:
    """The ids from the construct's stack (exclusive) down to the construct (inclusive)."""
    scopes = construct.node.scopes
    stack = cdk.Stack.of(construct)
    return [s.node.id for s in scopes[scopes.index(stack) + 1 :]]


def pin_logical_id(construct: IConstruct, *legacy_children: str, legacy_parent: IConstruct | None = None) -> None:
    """Give ``construct``'s default child the logical id it had at ``<parent path>/<legacy_children...>``.

    :param legacy_parent: where the old path started (default: ``construct`` itself).
    """
    resource = construct.node.default_child
    if not isinstance(resource, cdk.CfnElement):
        raise TypeError(f"pin_logical_id: {construct.node.path} has no CloudFormation resource as default child")
    parent = path_below_stack(legacy_parent or construct)
    resource.override_logical_id(logical_id_of_path([*parent, *legacy_children]))
