#!/usr/bin/env bash
# Installs what tests/test_browser.py drives: Debian's chromium (Playwright's own browser
# download is not reachable here, so the test launches /usr/bin/chromium by path) and the
# Python driver. Idempotent: quick when both are already there.
set -euo pipefail
if ! command -v chromium >/dev/null 2>&1; then
    sudo_cmd=""
    [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
fi
python3 -c "import playwright" 2>/dev/null || python3 -m pip install -q playwright
chromium --version 2>/dev/null | head -n 1
