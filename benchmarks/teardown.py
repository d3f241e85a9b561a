"""Teardown benchmark: the studio_teardown handler against the SageMaker fake, on a simulated clock.

500 user profiles, each with a Canvas app (by user profile) and a JupyterLab app in its stack-managed private
space: 1000 apps, 3 minutes of simulated deletion latency each, is_complete polled every 30 simulated seconds
like the Provider's default query interval. Run from the repository root:

    python benchmarks/teardown.py
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for folder in (ROOT / "sagemaker_platform" / "lambda", ROOT / "tests" / "handlers"):
    sys.path.insert(0, str(folder))

os.environ.setdefault("AWS_ACCESS_KEY_ID", "benchmark")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "benchmark")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

import _common  # noqa: E402
import boto3  # noqa: E402
import studio_teardown  # noqa: E402
from fake_sagemaker import ACCOUNT, REGION, FakeSageMaker, SimClock  # noqa: E402
from provider_harness import FakeContext, Provider, cfn_event  # noqa: E402

PROFILES = 500
APP_DELETE_LATENCY = 180.0
POLL_INTERVAL = 30.0
DOMAIN = "d-benchmark01"


def main() -> None:
    clock = SimClock()
    fake = FakeSageMaker(clock, app_delete_latency=APP_DELETE_LATENCY)
    fake.add_domain(DOMAIN)
    users = [f"user-{i:03d}" for i in range(PROFILES)]
    spaces = [f"private-{u}" for u in users]
    for user, space in zip(users, spaces, strict=True):
        fake.add_user_profile(DOMAIN, user)
        fake.add_space(DOMAIN, space, owner=user)
        fake.add_app(DOMAIN, "default", "Canvas", user_profile=user)
        fake.add_app(DOMAIN, "default", "JupyterLab", space=space)

    client = boto3.client("sagemaker", region_name=REGION, config=_common.CLIENT_CONFIG)
    fake.attach(client)
    _common.client = lambda service_name: client
    _common.now = clock.time
    _common.log = lambda *args, **kwargs: None  # keep the output readable

    props = {
        "DomainId": DOMAIN,
        "UserProfileNames": users,
        "SpaceNames": spaces,
        "DeletePrivateSpaceData": True,
        "TimeoutMinutes": 60,
    }
    context = FakeContext(f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:teardown")
    provider = Provider(studio_teardown, clock, context, interval=POLL_INTERVAL)
    started_sim, started_wall = clock.time(), time.perf_counter()
    response = provider.run(cfn_event("Delete", props, physical_id=f"studio-teardown:{DOMAIN}:Teardown"))
    wall = time.perf_counter() - started_wall
    simulated = clock.time() - started_sim

    live = fake.live_apps()
    print(f"profiles: {PROFILES}, apps: {len(fake.apps)}, apps still live: {len(live)}")
    print(f"AppsDeleted reported: {response['Data']['AppsDeleted']}")
    print(
        f"simulated teardown time: {simulated:.0f} s over {provider.polls} is_complete polls "
        f"(poll interval {POLL_INTERVAL:.0f} s)"
    )
    print(f"ratio to one app's deletion latency ({APP_DELETE_LATENCY:.0f} s): {simulated / APP_DELETE_LATENCY:.2f}x")
    print(f"API calls: {sum(fake.calls.values())} in total")
    for operation, count in sorted(fake.calls.items()):
        print(f"  {operation}: {count}")
    print(f"real wall time: {wall:.2f} s")


if __name__ == "__main__":
    main()
