"""Update safety: CloudFormation replaces a resource when a create-only property changes, creating the new one
before deleting the old one, and refuses outright when the resource has a fixed name that does not change with it.

The rule, read from the registry schemas cfn-lint ships: every resource with a fixed physical name either derives
that name from all of its create-only values (a digest, recomputed here from the template), or each create-only
value it does not cover is listed below with the reason it may stay out of the name. Config mutations then exercise
real update paths: synthesize before and after a change, and a name present in both must name a resource with the
same create-only values. Names must also be unique per stack and environment.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from cfnlint.schema.manager import PROVIDER_SCHEMA_MANAGER

from sagemaker_platform.cdk_context import new_app
from sagemaker_platform.config import load_config
from sagemaker_platform.constructs.model import NAME_METADATA
from sagemaker_platform.rules import name_digest
from sagemaker_platform.stacks.platform import build_platform
from tests.conftest import EXAMPLE_CONFIGS, ROOT, Synthesized, synthesized

FULL = ROOT / "config" / "examples" / "full.yaml"

# Create-only values that stay out of the name on purpose. The name of each of these resources is an identity
# that must not change, and the fixed name is what makes CloudFormation refuse the replacement (with "cannot
# update a stack when a custom-named resource requires replacing") before anything is deleted: no silent loss.
IDENTITY = "the name is an identity (see its construct's docstring); "
EXEMPT: dict[tuple[str, str], str] = {
    ("AWS::SageMaker::Domain", "/properties/AuthMode"): IDENTITY + "replacing a domain deletes every profile, "
    "space and home directory in it, so CloudFormation must refuse it; a new auth mode is a new domain, by hand",
    ("AWS::SageMaker::Domain", "/properties/KmsKeyId"): IDENTITY + "the key is the StudioStack's own retained key; "
    "a different key means a new domain (same reason as AuthMode)",
    ("AWS::SageMaker::UserProfile", "/properties/SingleSignOnUserIdentifier"): IDENTITY + "profile names are how "
    "users and IAM policies (sagemaker:UserProfileName) know a user; a new SSO identity is remove-then-add",
    ("AWS::SageMaker::UserProfile", "/properties/SingleSignOnUserValue"): IDENTITY + "as for the identifier: "
    "remove the user in one deploy, add them back in the next (the teardown guards private space data)",
    ("AWS::SageMaker::Space", "/properties/SpaceSharingSettings"): IDENTITY + "a space holds its owner's work "
    "and 0.1 deployed these names (a derived name would replace every space on upgrade); moving a space between "
    "shared and private is remove-then-add, the teardown deciding about its data",
    ("AWS::SageMaker::Space", "/properties/OwnershipSettings"): IDENTITY + "as for the sharing type: a new owner "
    "is remove-then-add",
    ("AWS::SageMaker::ModelPackageGroup", "/properties/ModelPackageGroupDescription"): IDENTITY + "pipelines "
    "register versions into the group by name and a replaced group would orphan them (the group is retained): "
    "the description is set once",
    ("AWS::SageMaker::ModelCard", "/properties/SecurityConfig"): IDENTITY + "a card's versions are its audit "
    "history, keyed by name; the key is set once (the card is retained)",
}
# Exemptions only a construct option reaches (the config gives cards no key of their own).
CONSTRUCT_ONLY = {("AWS::SageMaker::ModelCard", "/properties/SecurityConfig")}
# Create-only values that are the namespace of the name, not part of it: a new value is a new namespace, so the
# same name cannot collide with the old resource.
NAMESPACE: dict[tuple[str, str], str] = {
    ("AWS::SageMaker::UserProfile", "/properties/DomainId"): "profile names are unique per domain",
    ("AWS::SageMaker::Space", "/properties/DomainId"): "space names are unique per domain",
    ("AWS::ApplicationAutoScaling::ScalingPolicy", "/properties/ScalingTargetId"): "policy names are unique per "
    "scalable target",
}
# Names the config chooses verbatim: how clients invoke an endpoint and pipelines find a group or card. Two
# environments that share an account must give them different names in their configs.
CONFIG_NAMED = {
    "AWS::SageMaker::Endpoint": "clients invoke the endpoint by the config's name",
    "AWS::SageMaker::ModelPackageGroup": "pipelines register into the group by the config's name",
    "AWS::SageMaker::ModelCard": "cards are looked up by the config's name",
}
# Names scoped by something else than the account and region.
SCOPED = {
    "AWS::SageMaker::UserProfile": "per domain",
    "AWS::SageMaker::Space": "per domain",
    "AWS::ApplicationAutoScaling::ScalingPolicy": "per scalable target",
}


# ----------------------------------------------------------------------------------------------- schema facts
_schemas: dict[str, dict[str, Any] | None] = {}


def schema(resource_type: str) -> dict[str, Any] | None:
    """The registry schema of a type, or None for custom resources and types cfn-lint does not know."""
    if resource_type not in _schemas:
        try:
            _schemas[resource_type] = PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", resource_type).schema
        except Exception:
            _schemas[resource_type] = None
    return _schemas[resource_type]


def create_only(resource_type: str) -> list[str]:
    s = schema(resource_type)
    return list(s.get("createOnlyProperties", [])) if s else []


def name_property(resource_type: str) -> str | None:
    """The create-only property that names the resource: ``<Type>Name``, ``Name``, or ``<Suffix>Name`` where the
    type's name ends with ``<Suffix>`` (``ScalingPolicy`` -> ``PolicyName``)."""
    short = resource_type.split("::")[-1]
    for pointer in create_only(resource_type):
        parts = pointer.split("/")
        if len(parts) != 3:
            continue
        prop = parts[2]
        if prop == "Name" or (prop.endswith("Name") and short.endswith(prop[: -len("Name")]) and prop != "Name"):
            return prop
    return None


