"""The rules of :mod:`sagemaker_platform.nag.rules` over synthesized templates, and the acknowledgements that the
cloud assembly records next to them. CDK-free: plain JSON in, plain findings out.

A template is read once and every resource of a type some rule covers is checked, in template order. The
construct path of a resource and the acknowledgements made with ``cdk.Validations.of(construct).acknowledge``
come from the stack's metadata file (``<artifact>.metadata.json``, named in the assembly's ``manifest.json``):
CDK writes every construct's metadata there, keyed by its path, including ``aws:cdk:logicalId`` and
``aws:cdk:acknowledged-rules``.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sagemaker_platform.nag.rules import RULE_TYPES, RULES, Result, Rule

PACK_NAME = "SageMakerPlatform"
ACKNOWLEDGED_RULES = "aws:cdk:acknowledged-rules"  # cdk.Validations.ACKNOWLEDGED_RULES_METADATA_KEY
LOGICAL_ID = "aws:cdk:logicalId"
# ``Validations.acknowledge`` stores an id without a plugin namespace as ``Annotation::<id>`` (older aws-cdk-lib
# wrote ``annotation::``); that is the form cdk-nag packs match, and so do we.
UNNAMESPACED = re.compile(r"^annotation::", re.IGNORECASE)


def rule_id(suffix: str) -> str:
    """The id a finding is reported (and acknowledged) under, e.g. ``SageMakerPlatform-SM1``."""
    return f"{PACK_NAME}-{suffix}"


@dataclass(frozen=True)
class Finding:
    """One rule that one resource of one template breaks (``error`` is set when the rule itself failed)."""

    rule: Rule
    logical_id: str
    error: str | None = None

    @property
    def rule_id(self) -> str:
        return rule_id(self.rule.suffix)


def check_resource(resource_type: str, props: dict[str, Any]) -> Iterator[tuple[Rule, str | None]]:
    """(rule, error) for every rule the resource breaks; a rule that raises counts as broken, with its error."""
    for rule in RULES:
        if resource_type not in rule.resource_types:
            continue
        try:
            result = rule.check(resource_type, props)
        except Exception as exc:  # a rule bug must surface as a finding, never pass silently
            yield rule, f"{type(exc).__name__}: {exc}"
            continue
        if result is Result.NON_COMPLIANT:
            yield rule, None


def check_template(template: Any) -> list[Finding]:
    """Every finding of every resource in a template (a parsed ``*.template.json``), in template order."""
    resources = template.get("Resources") if isinstance(template, dict) else None
    if not isinstance(resources, dict):
        return []
    findings = []
    for logical_id, resource in resources.items():
        if not isinstance(resource, dict):
            continue
        resource_type = resource.get("Type")
        if resource_type not in RULE_TYPES:
            continue
        props = resource.get("Properties") or {}
        for rule, error in check_resource(resource_type, props if isinstance(props, dict) else {}):
            findings.append(Finding(rule, logical_id, error))
    return findings


def read_json(path: str) -> Any:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


class AssemblyMetadata:
    """Construct paths and acknowledgements of the stacks in one cloud-assembly directory, read on first use.

    ``path_of`` maps a template's logical id to its construct path (``Stack/Construct/Resource``);
    ``acknowledged`` tells whether a rule id is acknowledged on a path or any of its ancestors inside the stack.
    """

    def __init__(self, directory: str) -> None:
        self.directory = directory
        self._paths: dict[str, dict[str, str]] | None = None
        self._acks: dict[str, set[str]] = {}

    def path_of(self, template_file: str, logical_id: str) -> str | None:
        """The construct path of a resource; a nested stack's resources are recorded in their parent stack's
        metadata, so other stacks of the assembly are searched too (logical ids carry a hash of the path)."""
        index = self._index()
        found = index.get(template_file, {}).get(logical_id)
        if found is None:
            found = next((ids[logical_id] for ids in index.values() if logical_id in ids), None)
        return found

    def acknowledged(self, path: str, rule: str) -> bool:
        """True when ``rule`` is acknowledged on ``path`` or one of its ancestors recorded in this assembly."""
        self._index()
        current = path
        while current:
            if rule in self._acks.get(current, ()):
                return True
            current = current.rpartition("/")[0]
        return False

    def _index(self) -> dict[str, dict[str, str]]:
        if self._paths is None:
            self._paths = {}
            for template_file, metadata in self._stack_metadata():
                ids = self._paths.setdefault(template_file, {})
                for key, entries in metadata.items():
                    path = key.lstrip("/")
                    for entry in entries if isinstance(entries, list) else []:
                        kind, data = entry.get("type"), entry.get("data")
                        if kind == LOGICAL_ID and isinstance(data, str):
                            ids.setdefault(data, path)
                        elif kind == ACKNOWLEDGED_RULES and isinstance(data, dict):
                            self._acks.setdefault(path, set()).update(UNNAMESPACED.sub("", k) for k in data)
        return self._paths

    def _stack_metadata(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """(template file, metadata by construct path) of each stack in the assembly's manifest."""
        try:
            manifest = read_json(os.path.join(self.directory, "manifest.json"))
        except (OSError, ValueError):
            return
        for artifact in (manifest.get("artifacts") or {}).values():
            if artifact.get("type") != "aws:cloudformation:stack":
                continue
            template_file = (artifact.get("properties") or {}).get("templateFile")
            if not template_file:
                continue
            metadata = dict(artifact.get("metadata") or {})
            extra = artifact.get("additionalMetadataFile")
            if extra:
                with contextlib.suppress(OSError, ValueError):
                    metadata.update(read_json(os.path.join(self.directory, extra)))
            yield template_file, metadata
