"""The real CDK CLI: the pinned Node, and bad config files that end in one line, exit 2 and no cloud assembly.

Successful offline synths of every shipped config are in test_offline_synth.py; these are the failures a user
meets first, reading and decoding the file, plus one that only the CDK itself detects (the 500-resource limit),
run through ``cdk synth`` exactly as a user or a pipeline runs it.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT
from tests.template.test_offline_synth import CDK, Run, Target, offline_env, run_cli

DEFAULT = (ROOT / "config" / "default.yaml").read_text(encoding="utf-8")
# What the CLI itself adds when the app exits non-zero.
CLI_LINE = "python app.py: Subprocess exited with error 2"
# Files the CLI asks the app to write into the output folder whatever happens (its error code, timings).
CLI_FILES = {"error.txt", "performance-counters.json"}
LINES = DEFAULT.count("\n")
USERS_LINE = DEFAULT.splitlines().index("users:") + 1


def _too_many_spaces() -> str:
    data = yaml.safe_load(DEFAULT)
    data["spaces"] = [{"name": f"space-{i:03d}"} for i in range(480)]
    return yaml.safe_dump(data)


@dataclass(frozen=True)
class BadFile:
    name: str
    write: Callable[[Path], Path]
    expect: str  # a fragment of the one line


def _file(content: bytes | str, name: str = "bad.yaml") -> Callable[[Path], Path]:
    def write(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(content.encode() if isinstance(content, str) else content)
        return path

    return write


def _directory(folder: Path) -> Path:
    (folder / "conf.yaml").mkdir()
    return folder / "conf.yaml"


CASES = [
    BadFile("missing", lambda folder: folder / "nowhere.yaml", "cannot read the config file: No such file"),
    BadFile("directory", _directory, "cannot read the config file: Is a directory"),
    BadFile("not-utf8", _file(DEFAULT.encode() + b"# caf\xe9\n"), f"line {LINES + 1}: not UTF-8 text"),
    BadFile("empty", _file("# nothing but a comment\n"), "the config file is empty"),
    BadFile(
        "duplicate-key",
        _file(DEFAULT + "users: []\n"),
        f"line {LINES + 1}: duplicate key (first at line {USERS_LINE}) (got 'users')",
    ),
    BadFile("not-yaml", _file("platform: [unclosed\n"), "not valid YAML"),
    BadFile("too-many-spaces", _file(_too_many_spaces()), "spaces: stack mlp-dev-studio would hold"),
]


@pytest.fixture(scope="module")
def bad_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Run, list[str]]]:
    """Each bad file through ``cdk synth --no-lookups`` (two at a time), into an output folder that already holds
    an earlier assembly: a failed run must leave it exactly as it was."""
    if not CDK.exists():
        pytest.fail("the pinned CDK CLI is missing: run `make setup` (npm ci)")
    base = tmp_path_factory.mktemp("bad")
    env = offline_env(base / "home")
    jobs = {}
    with ThreadPoolExecutor(max_workers=2) as pool:
        for case in CASES:
            folder = base / case.name
            folder.mkdir()
            config = case.write(folder)
            outdir = folder / "cdk.out"
            outdir.mkdir()
            (outdir / "manifest.json").write_text('{"earlier": true}')
            before = sorted(p.name for p in outdir.iterdir())
            target = Target(case.name, ROOT, ("-c", f"config={config}"))
            jobs[case.name] = (pool.submit(run_cli, target, outdir, env), before)
        return {name: (future.result(), before) for name, (future, before) in jobs.items()}


@pytest.mark.cli
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_bad_file_ends_in_one_line(bad_runs: dict[str, tuple[Run, list[str]]], case: BadFile) -> None:
    run, before = bad_runs[case.name]
    assert run.returncode != 0
    lines = [line for line in run.stderr.splitlines() if line.strip() and line != CLI_LINE]
    assert len(lines) == 1, run.stderr[-3000:]
    assert lines[0].startswith("config error: ") and case.expect in lines[0], lines[0]
    assert "Traceback" not in run.stdout + run.stderr
    assert CLI_LINE in run.stderr, "the app must exit with code 2"
    after = sorted(p.name for p in run.outdir.iterdir() if p.name not in CLI_FILES and not p.name.endswith(".lock"))
    assert after == before
    assert (run.outdir / "manifest.json").read_text() == '{"earlier": true}'


def test_pinned_node_runs_the_cli() -> None:
    node = subprocess.run([str(ROOT / "node_modules" / ".bin" / "node"), "--version"], capture_output=True, text=True)
    assert node.stdout.startswith("v22."), node.stdout
