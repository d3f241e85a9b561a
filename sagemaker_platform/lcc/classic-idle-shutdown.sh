#!/bin/bash
# Studio Classic (JupyterServer) only: shuts down kernels idle for longer than IDLE_MINUTES, so KernelGateway
# instances stop billing. New Studio apps (JupyterLab, Code Editor) use the domain's built-in idle shutdown instead.
set -euo pipefail
IDLE_MINUTES="${IDLE_MINUTES:-120}"
script="$HOME/.platform-idle-kernels.py"
cat > "$script" <<'PY'
import datetime, json, os, sys, urllib.request
limit = datetime.timedelta(minutes=int(sys.argv[1]))
base = "http://localhost:8888/jupyter/default/api"
token = os.environ.get("JUPYTER_TOKEN", "")
def call(method, path):
    req = urllib.request.Request(base + path, method=method, headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read() or b"null")
now = datetime.datetime.now(datetime.timezone.utc)
for kernel in call("GET", "/kernels") or []:
    last = datetime.datetime.fromisoformat(kernel["last_activity"].replace("Z", "+00:00"))
    if kernel.get("execution_state") == "idle" and now - last > limit:
        call("DELETE", f"/kernels/{kernel['id']}")
        print(f"shut down idle kernel {kernel['id']}", file=sys.stderr)
PY
( crontab -l 2>/dev/null | grep -v platform-idle-kernels; \
  echo "*/5 * * * * /usr/bin/env python3 $script $IDLE_MINUTES >> /tmp/platform-idle-kernels.log 2>&1" ) | crontab - \
  || echo "cron not available; idle-kernel shutdown not scheduled" >&2