_MISSING = object()


def at(properties: dict[str, Any], pointer: str) -> Any:
    node: Any = properties
    for part in pointer.split("/")[2:]:
        if not isinstance(node, dict) or part not in node:
            return _MISSING
        node = node[part]
    return node


def named_resources(templates: dict[str, dict[str, Any]]) -> Iterator[tuple[str, str, str, dict[str, Any]]]:
    """(stack, logical id, type, resource) of every resource whose template sets its name property."""
    for stack, template in templates.items():
        for logical_id, resource in template["Resources"].items():
            prop = name_property(resource["Type"])
            if prop is not None and prop in resource.get("Properties", {}):
                yield stack, logical_id, resource["Type"], resource


def physical_name(resource: dict[str, Any]) -> Any:
    return resource["Properties"][name_property(resource["Type"])]


def templates_of(example: Synthesized) -> dict[str, dict[str, Any]]:
    return {s.stack_name: s.template for s in example.assembly.stacks}


def uncovered(resource_type: str, resource: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The create-only values a derived name must cover (top-level property -> value), and the pointers of set
    values that are neither covered nor exempt nor a namespace (a derived name cannot cover nested ones)."""
    props = resource["Properties"]
    name = name_property(resource_type)
    covered: dict[str, Any] = {}
    problems: list[str] = []
    for pointer in create_only(resource_type):
        value = at(props, pointer)
        if value is _MISSING or pointer == f"/properties/{name}":
            continue
        key = (resource_type, pointer)
        if key in EXEMPT or key in NAMESPACE:
            continue
        if pointer.count("/") == 2:
            covered[pointer.split("/")[2]] = value
        else:
            problems.append(pointer)
    return covered, problems


def check_name_rule(templates: dict[str, dict[str, Any]]) -> tuple[int, list[str], set[tuple[str, str]]]:
    """Apply the rule to every named resource: (resources checked, failures, exemptions used)."""
    checked = 0
    failures: list[str] = []
    used: set[tuple[str, str]] = set()
    for stack, logical_id, resource_type, resource in named_resources(templates):
        checked += 1
        where = f"{stack}/{logical_id} ({resource_type})"
        covered, problems = uncovered(resource_type, resource)
        for pointer in create_only(resource_type):
            if at(resource["Properties"], pointer) is not _MISSING and (resource_type, pointer) in EXEMPT:
                used.add((resource_type, pointer))
        failures.extend(f"{where}: create-only {p} is not part of its name" for p in problems)
        if not covered:
            continue  # the name is its only create-only value (or the rest is exempt): nothing to derive
        namespace = resource.get("Metadata", {}).get(NAME_METADATA, {}).get("namespace")
        name = physical_name(resource)
        if namespace is None:
            failures.append(f"{where}: fixed name {name!r} ignores create-only {sorted(covered)}")
        elif not (isinstance(name, str) and name.endswith("-" + name_digest(namespace, covered))):
            failures.append(f"{where}: name {name!r} is not derived from create-only {sorted(covered)}")
    return checked, failures, used


# ----------------------------------------------------------------------------------------------- the rule
def test_schema_facts_are_what_the_rule_assumes() -> None:
    """Guards the reading of the schemas: if these change, the rule above must be revisited."""
    assert "/properties/Tags" in create_only("AWS::SageMaker::StudioLifecycleConfig")
    assert name_property("AWS::SageMaker::StudioLifecycleConfig") == "StudioLifecycleConfigName"
    assert name_property("AWS::ApplicationAutoScaling::ScalingPolicy") == "PolicyName"
    assert name_property("AWS::SSM::Parameter") == "Name"
    assert name_property("AWS::Lambda::Permission") is None  # FunctionName names another resource
    for resource_type, pointer in [*EXEMPT, *NAMESPACE]:
        assert pointer in create_only(resource_type), (resource_type, pointer)


def test_fixed_names_derive_from_create_only_values() -> None:
    total = 0
    failures: list[str] = []
    used: set[tuple[str, str]] = set()
    for path in EXAMPLE_CONFIGS:
        checked, found, exemptions = check_name_rule(templates_of(synthesized(path)))
        total += checked
        failures += [f"{path.name}: {f}" for f in found]
        used |= exemptions
    print(f"update safety: {total} named resources checked over {len(EXAMPLE_CONFIGS)} configs")
    assert total > 50
    assert not failures, "\n".join(failures)
    # Every exemption is still needed by some shipped config, or by a construct option the config does not offer.
    assert used | CONSTRUCT_ONLY == set(EXEMPT), sorted(set(EXEMPT) - used - CONSTRUCT_ONLY)


def test_the_rule_catches_a_name_that_ignores_a_create_only_value(default_platform: Synthesized) -> None:
    """The check itself can fail: the same template with a lifecycle config's tags changed and its name kept."""
    templates = copy.deepcopy(templates_of(default_platform))
    stack = default_platform.platform.studio.stack_name
    lcc = next(r for r in templates[stack]["Resources"].values()
               if r["Type"] == "AWS::SageMaker::StudioLifecycleConfig")
    lcc["Properties"]["Tags"] = [*lcc["Properties"].get("Tags", []), {"Key": "cost-center", "Value": "42"}]
    _, failures, _ = check_name_rule(templates)
    assert any("StudioLifecycleConfig" in f and "not derived" in f for f in failures), failures
    del lcc["Metadata"][NAME_METADATA]
    _, failures, _ = check_name_rule(templates)
    assert any("ignores create-only" in f for f in failures), failures


# ----------------------------------------------------------------------------------------------- mutations
def _synth(data: dict[str, Any], tmp: Path, label: str) -> dict[str, dict[str, Any]]:
    path = tmp / f"{label}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    app = new_app()
    build_platform(app, load_config(path), compliance=False)
    return {s.stack_name: s.template for s in app.synth().stacks}


def _full() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(FULL.read_text(encoding="utf-8"))
    return data


def _add_tag(d: dict[str, Any]) -> None:
    d["platform"].setdefault("tags", {})["cost-center"] = "ml-42"


def _lcc_script(d: dict[str, Any]) -> None:
    lcc = next(lc for lc in d["domain"]["lifecycle_configs"] if lc["name"] == "classic-idle")
    lcc["builtin"] = "git-identity"


def _sso(d: dict[str, Any]) -> None:
    d["users"][0]["sso_user_name"] = "ana.scientist@example.com"


def _space_owner(d: dict[str, Any]) -> None:
    space = d["users"][0]["private_spaces"].pop(0)
    space.pop("default_lifecycle_config", None)
    d["users"][2].setdefault("private_spaces", []).append(space)


def _shared_to_private(d: dict[str, Any]) -> None:
    space = d["spaces"].pop(0)
    space.pop("default_lifecycle_config", None)
    d["users"][0].setdefault("private_spaces", []).append(space)


def _group_description(d: dict[str, Any]) -> None:
    d["governance"]["model_package_groups"][0]["description"] = "Churn classifiers (v2 features)"


def _instance_type(d: dict[str, Any]) -> None:
    d["endpoints"][0]["variants"][0]["instance_type"] = "ml.c5.xlarge"


def _image(d: dict[str, Any]) -> None:
    model = d["endpoints"][0]["model"]
    model["image"] = model["image"].rsplit(":", 1)[0] + ":2.0"


def _environment(d: dict[str, Any]) -> None:
    d["endpoints"][0]["model"].setdefault("environment", {})["LOG_LEVEL"] = "debug"


# (label, mutation, create-only pointers expected to change, exempt pointers expected to change under a kept name)
MUTATIONS: list[tuple[str, Callable[[dict[str, Any]], None], set[str], set[tuple[str, str]]]] = [
    ("platform-tags", _add_tag, {"AWS::SageMaker::StudioLifecycleConfig /properties/Tags"}, set()),
    ("lcc-script", _lcc_script, {"AWS::SageMaker::StudioLifecycleConfig /properties/StudioLifecycleConfigContent"},
     set()),
    ("sso-user", _sso, set(), {("AWS::SageMaker::UserProfile", "/properties/SingleSignOnUserValue")}),
    ("space-owner", _space_owner, set(), {("AWS::SageMaker::Space", "/properties/OwnershipSettings")}),
    ("shared-to-private", _shared_to_private, set(),
     {("AWS::SageMaker::Space", "/properties/SpaceSharingSettings"),
      ("AWS::SageMaker::Space", "/properties/OwnershipSettings")}),
    ("group-description", _group_description, set(),
     {("AWS::SageMaker::ModelPackageGroup", "/properties/ModelPackageGroupDescription")}),
    ("instance-type", _instance_type, {"AWS::SageMaker::EndpointConfig /properties/ProductionVariants"}, set()),
    ("model-image", _image, {"AWS::SageMaker::Model /properties/PrimaryContainer"}, set()),
    ("model-environment", _environment, {"AWS::SageMaker::Model /properties/PrimaryContainer"}, set()),
]


def _by_name(templates: dict[str, dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for _stack, _, resource_type, resource in named_resources(templates):
        name = physical_name(resource)
        key = (resource_type, json.dumps(name, sort_keys=True))
        if resource_type == "AWS::ApplicationAutoScaling::ScalingPolicy":  # names are per scalable target
            scope = at(resource["Properties"], "/properties/ScalingTargetId")
            key = (resource_type, json.dumps([scope, name], sort_keys=True))
        # Profiles and spaces: one domain per config, referenced by GetAtt in one stack and by SSM in the others.
        out[key] = resource
    return out


def compare(before: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]]
            ) -> tuple[set[str], set[tuple[str, str]], list[str]]:
    """(create-only changes that came with a new name, exempt changes under a kept name, collisions)."""
    old, new = _by_name(before), _by_name(after)
    renamed: set[str] = set()
    exempt: set[tuple[str, str]] = set()
    collisions: list[str] = []
    for key, resource in new.items():
        resource_type = resource["Type"]
        previous = old.get(key)
        for pointer in create_only(resource_type):
            if previous is None:
                continue
            if (resource_type, pointer) in NAMESPACE:
                continue  # one domain per config: GetAtt in the StudioStack, an SSM parameter elsewhere
            if at(previous["Properties"], pointer) != at(resource["Properties"], pointer):
                if (resource_type, pointer) in EXEMPT:
                    exempt.add((resource_type, pointer))
                else:
                    collisions.append(f"{resource_type} {key[1]}: {pointer} changed under the same name")
    # A create-only change that gave a resource a new name: pair removed and added resources by logical id.
    for stack, template in after.items():
        for logical_id, resource in template["Resources"].items():
            previous = before.get(stack, {}).get("Resources", {}).get(logical_id)
            prop = name_property(resource["Type"])
            if previous is None or previous["Type"] != resource["Type"] or prop is None \
                    or prop not in resource.get("Properties", {}):
                continue
            if physical_name(previous) == physical_name(resource):
                continue  # a change under the same name is a collision, found above
            for pointer in create_only(resource["Type"]):
                if at(previous["Properties"], pointer) != at(resource["Properties"], pointer):
                    renamed.add(f"{resource['Type']} {pointer}")
    # Moved resources (a new logical id, e.g. a space under another owner or stack): pair them with the removed
    # resource of the same type and base name (the name without its digest).
    def base(resource: dict[str, Any]) -> Any:
        name = physical_name(resource)
        return name.rsplit("-", 1)[0] if isinstance(name, str) else name

    removed = [r for k, r in old.items() if k not in new]
    for key, resource in new.items():
        if key in old:
            continue
        for previous in removed:
            if previous["Type"] != resource["Type"] or base(previous) != base(resource):
                continue
            for pointer in create_only(resource["Type"]):
                if at(previous["Properties"], pointer) != at(resource["Properties"], pointer):
                    renamed.add(f"{resource['Type']} {pointer}")
    return renamed, exempt, collisions


@pytest.fixture(scope="module")
def full_before(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    return _synth(_full(), tmp_path_factory.mktemp("before"), "full")


@pytest.mark.parametrize("label,mutate,expected,expected_exempt", MUTATIONS, ids=[m[0] for m in MUTATIONS])
def test_config_mutation_updates_cleanly(
    full_before: dict[str, dict[str, Any]],
    tmp_path: Path,
    label: str,
    mutate: Callable[[dict[str, Any]], None],
    expected: set[str],
    expected_exempt: set[tuple[str, str]],
) -> None:
    data = _full()
    mutate(data)
    after = _synth(data, tmp_path, label)
    renamed, exempt, collisions = compare(full_before, after)
    assert not collisions, "\n".join(collisions)
    # The mutation really reached the create-only values it is meant to (else this test proves nothing).
    assert expected <= renamed, (expected, renamed)
    # Identity names stay, and the change CloudFormation will refuse is exactly the documented exemption.
    assert exempt == expected_exempt
    checked, failures, _ = check_name_rule(after)
    assert checked and not failures, failures
    assert _lcc_references_resolve(after) > 0  # full.yaml's users attach lifecycle configs by name


def test_mutation_check_catches_a_collision(full_before: dict[str, dict[str, Any]]) -> None:
    """Same name, different create-only values: what CloudFormation would refuse (a script changed, name kept)."""
    after = copy.deepcopy(full_before)
    for template in after.values():
        for resource in template["Resources"].values():
            if resource["Type"] == "AWS::SageMaker::StudioLifecycleConfig":
                resource["Properties"]["StudioLifecycleConfigContent"] = "IyEvYmluL2Jhc2gK"
    _, _, collisions = compare(full_before, after)
    assert any("StudioLifecycleConfigContent changed under the same name" in c for c in collisions), collisions


# ----------------------------------------------------------------------------------------------- references
def _lcc_references_resolve(templates: dict[str, dict[str, Any]]) -> int:
    """Every lifecycle config ARN a UsersStack builds by name names a config the StudioStack creates; returns how
    many names are referenced."""
    names = {
        r["Properties"]["StudioLifecycleConfigName"]
        for t in templates.values()
        for r in t["Resources"].values()
        if r["Type"] == "AWS::SageMaker::StudioLifecycleConfig"
    }
    referenced = set()
    for stack, template in templates.items():
        if "-users-" not in stack:
            continue
        for fragment in _strings(template["Resources"]):
            if fragment.startswith(":studio-lifecycle-config/"):
                referenced.add(fragment.removeprefix(":studio-lifecycle-config/"))
    assert referenced <= names, (referenced - names, names)
    return len(referenced)


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


def test_lcc_references_resolve_in_shipped_configs(example: Synthesized) -> None:
    if example.config.users and example.config.domain.lifecycle_configs:
        _lcc_references_resolve(templates_of(example))


# ----------------------------------------------------------------------------------------------- uniqueness
def test_names_unique_per_stack_and_environment(tmp_path: Path) -> None:
    """Two environments of the same platform in one app (as two pipeline stages in one account): no name that
    is unique per account and region repeats, except the ones the config chooses verbatim."""
    app = new_app()
    for environment in ("dev", "test"):
        data = _full()
        data["platform"]["environment"] = environment
        path = tmp_path / f"{environment}.yaml"
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        build_platform(app, load_config(path), compliance=False)
    templates = {s.stack_name: s.template for s in app.synth().stacks}
    seen: dict[tuple[str, str], str] = {}
    repeats: list[str] = []
    for stack, logical_id, resource_type, resource in named_resources(templates):
        if resource_type in SCOPED:
            continue
        key = (resource_type, json.dumps(physical_name(resource), sort_keys=True))
        if key in seen and resource_type not in CONFIG_NAMED:
            repeats.append(f"{resource_type} {key[1]}: {seen[key]} and {stack}/{logical_id}")
        seen.setdefault(key, f"{stack}/{logical_id}")
    assert len(seen) > 20
    assert not repeats, "\n".join(repeats)


# ----------------------------------------------------------------------------------------------- set once
# Values the registry schema lets change in place (not create-only) but SageMaker refuses to change once the
# domain has profiles (UpdateDomain) or at all (UpdateUserProfile): the POSIX identity on custom file systems. A
# change fails the deploy and CloudFormation rolls it back; this check finds it before a deploy is tried.
SET_ONCE: dict[tuple[str, str], str] = {
    ("AWS::SageMaker::Domain", "/properties/DefaultUserSettings/CustomPosixUserConfig"): "UpdateDomain refuses it "
    "once the domain has user profiles",
    ("AWS::SageMaker::Domain", "/properties/DefaultSpaceSettings/CustomPosixUserConfig"): "as for the user defaults",
    ("AWS::SageMaker::UserProfile", "/properties/UserSettings/CustomPosixUserConfig"): "UpdateUserProfile refuses "
    "it: only a new profile takes it",
}
ENTERPRISE = ROOT / "config" / "examples" / "enterprise.yaml"


def set_once_changes(before: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]]) -> list[str]:
    """Set-once values that differ between two syntheses of the same resource (by type and logical id)."""
    changes: list[str] = []
    for stack, template in after.items():
        for logical_id, resource in template["Resources"].items():
            previous = before.get(stack, {}).get("Resources", {}).get(logical_id)
            if previous is None or previous["Type"] != resource["Type"]:
                continue
            for (resource_type, pointer), reason in SET_ONCE.items():
                if resource_type == resource["Type"] and at(previous.get("Properties", {}), pointer) != at(
                    resource.get("Properties", {}), pointer
                ):
                    changes.append(f"{stack}/{logical_id}: {pointer} changed ({reason})")
    return changes


