#!/usr/bin/env bash
# Set up a fresh Debian/Ubuntu machine for building leaflets; safe to run again.
#  1. the system libraries and fonts WeasyPrint needs, and with --test what the tests
#     need too (apt-get, only what is missing);
#  2. a virtual environment in .venv with the pinned Python packages and this project.
set -euo pipefail
cd "$(dirname "$0")/.."

# libharfbuzz-subset0: without it WeasyPrint subsets fonts with fontTools, ~34x slower
# on Chinese text (measured: ~8.5 s instead of ~0.25 s a leaflet). fonts-noto-cjk: the Chinese font. qpdf, poppler-utils and
# gettext: the tests check PDFs with qpdf/pdftotext/pdffonts and catalogs with msgfmt.
# libenchant-2-2 and hunspell-en-gb: the spelling gate of 'build.py check' (Enchant's
# Hunspell backend with the British English dictionary).
# fonts-noto-core: the fonts of right-to-left languages, by name (Noto Naskh Arabic for
# Arabic, Persian and Urdu; Noto Sans Hebrew), never the machine's fallback
# (leafpress/rendering/writing.py).
# liblouis-bin, liblouis-data and python3-louis: braille (leafpress/formats/braille.py):
# liblouis 3.24's translation tables and its own Python binding; PyPI has no maintained
# wheel of it.
# espeak-ng and lame: the audio (leafpress/formats/audio.py): espeak-ng speaks every
# language offline (English, Mandarin, Arabic, Welsh…; piper's only installable voice is
# US English), lame encodes the MP3 that every browser and phone plays.
SYSTEM_PACKAGES=(
  python3-venv
  libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 fontconfig
  fonts-noto-cjk fonts-noto-core
  qpdf poppler-utils gettext
  libenchant-2-2 hunspell-en-gb
  liblouis-bin liblouis-data python3-louis
  espeak-ng lame
)
# With --test (make test), also what only the tests need. chromium: they open
# dist/index.html and the web pages in a real, headless browser. mupdf-tools and
# ghostscript: every PDF is drawn by MuPDF and Ghostscript too, which forgive less than
# poppler (tests/test_engines.py). epubcheck (the W3C's EPUB validator; it brings its
# JRE, default-jre): every EPUB is checked with it (tests/test_epub.py). Only the tests
# run it: ~6-10 s a file, most of it the JVM starting, too slow for every build.
if [ "${1:-}" = "--test" ]; then
  SYSTEM_PACKAGES+=(chromium mupdf-tools ghostscript epubcheck)
fi

missing=()
for package in "${SYSTEM_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing system packages: ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  log=$(mktemp)
  if ! { $sudo apt-get update -qq && $sudo env DEBIAN_FRONTEND=noninteractive \
           apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
    cat "$log" >&2
    echo "error: could not install the system packages above (log: $log)" >&2
    exit 1
  fi
  rm -f "$log"
fi

# Reinstall the Python packages only when the pins or the project metadata change.
stamp=".venv/.installed-$(cat requirements.lock pyproject.toml | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  [ -x .venv/bin/python ] || python3 -m venv .venv
  echo "Installing Python packages into .venv"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
  rm -f .venv/.installed-*
  touch "$stamp"
fi

# python3-louis installs liblouis's ctypes binding for Debian's python3 only. The .venv sees
# that one package, through a folder that holds nothing but a link to it: a .pth naming all
# of Debian's dist-packages would put its older copies of the pinned packages on the path.
louis=/usr/lib/python3/dist-packages/louis
site=$(.venv/bin/python -c 'import sysconfig; print(sysconfig.get_path("purelib"))')
mkdir -p .venv/debian-louis
ln -sfn "$louis" .venv/debian-louis/louis
echo "$(cd .venv/debian-louis && pwd -P)" > "$site/debian-louis.pth"
