#!/usr/bin/env bash
# Validate every PDF under the given folders (default: dist) with veraPDF, the PDF
# Association's validator, against PDF/UA-1 and against PDF/A-2a (one run each); exit 1 if
# any rule fails. veraPDF is not packaged by Debian: set VERAPDF, or keep it at
# ../shared/tools/verapdf/verapdf beside the project.
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
trap 'rm -f "$report"' EXIT
status=0
for check in "ua1 PDF/UA-1" "2a PDF/A-2a"; do
  flavour=${check%% *} standard=${check#* }
  "$verapdf" --flavour "$flavour" --format text "${pdfs[@]}" 2>/dev/null | tee "$report" || true
  passed=$(grep -c '^PASS' "$report" || true)
  failed=$(grep -c '^FAIL' "$report" || true)
  echo "veraPDF $standard: $passed of ${#pdfs[@]} PDFs pass, $failed fail"
  if [ "$passed" -ne ${#pdfs[@]} ]; then
    echo "Every failed rule, with the objects at fault: $verapdf --flavour $flavour --format xml FILE.pdf" >&2
    status=1
  fi
done
exit $status
