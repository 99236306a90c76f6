#!/usr/bin/env bash
# Regenerates remote.pb.swift and types.pb.swift from the .proto files beside this script.
# The generated files are committed, so neither the build nor CI runs this (a build plugin
# would compile protoc-gen-swift on every clean build).
#
# Needs protoc (Debian: apt-get install protobuf-compiler) and protoc-gen-swift of the same
# swift-protobuf version as Package.swift resolves (1.39.0 when these were generated), built
# outside the work tree:
#   git clone --branch 1.39.0 https://github.com/apple/swift-protobuf.git /tmp/swift-protobuf
#   (cd /tmp/swift-protobuf && swift build --product protoc-gen-swift)
#   PROTOC_GEN_SWIFT=/tmp/swift-protobuf/.build/debug/protoc-gen-swift bash generate.sh
set -euo pipefail
cd "$(dirname "$0")"
plugin="${PROTOC_GEN_SWIFT:-$(command -v protoc-gen-swift)}"
protoc --plugin=protoc-gen-swift="$plugin" --swift_opt=Visibility=Internal --swift_out=. -I . types.proto remote.proto
