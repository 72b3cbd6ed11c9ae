#!/usr/bin/env bash
# Extracts the torchsummary printout of ResNeXt50_32x4d from the seed document, verbatim (the
# blog copy lost torchsummary's column padding, so compare with whitespace normalized).
# usage: tools/seed-printout.sh [seed.txt] > fixtures/seed/resnext50_32x4d.torchsummary.txt
set -euo pipefail
seed=${1:-"$(dirname "$0")/../../shared/seed/000_85c8f17de2d7e346.txt"}
awk '/^-+$/ && length($0) == 64 && !f {f=1} f {print} f && /^Estimated Total Size/ {getline; print; exit}' "$seed"
