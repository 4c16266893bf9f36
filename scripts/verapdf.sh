#!/usr/bin/env bash
# Validate every PDF under the given folders (default: dist) against PDF/UA-1 with veraPDF,
# the PDF Association's validator; exit 1 if any rule fails. veraPDF is not packaged by
# Debian: set VERAPDF, or keep it at ../shared/tools/verapdf/verapdf beside the project.
set -euo pipefail
cd "$(dirname "$0")/.."
verapdf=${VERAPDF:-../shared/tools/verapdf/verapdf}
if [ ! -x "$verapdf" ]; then
  echo "error: veraPDF not found at $verapdf; set VERAPDF to its launcher" >&2
  exit 2
fi
mapfile -t pdfs < <(find "${@:-dist}" -name '*.pdf' -not -path '*/.cache/*' | sort)
if [ ${#pdfs[@]} -eq 0 ]; then
  echo "error: no PDF under ${*:-dist}; build first" >&2
  exit 2
fi
report=$(mktemp)
"$verapdf" --flavour ua1 --format text "${pdfs[@]}" 2>/dev/null | tee "$report" || true
passed=$(grep -c '^PASS' "$report" || true)
failed=$(grep -c '^FAIL' "$report" || true)
echo "veraPDF PDF/UA-1: $passed of ${#pdfs[@]} PDFs pass, $failed fail"
if [ "$passed" -ne ${#pdfs[@]} ]; then
  echo "Every failed rule, with the objects at fault: $verapdf --flavour ua1 --format xml FILE.pdf" >&2
  exit 1
fi
