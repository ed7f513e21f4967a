#!/usr/bin/env bash
# Downloads GraphiQL's browser assets again with `npm pack` at the pinned versions, checks every
# file against its SHA-256 below (the same as in README.md) and writes it here. A changed hash
# fails the run and writes nothing; to move to another version, change its line and hashes.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

# package@version, file in the package, file here, SHA-256
files=(
  "graphiql@3.8.3 graphiql.min.js graphiql.min.js 22faab94067b695e5f7959619fbe686ebcc8955002a0c97d986bcbba4ad4bc2c"
  "graphiql@3.8.3 graphiql.min.css graphiql.min.css b1868247f8e0502cd869e581f5f3cb55b334862e7f51b1d6cbace11059b9adc2"
  "graphiql@3.8.3 LICENSE LICENSE-graphiql 4b18fbe55c4e8f9169cb702be138f4d858a2dad920c39857204ffdc9c1c9fdc4"
  "react@18.3.1 umd/react.production.min.js react.production.min.js d949f1c3687aedadcedac85261865f29b17cd273997e7f6b2bfc53b2f9d4c4dd"
  "react@18.3.1 LICENSE LICENSE-react 52412d7bc7ce4157ea628bbaacb8829e0a9cb3c58f57f99176126bc8cf2bfc85"
  "react-dom@18.3.1 umd/react-dom.production.min.js react-dom.production.min.js 35f4f974f4b2bcd44da73963347f8952e341f83909e4498227d4e26b98f66f0d"
)

for line in "${files[@]}"; do
  read -r spec path name sum <<<"$line"
  package="$scratch/$spec"
  if [[ ! -d $package ]]; then
    mkdir -p "$package"
    tarball="$(cd "$package" && npm pack --silent "$spec")"
    tar -xzf "$package/$tarball" -C "$package"
  fi
  echo "$sum  $package/package/$path" | sha256sum --check --quiet
done
for line in "${files[@]}"; do
  read -r spec path name sum <<<"$line"
  cp "$scratch/$spec/package/$path" "$here/$name"
done
echo "GraphiQL assets match their pinned hashes"
