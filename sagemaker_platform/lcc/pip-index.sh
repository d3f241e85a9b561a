#!/bin/bash
# Points pip and conda at the organisation's package mirror (a CodeArtifact or proxy URL), which is how a VpcOnly
# domain without internet installs packages. Set PIP_INDEX_URL in the domain's environment or edit the default below.
set -euo pipefail
index_url="${PLATFORM_PIP_INDEX_URL:-}"
if [ -z "$index_url" ]; then
  echo "PLATFORM_PIP_INDEX_URL not set; leaving pip and conda defaults unchanged" >&2
  exit 0
fi
mkdir -p "$HOME/.config/pip"
cat > "$HOME/.config/pip/pip.conf" <<CONF
[global]
index-url = ${index_url}
timeout = 60
CONF
if command -v conda >/dev/null 2>&1; then
  conda config --set channel_alias "${PLATFORM_CONDA_CHANNEL_ALIAS:-$index_url}" || true
fi
echo "pip index set to ${index_url}" >&2
