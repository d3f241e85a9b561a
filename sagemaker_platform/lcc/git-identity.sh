#!/bin/bash
# Sets the git identity of the Studio user from the user-profile name, so commits made in Studio are attributable.
# Runs as sagemaker-user in JupyterLab and Code Editor; must finish well within the 5-minute limit.
set -euo pipefail
metadata=/opt/ml/metadata/resource-metadata.json
profile=""
if [ -r "$metadata" ]; then
  profile=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("UserProfileName") or "")' "$metadata")
fi
if [ -n "$profile" ] && [ -z "$(git config --global user.name || true)" ]; then
  git config --global user.name "$profile"
  echo "git identity set to $profile" >&2
fi
git config --global init.defaultBranch main
git config --global credential.helper '!aws codecommit credential-helper $@'
git config --global credential.UseHttpPath true
