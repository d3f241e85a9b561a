"""The README's commands and config reference must not drift from the code."""

from __future__ import annotations

import re
from pathlib import Path

from sagemaker_platform.config import PlatformConfig

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_config_table_matches_the_model() -> None:
    rows = dict(re.findall(r"^\| `([a-z_]+)` \| (.+) \|$", README, flags=re.M))
    sections = PlatformConfig.model_fields.keys() - {"source_dir"}
    assert set(rows) >= sections, f"undocumented sections: {sections - set(rows)}"
    for section in sections:
        model = PlatformConfig.model_fields[section].annotation
        item = getattr(model, "__args__", (model,))[0]  # list[X] -> X
        fields = set(getattr(item, "model_fields", {}))
        for key in re.findall(r"`([a-z_]+)`", rows[section]):
            if key in {"sagemaker", "realtime", "serverless", "async"}:
                continue
            assert key in fields or key in {"id", "availability_zone", "route_table_id"}, (section, key)


def test_readme_commands_exist_in_the_makefile() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z]+):", makefile, flags=re.M))
    for target in re.findall(r"`make ([a-z]+)", README):
        assert target in targets, target
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
