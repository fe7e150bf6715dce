#!/usr/bin/env bash
# System packages some tests need: headless Chromium (report tests) and a Java runtime (Spark
# tests). CI runs this (scripts/test.sh does when CI=true); on a developer machine run it once
# as root, or let those tests skip with their reason.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium chromium-driver)
command -v java >/dev/null 2>&1 || need+=(default-jre-headless)
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