def test_set_once_pointers_are_not_create_only() -> None:
    """Create-only values are the name rule's business; these are the in-place ones SageMaker refuses."""
    for resource_type, pointer in SET_ONCE:
        assert pointer not in create_only(resource_type), (resource_type, pointer)
        assert schema(resource_type) is not None


def test_a_posix_identity_change_is_caught(tmp_path: Path) -> None:
    data: dict[str, Any] = yaml.safe_load(ENTERPRISE.read_text(encoding="utf-8"))
    assert data["domain"]["posix_user"], "enterprise.yaml sets the POSIX identity this test changes"
    before = _synth(data, tmp_path, "before")
    same = copy.deepcopy(data)
    same["platform"]["tags"]["cost-center"] = "ml-43"  # an unrelated change
    assert set_once_changes(before, _synth(same, tmp_path, "same")) == []
    data["domain"]["posix_user"]["uid"] += 1
    changes = set_once_changes(before, _synth(data, tmp_path, "after"))
    assert sorted(c.split(": ")[1].split(" ")[0] for c in changes) == [
        "/properties/DefaultSpaceSettings/CustomPosixUserConfig",
        "/properties/DefaultUserSettings/CustomPosixUserConfig",
    ], changes


# ----------------------------------------------------------------------------------------- enterprise mutations
def _enterprise() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(ENTERPRISE.read_text(encoding="utf-8"))
    return data


