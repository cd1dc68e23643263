#!/usr/bin/env bash
# What the browser tests need beyond the Python packages: Debian's Chromium (never a
# downloaded browser build) and axe-core from the npm registry (injected into pages by the
# accessibility tests). Does nothing when both are present.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1; then
  echo "installing Debian's chromium for the browser tests"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium
fi
# poppler-utils: pdffonts (are the report's fonts embedded?) and pdftoppm (reports as PNG).
if ! command -v pdffonts >/dev/null 2>&1; then
  echo "installing poppler-utils for the PDF report tests"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends poppler-utils
fi
# docker-compose: the deployment tests check compose.yaml with the real `config` command (no
# Docker engine is needed for that).
if ! command -v docker-compose >/dev/null 2>&1; then
  echo "installing Debian's docker-compose for the deployment tests"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends docker-compose
fi
if [ ! -f tests/browser/node_modules/axe-core/axe.min.js ]; then
  if ! command -v npm >/dev/null 2>&1; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends npm
  fi
  npm ci --prefix tests/browser --no-audit --no-fund --silent
fi
