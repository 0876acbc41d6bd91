#!/usr/bin/env bash
# Regenerates the static protobuf codec for ONNX ModelProto from scripts/onnx.proto
# (copied from Debian's python3-onnx 1.12.0: /usr/lib/python3/dist-packages/onnx/onnx.proto).
set -euo pipefail
cd "$(dirname "$0")/.."
npx pbjs -t static-module -w es6 --no-verify --no-delimited --no-convert --no-service --force-number \
  scripts/onnx.proto -o src/engine/onnxProto.js
npx pbts src/engine/onnxProto.js -o src/engine/onnxProto.d.ts
sed -i '1i // Generated from scripts/onnx.proto (ONNX 1.12, Apache-2.0, copied from Debian python3-onnx 1.12.0)\n// by scripts/gen-onnx-proto.sh. Do not edit.' src/engine/onnxProto.js