def _monitor_instance_type(d: dict[str, Any]) -> None:
    d["endpoints"][0]["monitoring"]["data_quality"]["instance_type"] = "ml.m5.2xlarge"


def _monitor_baseline(d: dict[str, Any]) -> None:
    mq = d["endpoints"][0]["monitoring"]["model_quality"]
    mq["ground_truth_s3_uri"] = mq["ground_truth_s3_uri"] + "-v2"


def _custom_image_tag(d: dict[str, Any]) -> None:
    image = d["domain"]["custom_images"][0]
    image["image_uri"] = image["image_uri"].rsplit(":", 1)[0] + ":2.2.0"


def _mlflow_size(d: dict[str, Any]) -> None:
    d["mlflow"]["size"] = "Large"


ENTERPRISE_MUTATIONS: list[tuple[str, Callable[[dict[str, Any]], None], set[str]]] = [
    # Job definitions are immutable: a new name for each new content, the schedule updated in place.
    ("platform-tags", _add_tag, {"AWS::SageMaker::DataQualityJobDefinition /properties/Tags",
                                 "AWS::SageMaker::ModelQualityJobDefinition /properties/Tags"}),
    ("monitor-instance-type", _monitor_instance_type,
     {"AWS::SageMaker::DataQualityJobDefinition /properties/JobResources"}),
    ("monitor-ground-truth", _monitor_baseline,
     {"AWS::SageMaker::ModelQualityJobDefinition /properties/ModelQualityJobInput"}),
    # An image version is unnamed (a new tag is a new version); the image and its app image config keep their names.
    ("custom-image-tag", _custom_image_tag, set()),
    # Size and the maintenance window update the server in place.
    ("mlflow-size", _mlflow_size, set()),
]


@pytest.fixture(scope="module")
def enterprise_before(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    return _synth(_enterprise(), tmp_path_factory.mktemp("enterprise"), "enterprise")


@pytest.mark.parametrize("label,mutate,expected", ENTERPRISE_MUTATIONS, ids=[m[0] for m in ENTERPRISE_MUTATIONS])
def test_enterprise_mutation_updates_cleanly(
    enterprise_before: dict[str, dict[str, Any]],
    tmp_path: Path,
    label: str,
    mutate: Callable[[dict[str, Any]], None],
    expected: set[str],
) -> None:
    """The enterprise features' create-only values (MLflow, images, monitoring) change without a name collision."""
    data = _enterprise()
    mutate(data)
    after = _synth(data, tmp_path, label)
    assert after != enterprise_before, "the mutation changed nothing"
    renamed, exempt, collisions = compare(enterprise_before, after)
    assert not collisions, "\n".join(collisions)
    assert expected <= renamed, (expected, renamed)
    assert exempt == set()
    checked, failures, _ = check_name_rule(after)
    assert checked and not failures, failures
    assert set_once_changes(enterprise_before, after) == []
