"""LifecycleConfig: content-derived names, encoding, size limit, packaged scripts, validation."""

from __future__ import annotations

import base64

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from sagemaker_platform.constructs.lifecycle_config import MAX_CONTENT, LifecycleConfig, builtin_script
from tests.unit.constructs.studio import SCRIPT, build_lifecycle_config


def test_lifecycle_name_follows_content(stack: cdk.Stack) -> None:
    a = build_lifecycle_config(stack, "same")
    b = LifecycleConfig(stack, "B", name="same", app_type="JupyterLab", script=SCRIPT + "echo more\n")
    c = LifecycleConfig(stack, "C", name="same", app_type="CodeEditor", script=SCRIPT)
    names = [stack.resolve(x.name) for x in (a, b, c)]  # derived at synth, once tags are known
    assert len(set(names)) == 3 and all(n.startswith("same-") and len(n) <= 63 for n in names)
    # The same script in another stack: another namespace, another name (no collision between stacks) ...
    other = cdk.Stack(cdk.App(), "Other")
    assert other.resolve(LifecycleConfig(other, "A", name="same", app_type="JupyterLab", script=SCRIPT).name) \
        not in names
    # ... unless both name the same namespace; then the tags decide, as CloudFormation replaces on them too.
    apps = [cdk.App() for _ in range(3)]
    shared = [cdk.Stack(app, f"S{i}") for i, app in enumerate(apps)]
    owned = [LifecycleConfig(s, "L", name="same", app_type="JupyterLab", script=SCRIPT, namespace="mlp-dev")
             for s in shared]
    cdk.Tags.of(shared[0]).add("team", "a")
    cdk.Tags.of(shared[1]).add("team", "b")
    rendered = [app.synth().get_stack_by_name(s.stack_name).template for app, s in zip(apps, shared, strict=True)]
    lcc_names = [next(iter(t["Resources"].values()))["Properties"]["StudioLifecycleConfigName"] for t in rendered]
    assert len(set(lcc_names)) == 3 and owned[0].namespace == "mlp-dev"
    imported = LifecycleConfig.from_script(
        other, "I", name="same", app_type="JupyterLab", script=SCRIPT, namespace="mlp-dev", tags={"team": "a"}
    )
    assert imported.name == lcc_names[0]
    untagged = LifecycleConfig.from_script(other, "U", name="same", app_type="JupyterLab", script=SCRIPT,
                                           namespace="mlp-dev")
    assert untagged.name == lcc_names[2]


def test_lifecycle_content_is_base64_and_crlf_normalised(stack: cdk.Stack) -> None:
    lcc = LifecycleConfig(stack, "Crlf", name="crlf", app_type="JupyterLab", script="#!/bin/bash\r\necho hi\r\n")
    content = Template.from_stack(stack).find_resources("AWS::SageMaker::StudioLifecycleConfig")
    (resource,) = content.values()
    props = resource["Properties"]
    assert base64.b64decode(props["StudioLifecycleConfigContent"]).decode() == "#!/bin/bash\necho hi\n"
    assert props["StudioLifecycleConfigName"] == stack.resolve(lcc.name)
    assert props["StudioLifecycleConfigAppType"] == "JupyterLab"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"script": "echo no shebang\n"}, r"must start with a shebang .*'echo no shebang'"),
        ({"script": "#!/bin/bash\r\necho\r\n", "line_endings": "reject"}, r"CRLF or CR line endings"),
        ({"script": "#!/bin/bash\n" + "x" * MAX_CONTENT}, r"characters after base64, over the limit of 16384"),
        ({"script": SCRIPT, "app_type": "RStudio"}, r"app_type: must be one of .*'RStudio'"),
        ({"script": SCRIPT, "name": "bad name"}, r"name: .*'bad name'"),
        ({"script_path": "/nonexistent/script.sh"}, r"script_path: no such file"),
        ({}, r"exactly one of script or script_path"),
    ],
)
def test_lifecycle_validation(stack: cdk.Stack, kwargs: dict, message: str) -> None:
    props = {"name": "ok", "app_type": "JupyterLab", **kwargs}
    with pytest.raises(ValueError, match=message):
        LifecycleConfig(stack, "L", **props)


def test_lifecycle_limit_is_on_base64_length(stack: cdk.Stack) -> None:
    raw_limit = MAX_CONTENT * 3 // 4
    ok = "#!/bin/bash\n" + "#" * (raw_limit - 13) + "\n"
    LifecycleConfig(stack, "Fits", name="fits", app_type="JupyterLab", script=ok)
    with pytest.raises(ValueError, match="over the limit"):
        LifecycleConfig(stack, "TooBig", name="big", app_type="JupyterLab", script=ok + "#" * 4)


def test_builtin_scripts_are_valid(stack: cdk.Stack) -> None:
    for name in ("git-identity", "pip-index", "classic-idle-shutdown"):
        LifecycleConfig(stack, name, name=name, app_type="JupyterLab", script_path=builtin_script(name))
    with pytest.raises(ValueError, match="no packaged script named 'nope'"):
        builtin_script("nope")
