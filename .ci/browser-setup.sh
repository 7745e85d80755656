#!/usr/bin/env bash
# CI: provide the browser the tests in tests/browser drive (Debian's chromium, launched by
# Playwright for Python). Idempotent. Never `playwright install`: it downloads its own browser.
# Python packages (jupyterlab, playwright) come from the README's `pip install -e ".[test]"`.
set -euo pipefail

if command -v chromium >/dev/null 2>&1; then
    echo "browser-setup: chromium already installed: $(command -v chromium)"
    exit 0
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y chromium
echo "browser-setup: installed $(command -v chromium)"
