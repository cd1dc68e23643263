#!/usr/bin/env bash
# Installs the system libraries SafeYard needs, from Debian's packages, when they are missing:
# Pango/HarfBuzz for WeasyPrint (PDF reports) and fonts that cover Kazakh letters.
# Does nothing when everything is present; needs root (or sudo) only when something is missing.
set -euo pipefail

need=()
ldconfig -p | grep -q 'libpango-1.0.so' || need+=(libpango-1.0-0 libpangoft2-1.0-0)
ldconfig -p | grep -q 'libharfbuzz-subset' || need+=(libharfbuzz-subset0)
# DejaVu Sans: the PDF reports' font (by family name through fontconfig); it has every Kazakh
# letter (ә ғ қ ң ө ұ ү һ і), checked by tests/reports/test_fonts.py.
fc-list 2>/dev/null | grep -qi 'DejaVuSans' || need+=(fonts-dejavu-core fontconfig)

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
echo "installing system packages: ${need[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
