#!/usr/bin/env bash
# The sf plugin (packaging/npm/plugin, @pkce-audit/plugin-pkce) through the REAL Salesforce CLI,
# against the loopback test org.
#
#   tests/npm/plugin.sh        # from anywhere; standalone; the npm suite calls it as is
#
# Uses Node 22 and @salesforce/cli as tests/real_clients/run installs them (its cache,
# target/real-clients or $REAL_CLIENTS_CACHE; installed here the same way when missing), and
# installs the plugin's own dependencies pinned (tests/npm/plugin-deps: package.json,
# package-lock.json; `npm ci`) into target/npm-plugin (or $NPM_PLUGIN_CACHE). The launcher
# package is not published yet: the plugin runs the cargo-built binary through
# PKCE_AUDIT_BIN (a wrapper that records its own argv, environment keys and every
# process's command line, never a value). The plugin is copied into a temp folder (so the
# tree gets no node_modules) and `sf plugins link`ed into a temp HOME / SF_DATA_DIR.
# Prints "ok - ..." / "not ok - ..." per check, then "N passed, N failed"; exits non-zero
# when a check failed.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
rc_cache=${REAL_CLIENTS_CACHE:-$root/target/real-clients}
plugin_cache=${NPM_PLUGIN_CACHE:-$root/target/npm-plugin}
NODE_VERSION=22.23.5

# shellcheck source=tests/real_clients/suite.sh
. "$root/tests/real_clients/suite.sh"
suite_start npm-plugin
json_get() { python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print($2)" "$1" 2>/dev/null; }

# --- installs (cached) ---------------------------------------------------------------
log="$work/install.log"
node_dir="$rc_cache/node-$NODE_VERSION"
rc_stamp="$NODE_VERSION-$(stamp "$root/tests/real_clients/package.json" "$root/tests/real_clients/package-lock.json")"
if [ ! -x "$node_dir/bin/node" ] || [ "$(cat "$rc_cache/npm/.stamp" 2>/dev/null)" != "$rc_stamp" ]; then
  # The real-client suite owns that install: let it make it (it then runs its checks too).
  echo "# installing Node $NODE_VERSION and @salesforce/cli through tests/real_clients/run"
  REAL_CLIENTS_CACHE=$rc_cache "$root/tests/real_clients/run" >"$log" 2>&1
  if [ ! -x "$node_dir/bin/node" ] || [ "$(cat "$rc_cache/npm/.stamp" 2>/dev/null)" != "$rc_stamp" ]; then
    not_ok "install Node $NODE_VERSION and sf" "tests/real_clients/run did not install them: $(tail -n 3 "$log" | tr '\n' ' ')"
    exit 1
  fi
fi
export PATH="$rc_cache/npm/node_modules/.bin:$node_dir/bin:$PATH"

deps="$here/plugin-deps"
deps_stamp="$NODE_VERSION-$(stamp "$deps/package.json" "$deps/package-lock.json")"
if [ "$(cat "$plugin_cache/.stamp" 2>/dev/null)" != "$deps_stamp" ]; then
  echo "# installing the plugin's dependencies (npm ci, Node $NODE_VERSION)"
  rm -rf "$plugin_cache"
  mkdir -p "$plugin_cache"
  cp "$deps/package.json" "$deps/package-lock.json" "$plugin_cache/"
  if ! (cd "$plugin_cache" && npm ci --no-audit --no-fund --ignore-scripts >"$log" 2>&1); then
    not_ok "install the plugin's dependencies" "npm ci failed: $(tail -n 3 "$log" | tr '\n' ' ')"
    exit 1
  fi
  echo "$deps_stamp" >"$plugin_cache/.stamp"
fi

if ! (cd "$root" && cargo build --quiet --bin pkce-audit --example fake_org >"$log" 2>&1); then
  not_ok "cargo build" "$(tail -n 3 "$log" | tr '\n' ' ')"
  exit 1
fi
target_dir=$(cd "$root" && cargo metadata --format-version 1 --no-deps 2>/dev/null |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
pkce="$target_dir/debug/pkce-audit"
fake_org="$target_dir/debug/examples/fake_org"

# --- the package's pins ------------------------------------------------------------------
version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$root/Cargo.toml" | head -n 1)
pins=$(python3 - "$root/packaging/npm/plugin/package.json" "$deps/package.json" "$version" <<'EOF'
import json, sys
plugin, deps, version = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3]
problems = []
if plugin["version"] != version:
    problems.append(f"version {plugin['version']} is not Cargo.toml's {version}")
own = dict(plugin["dependencies"])
if own.pop("pkce-audit", None) != version:
    problems.append(f"the pkce-audit dependency is not {version}")
if own != deps["dependencies"]:
    problems.append(f"dependencies {own} differ from tests/npm/plugin-deps {deps['dependencies']}")
print("; ".join(problems))
EOF
)
if [ -z "$pins" ]; then
  ok "plugin package.json: version $version as Cargo.toml, pins equal tests/npm/plugin-deps, pkce-audit@$version"
else
  not_ok "plugin package.json pins" "$pins"
fi

# --- sf's environment, the test org, the login ---------------------------------------------
export HOME="$work/home" SF_DATA_DIR="$work/data" SF_CACHE_DIR="$work/cache" SF_CONFIG_DIR="$work/config"
export XDG_DATA_HOME="$work/xdg-data" XDG_CACHE_HOME="$work/xdg-cache" XDG_CONFIG_HOME="$work/xdg-config"
mkdir -p "$HOME"
export SF_DISABLE_TELEMETRY=true SF_AUTOUPDATE_DISABLE=true SF_SKIP_NEW_VERSION_CHECK=true
export SF_USE_GENERIC_UNIX_KEYCHAIN=true SF_DISABLE_LOG_FILE=true NO_COLOR=1
unset SF_TARGET_ORG SF_ORG_INSTANCE_URL SF_ORG_API_VERSION SFDX_ACCESS_TOKEN SF_ACCESS_TOKEN SF_CONTENT_TYPE PKCE_AUDIT_BIN
TOKEN='00DFAKE0000000001!AQoAQFakeAccessToken'
echo "# $(sf --version 2>&1 | head -n 1)"

"$fake_org" --org "$root/fixtures/demo-org" >"$work/org.urls" 2>"$work/org.log" &
pids+=($!)
for _ in $(seq 1 100); do
  [ -s "$work/org.urls" ] && break
  sleep 0.1
done
URL=$(sed -n 1p "$work/org.urls")
[ -n "$URL" ] || {
  not_ok "test org starts" "$(tail -n 3 "$work/org.log")"
  exit 1
}
alias="pkce-plugin"
if SF_ACCESS_TOKEN=$TOKEN sf org login access-token --instance-url "$URL" --alias "$alias" --no-prompt --json >"$work/login.json" 2>"$work/login.err"; then
  ok "sf org login access-token --instance-url $URL --alias $alias"
else
  not_ok "sf org login access-token" "$(head -c 300 "$work/login.json") $(head -c 300 "$work/login.err")"
  exit 1
fi

# --- link the plugin ---------------------------------------------------------------------
plugin="$work/plugin"
mkdir -p "$plugin"
cp -R "$root/packaging/npm/plugin/." "$plugin/"
# node_modules: the cached dependencies (links), and a stand-in for the unpublished launcher
# package `pkce-audit` (its `bin` runs the wrapper below), to check the plugin finds it.
rm -rf "$plugin/node_modules"
mkdir -p "$plugin/node_modules/pkce-audit/bin"
for dep in "$plugin_cache"/node_modules/*; do
  [ "$(basename "$dep")" = .bin ] || ln -s "$dep" "$plugin/node_modules/"
done
cat >"$plugin/node_modules/pkce-audit/package.json" <<EOF
{ "name": "pkce-audit", "version": "$version", "exports": "./bin/pkce-audit.js", "bin": { "pkce-audit": "bin/pkce-audit.js" } }
EOF
cat >"$plugin/node_modules/pkce-audit/bin/pkce-audit.js" <<EOF
#!/usr/bin/env node
const { status } = require("node:child_process").spawnSync("$work/wrapper", process.argv.slice(2), { stdio: "inherit" });
process.exit(status ?? 1);
EOF
if sf plugins link "$plugin" --no-install >"$work/link.out" 2>&1 &&
  sf plugins --json >"$work/plugins.json" 2>/dev/null &&
  [ "$(json_get "$work/plugins.json" '[p["type"] for p in j if p["name"] == "@pkce-audit/plugin-pkce"]')" = "['link']" ]; then
  ok "sf plugins link: @pkce-audit/plugin-pkce linked into the temp data folder"
else
  not_ok "sf plugins link" "$(head -c 400 "$work/link.out") $(head -c 300 "$work/plugins.json")"
fi
sf commands --json >"$work/commands.json" 2>/dev/null
listed=$(json_get "$work/commands.json" 'sorted(c["id"] for c in j if c["id"].startswith("pkce"))')
if [ "$listed" = "['pkce:audit', 'pkce:doctor', 'pkce:fetch', 'pkce:verify']" ]; then
  ok "sf lists the topic pkce: audit, doctor, fetch, verify"
else
  not_ok "sf commands" "pkce commands: $listed"
fi

# The binary, as PKCE_AUDIT_BIN: a wrapper recording its argv, its environment's names (never a
# value), whether SF_ACCESS_TOKEN is the login's token, and how many processes' command lines
# hold the token while it runs (sf's node, this wrapper, the binary it execs: same argv).
# Bash builtins only for the comparisons, so no new command line ever holds the token.
cat >"$work/wrapper" <<EOF
#!/usr/bin/env bash
rec="$work/wrapper.\$\$"
printf '%s\n' "\$@" >"\$rec.argv"
compgen -e | sort >"\$rec.envkeys"
if [ "\${SF_ACCESS_TOKEN-}" = '$TOKEN' ]; then echo same >"\$rec.token"; else echo differs >"\$rec.token"; fi
hits=0
for f in /proc/[0-9]*/cmdline; do
  line=\$(tr '\0' ' ' <"\$f" 2>/dev/null) || continue
  [[ \$line == *"\$SF_ACCESS_TOKEN"* ]] && [ -n "\${SF_ACCESS_TOKEN-}" ] && hits=\$((hits + 1))
done
echo "\$hits" >"\$rec.hits"
echo "\$PPID" >"\$rec.ppid"
tr '\\0' ' ' <"/proc/\$PPID/cmdline" >"\$rec.parent"
echo "\$rec" >>"$work/wrapper.runs"
exec "$pkce" "\$@"
EOF
chmod +x "$work/wrapper"
# same_but_time EXPECTED ACTUAL [KEY]: equal JSON documents (ACTUAL's KEY member if given), or
# equal texts, once every RFC 3339 time and the org's API-use counter are blanked (each run
# reads the org at its own time, and every call counts).
same_but_time() {
  python3 - "$@" <<'EOF'
import json, re, sys
def norm(text):
    text = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", "TIME", text)
    return re.sub(r'("org_api_used": |org API usage )\d+', r"\1N", text)
expected, actual = open(sys.argv[1]).read(), open(sys.argv[2]).read()
if len(sys.argv) > 3:
    expected = json.dumps(json.loads(expected), sort_keys=True)
    actual = json.dumps(json.loads(actual)[sys.argv[3]], sort_keys=True)
sys.exit(0 if norm(expected) == norm(actual) else 1)
EOF
}
last_run() { tail -n 1 "$work/wrapper.runs" 2>/dev/null; }

# run_sf NAME ARGS...: sf with the plugin, SF_TARGET_ORG set (it must not reach the binary)
# (and SF_ORG_INSTANCE_URL=$INSTANCE_ENV when set), and no SF_ACCESS_TOKEN (the token must come
# from sf's own auth). Sets STATUS.
run_sf() {
  local name=$1
  shift
  : >"$work/wrapper.runs"
  env SF_TARGET_ORG="$alias" PKCE_AUDIT_BIN="$work/wrapper" ${INSTANCE_ENV:+SF_ORG_INSTANCE_URL=$INSTANCE_ENV} \
    sf "$@" >"$work/$name.out" 2>"$work/$name.err"
  STATUS=$?
}

# --- sf pkce audit --json against the binary's own --------------------------------------
"$pkce" audit --target-org "$alias" --json >"$work/direct.json" 2>"$work/direct.err"
direct_status=$?
direct_verdict=$(json_get "$work/direct.json" 'j["verdict"]')
INSTANCE_ENV=$URL run_sf audit pkce audit -o "$alias" --json
verdict=$(json_get "$work/audit.out" 'j["result"]["verdict"]')
envelope=$(json_get "$work/audit.out" 'j["status"]')
if [ -n "$direct_verdict" ] && [ "$verdict" = "$direct_verdict" ] && [ "$envelope" = "$direct_status" ] &&
  [ "$STATUS" = "$direct_status" ] && [ "$(json_get "$work/audit.out" 'sorted(j)')" = "['result', 'status', 'warnings']" ]; then
  ok "sf pkce audit -o $alias --json: {status, result, warnings}, status $envelope and result.verdict $verdict as pkce-audit audit --target-org (exit $STATUS)"
else
  not_ok "sf pkce audit --json" "status $envelope exit $STATUS verdict '$verdict'; binary: exit $direct_status verdict '$direct_verdict'; $(head -c 300 "$work/audit.out") $(head -c 300 "$work/audit.err")"
fi
# The same run by hand: --instance-url with SF_ACCESS_TOKEN (the report's scope names the org
# as it was given, so --target-org's differs there).
SF_ACCESS_TOKEN=$TOKEN "$pkce" audit --instance-url "$URL" --json >"$work/direct-url.json" 2>/dev/null
if same_but_time "$work/direct-url.json" "$work/audit.out" result; then
  ok "sf pkce audit --json: result is the binary's JSON report (as pkce-audit audit --instance-url URL --json, times aside)"
else
  not_ok "sf pkce audit --json result" "differs from pkce-audit audit --instance-url --json: $(diff <(python3 -m json.tool "$work/direct-url.json") <(json_get "$work/audit.out" 'json.dumps(j["result"], indent=4)') | head -n 6 | tr '\n' ' ')"
fi
rec=$(last_run)
if [ -n "$rec" ] && [ "$(head -n 3 "$rec.argv" | tr '\n' ' ')" = "audit --instance-url $URL " ] && grep -qx -- --json "$rec.argv"; then
  ok "the binary ran as: $(tr '\n' ' ' <"$rec.argv")"
else
  not_ok "the binary's arguments" "$(tr '\n' ' ' <"$rec.argv" 2>/dev/null)"
fi
if [ -n "$rec" ] && [ "$(cat "$rec.hits")" = 0 ] && ! grep -qF -e "$TOKEN" "$rec.argv"; then
  ok "no process's command line held the token while the binary ran (/proc/*/cmdline, sf's node $(cat "$rec.ppid") included)"
else
  not_ok "token on a command line" "$(cat "$rec.hits" 2>/dev/null) processes"
fi
if [ -n "$rec" ] && [ "$(cat "$rec.token")" = same ] && grep -qx SF_ACCESS_TOKEN "$rec.envkeys" &&
  ! grep -qx -e SF_TARGET_ORG -e SF_ORG_INSTANCE_URL "$rec.envkeys"; then
  ok "the binary's environment: SF_ACCESS_TOKEN is sf's token for $alias; SF_TARGET_ORG and SF_ORG_INSTANCE_URL (both set for sf) removed"
else
  not_ok "the binary's environment" "token $(cat "$rec.token" 2>/dev/null); $(grep '^SF_' "$rec.envkeys" 2>/dev/null | tr '\n' ' ')"
fi
if ! grep -qF -e "$TOKEN" -e "${TOKEN#*!}" "$work/audit.out" "$work/audit.err"; then
  ok "sf pkce audit prints no token"
else
  not_ok "sf pkce audit output" "holds the token"
fi

# --- without --json: the binary's own output and exit status ------------------------------
"$pkce" audit --target-org "$alias" >"$work/direct.txt" 2>/dev/null
direct_text_status=$?
run_sf text pkce audit -o "$alias"
SF_ACCESS_TOKEN=$TOKEN "$pkce" audit --instance-url "$URL" >"$work/direct-url.txt" 2>/dev/null
if [ "$STATUS" = "$direct_text_status" ] && same_but_time "$work/direct-url.txt" "$work/text.out"; then
  ok "sf pkce audit -o $alias (no --json): the binary's table on stdout, exit $STATUS"
else
  not_ok "sf pkce audit (table)" "exit $STATUS (binary $direct_text_status); $(diff "$work/text.out" "$work/direct-url.txt" | head -n 5 | tr '\n' ' ')"
fi

# --- flags pass through: fetch --out, then audit --source of that snapshot -------------------
run_sf fetch pkce fetch -o "$alias" --out "$work/snap" --quiet --json
if [ "$STATUS" = 0 ] && [ "$(json_get "$work/fetch.out" 'j["status"]')" = 0 ] && [ -d "$work/snap" ] &&
  grep -qx -- --out "$(last_run).argv"; then
  "$pkce" audit --source "$work/snap" --json >"$work/snap.json" 2>/dev/null
  if [ "$(json_get "$work/snap.json" 'j["verdict"]')" = "$direct_verdict" ]; then
    ok "sf pkce fetch -o $alias --out DIR --quiet --json: flags passed through; the snapshot audits to $direct_verdict"
  else
    not_ok "sf pkce fetch snapshot" "audits to $(json_get "$work/snap.json" 'j["verdict"]')"
  fi
else
  not_ok "sf pkce fetch --out" "exit $STATUS: $(head -c 300 "$work/fetch.out") $(head -c 300 "$work/fetch.err")"
fi

# --- doctor ---------------------------------------------------------------------------------
SF_ACCESS_TOKEN=$TOKEN "$pkce" doctor --instance-url "$URL" --json >"$work/direct-doctor.json" 2>/dev/null
direct_doctor=$?
run_sf doctor pkce doctor -o "$alias" --json
if [ "$STATUS" = "$direct_doctor" ] && [ "$(json_get "$work/doctor.out" 'j["status"]')" = "$direct_doctor" ] &&
  same_but_time "$work/direct-doctor.json" "$work/doctor.out" result; then
  ok "sf pkce doctor -o $alias --json: the binary's report as result, status $STATUS"
else
  not_ok "sf pkce doctor --json" "exit $STATUS (binary $direct_doctor): $(diff <(python3 -m json.tool "$work/direct-doctor.json") <(json_get "$work/doctor.out" 'json.dumps(j["result"], indent=4)') | head -n 6 | tr '\n' ' ')"
fi

# --- the binary's JSON error becomes sf's error envelope ----------------------------------------
"$pkce" verify --target-org "$alias" --json >"$work/direct-verify.json" 2>/dev/null
direct_verify=$?
run_sf verify pkce verify -o "$alias" --json
name=$(json_get "$work/direct-verify.json" 'j["name"]')
code=$(json_get "$work/direct-verify.json" 'j["code"]')
if [ "$direct_verify" != 0 ] && [ -n "$code" ] && [ "$STATUS" = "$direct_verify" ] &&
  [ "$(json_get "$work/verify.out" '(j["status"], j["exitCode"], j["name"], j["code"])')" = "($direct_verify, $direct_verify, '$name', '$code')" ] &&
  [ "$(json_get "$work/verify.out" 'j["message"]')" = "$(json_get "$work/direct-verify.json" 'j["message"]')" ]; then
  ok "sf pkce verify -o $alias --json (no --since): the binary's error $name $code as sf's error envelope, exitCode $STATUS"
else
  not_ok "sf pkce verify error envelope" "exit $STATUS (binary $direct_verify $name $code): $(head -c 400 "$work/verify.out")"
fi

# --- a second org named through the pass-through is refused before the binary runs ----------------
run_sf clash pkce audit -o "$alias" --json --instance-url "$URL"
if [ "$STATUS" = 2 ] && [ "$(json_get "$work/clash.out" 'j["name"]')" = UsageError ] && [ ! -s "$work/wrapper.runs" ]; then
  ok "sf pkce audit -o ALIAS --instance-url URL: refused (a second org), exit 2, the binary not run"
else
  not_ok "second org refused" "exit $STATUS: $(head -c 300 "$work/clash.out")"
fi

# --- -o after `--` is pkce-audit's -o/--target-org: a second org, refused before the binary runs --
run_sf clash-short pkce audit -o "$alias" --json -- -o other
if [ "$STATUS" = 2 ] && [ "$(json_get "$work/clash-short.out" '(j["name"], j["exitCode"])')" = "('UsageError', 2)" ] &&
  json_get "$work/clash-short.out" 'j["message"]' | grep -qF -- "-o after \`--\` names a second org" && [ ! -s "$work/wrapper.runs" ]; then
  ok "sf pkce audit -o ALIAS -- -o OTHER: refused (a second org), exit 2, the binary not run: $(json_get "$work/clash-short.out" 'j["message"]')"
else
  not_ok "-o after --" "exit $STATUS: $(head -c 300 "$work/clash-short.out")"
fi

# --- --output with --json: refused (the report is the envelope on stdout), before the binary runs --
for cmd in audit verify; do
  run_sf "output-$cmd" pkce "$cmd" -o "$alias" --json --output "$work/r-$cmd.json"
  if [ "$STATUS" = 2 ] && [ "$(json_get "$work/output-$cmd.out" '(j["name"], j["exitCode"])')" = "('UsageError', 2)" ] &&
    [ ! -s "$work/wrapper.runs" ] && [ ! -e "$work/r-$cmd.json" ]; then
    ok "sf pkce $cmd -o $alias --json --output FILE: a usage error in sf's envelope, exit 2, the binary not run"
  else
    not_ok "sf pkce $cmd --json --output" "exit $STATUS: $(head -c 300 "$work/output-$cmd.out") $(head -c 200 "$work/output-$cmd.err")"
  fi
done

# --- failures before the binary runs are errors (exit 2), never "not ready" (1) -------------------
# No -o and no default org: sf's NoDefaultEnvError, kept by name.
: >"$work/wrapper.runs"
env -u SF_TARGET_ORG PKCE_AUDIT_BIN="$work/wrapper" sf pkce audit --json >"$work/nodefault.out" 2>"$work/nodefault.err"
STATUS=$?
if [ "$STATUS" = 2 ] && [ "$(json_get "$work/nodefault.out" '(j["name"], j["exitCode"], j["status"])')" = "('NoDefaultEnvError', 2, 2)" ] &&
  [ ! -s "$work/wrapper.runs" ]; then
  ok "sf pkce audit --json with no org and no default org: NoDefaultEnvError, exit 2 ($(json_get "$work/nodefault.out" 'j["message"]'))"
else
  not_ok "no default org" "exit $STATUS: $(head -c 300 "$work/nodefault.out") $(head -c 200 "$work/nodefault.err")"
fi
env -u SF_TARGET_ORG PKCE_AUDIT_BIN="$work/wrapper" sf pkce audit >/dev/null 2>"$work/nodefault-text.err"
STATUS=$?
if [ "$STATUS" = 2 ] && grep -q "NoDefaultEnvError\|No default" "$work/nodefault-text.err"; then
  ok "sf pkce audit (no --json) with no default org: exit 2, sf's error on stderr"
else
  not_ok "no default org (text)" "exit $STATUS: $(head -c 300 "$work/nodefault-text.err")"
fi

# --- without PKCE_AUDIT_BIN: the binary of the `pkce-audit` package -------------------------
: >"$work/wrapper.runs"
SF_TARGET_ORG=$alias sf pkce audit -o "$alias" --json >"$work/launcher.out" 2>"$work/launcher.err"
STATUS=$?
rec=$(last_run)
if [ -n "$rec" ] && [ "$STATUS" = "$direct_status" ] && [ "$(json_get "$work/launcher.out" 'j["result"]["verdict"]')" = "$direct_verdict" ] &&
  grep -q 'node_modules/pkce-audit/bin/pkce-audit.js audit --instance-url' "$rec.parent"; then
  ok "sf pkce audit without PKCE_AUDIT_BIN runs the bin of the pkce-audit package (node_modules/pkce-audit), exit $STATUS"
else
  not_ok "the pkce-audit package's binary" "exit $STATUS: $(head -c 300 "$work/launcher.out") $(head -c 300 "$work/launcher.err")"
fi

# --- an expired access token is renewed as sf does (refresh token of an SFDX auth URL) -------
# A second test org whose session dies after 40 calls; sf logs in with an SFDX auth URL (so it
# holds a refresh token; sf only builds https:// login URLs, hence TLS with a certificate made
# here, trusted by Node through NODE_EXTRA_CA_CERTS; the org's instance URL stays http). The
# token sf holds is used up by hand, then `sf pkce audit` must renew it before the binary runs.
if openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" \
  -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
  -keyout "$work/key.pem" -out "$work/cert.pem" >/dev/null 2>&1; then
  "$fake_org" --org "$root/fixtures/demo-org" --tls-cert "$work/cert.pem" --tls-key "$work/key.pem" \
    --expire-session-after 40 --log-requests >"$work/rf.urls" 2>"$work/rf.log" &
  pids+=($!)
  for _ in $(seq 1 100); do
    [ "$(wc -l <"$work/rf.urls")" -ge 2 ] && break
    sleep 0.1
  done
  RF_URL=$(sed -n 1p "$work/rf.urls")
  RF_TLS=$(sed -n 2p "$work/rf.urls")
  export NODE_EXTRA_CA_CERTS="$work/cert.pem"
  # The fake org's refresh token and client id (crates/test-org/src/fake_org/config.rs).
  echo "force://PlatformCLI::5Aep861FakeRfrTkn9xQ2v@${RF_TLS#https://}" >"$work/rf.authurl"
  sf org login sfdx-url --sfdx-url-file "$work/rf.authurl" --alias pkce-refresh --json >"$work/rf.login.json" 2>"$work/rf.login.err"
  sf org auth show-access-token --target-org pkce-refresh --json >"$work/rf.token.json" 2>/dev/null
  used=$(python3 - "$work/rf.token.json" "$RF_URL" <<'EOF'
import json, sys, urllib.error, urllib.request
token = json.load(open(sys.argv[1]))["result"]["accessToken"]
codes = []
for _ in range(45):
    req = urllib.request.Request(sys.argv[2] + "/services/data/v66.0/query?q=SELECT+Id+FROM+Organization",
                                 headers={"Authorization": "Bearer " + token})
    try:
        codes.append(urllib.request.urlopen(req).status)
    except urllib.error.HTTPError as e:
        codes.append(e.code)
print(codes[-1])
EOF
)
  before=$(wc -l <"$work/rf.log")
  run_sf refresh pkce audit -o pkce-refresh --json
  tail -n +"$((before + 1))" "$work/rf.log" >"$work/rf.during"
  if [ "$used" = 401 ] && [ "$STATUS" = "$direct_status" ] &&
    [ "$(json_get "$work/refresh.out" 'j["result"]["verdict"]')" = "$direct_verdict" ] &&
    grep -q 'POST /services/oauth2/token -> 200' "$work/rf.during" &&
    [ "$(grep -m 1 -n 'POST /services/oauth2/token' "$work/rf.during" | cut -d: -f1)" -lt "$(grep -m 1 -n 'metadata\|/m/\|listMetadata\|Soap' "$work/rf.during" | cut -d: -f1)" ]; then
    ok "sf pkce audit with sf's token used up: renewed through the refresh token (a 401, then POST /services/oauth2/token) before the binary ran; verdict $direct_verdict"
  else
    not_ok "token renewal" "token used up: HTTP $used; exit $STATUS: $(head -c 300 "$work/refresh.out"); $(head -n 4 "$work/rf.during" | tr '\n' ' ')"
  fi
  unset NODE_EXTRA_CA_CERTS
else
  not_ok "token renewal" "openssl could not make a certificate"
fi

# --- without --json, a pkce-audit error is pkce-audit's own line, with its exit status ----------
"$pkce" verify --target-org "$alias" >/dev/null 2>"$work/direct-verify.err"
direct_verify_text=$?
run_sf verify-text pkce verify -o "$alias"
line=$(grep -m 1 '^pkce-audit: error:' "$work/direct-verify.err")
if [ "$STATUS" = "$direct_verify_text" ] && [ "$STATUS" != 0 ] && [ -n "$line" ] && grep -qxF "$line" "$work/verify-text.err" &&
  [ ! -s "$work/verify-text.out" ]; then
  ok "sf pkce verify -o $alias (no --json, no --since): pkce-audit's error line on stderr, exit $STATUS"
else
  not_ok "sf pkce verify (text error)" "exit $STATUS (binary $direct_verify_text): $(head -c 300 "$work/verify-text.err")"
fi
sf pkce audit --help >"$work/help.out" 2>&1
if grep -q -- --target-org "$work/help.out" && tr -s " \n" "  " <"$work/help.out" | grep -q "pass through to pkce-audit audit"; then
  ok "sf pkce audit --help: sf's help, naming -o/--target-org and the pass-through"
else
  not_ok "sf pkce audit --help" "$(head -c 300 "$work/help.out")"
fi

# --- a signal to sf reaches the binary; sf exits with the binary's status ------------------------
cat >"$work/sleeper" <<EOF
#!/usr/bin/env bash
trap 'echo TERM >"$work/sleeper.got"; exit 143' TERM
echo \$\$ >"$work/sleeper.pid"
sleep 60 &
wait
EOF
chmod +x "$work/sleeper"
PKCE_AUDIT_BIN="$work/sleeper" sf pkce audit -o "$alias" >/dev/null 2>"$work/sleeper.err" &
sf_pid=$!
for _ in $(seq 1 300); do
  [ -s "$work/sleeper.pid" ] && break
  sleep 0.1
done
kill -TERM "$sf_pid" 2>/dev/null
wait "$sf_pid"
STATUS=$?
if [ -s "$work/sleeper.pid" ] && [ "$(cat "$work/sleeper.got" 2>/dev/null)" = TERM ] && [ "$STATUS" = 143 ]; then
  ok "SIGTERM to sf reaches the binary, and sf exits with its status (143)"
else
  not_ok "signal forwarding" "binary got '$(cat "$work/sleeper.got" 2>/dev/null)', sf exited $STATUS: $(head -c 300 "$work/sleeper.err")"
  [ -s "$work/sleeper.pid" ] && kill "$(cat "$work/sleeper.pid")" 2>/dev/null
fi

# --- Ctrl-C in a bash script: sf dies by SIGINT as the binary does, so the script stops ------------
cat >"$work/interrupted" <<'EOF'
#!/usr/bin/env bash
exec sleep 60
EOF
chmod +x "$work/interrupted"
cat >"$work/script.sh" <<EOF
#!/usr/bin/env bash
PKCE_AUDIT_BIN="$work/interrupted" sf pkce audit -o "$alias" >/dev/null 2>&1
echo "continued \$?"
EOF
chmod +x "$work/script.sh"
set -m # the script in a process group of its own, as a terminal's foreground job
"$work/script.sh" >"$work/script.out" 2>&1 </dev/null &
spid=$!
set +m
sleeper=""
for _ in $(seq 1 300); do
  sleeper=$(pgrep -g "$spid" -x sleep | head -n 1)
  [ -n "$sleeper" ] && break
  sleep 0.1
done
if [ -n "$sleeper" ]; then
  sleep 0.3
  kill -INT -- "-$spid"
  for _ in $(seq 1 50); do kill -0 "$spid" 2>/dev/null || break; sleep 0.1; done
fi
if [ -n "$sleeper" ] && ! kill -0 "$spid" 2>/dev/null && [ ! -s "$work/script.out" ]; then
  ok "Ctrl-C (SIGINT to the process group) in a bash script running sf pkce audit: sf dies by the signal, the script stops"
else
  not_ok "Ctrl-C in a script running sf" "binary found: ${sleeper:-no}; script output: $(head -c 200 "$work/script.out")"
  [ -n "$sleeper" ] && kill -KILL -- "-$spid" 2>/dev/null
fi
wait "$spid" 2>/dev/null

# --- a binary that cannot run: sf's error envelope, exit 2 ------------------------------------------
PKCE_AUDIT_BIN="$work/no-such-binary" sf pkce audit -o "$alias" --json >"$work/missing.out" 2>/dev/null
STATUS=$?
if [ "$STATUS" = 2 ] && [ "$(json_get "$work/missing.out" '(j["name"], j["exitCode"])')" = "('PkceAuditNotFound', 2)" ]; then
  ok "PKCE_AUDIT_BIN naming no file: sf's error envelope PkceAuditNotFound, exit 2"
else
  not_ok "missing binary" "exit $STATUS: $(head -c 300 "$work/missing.out")"
fi

# --- under --json, no JSON document on stdout is an error envelope, exit 2, whatever the status --
# sf_standin NAME BINARY ARGS...: `sf pkce audit -o ALIAS ARGS...` running BINARY; how sf ended
# in NAME.how ("STATUS SIGNAL", tests/npm/observe.js); its output in NAME.out, NAME.err.
sf_standin() {
  local name=$1 bin=$2
  shift 2
  PKCE_AUDIT_BIN=$bin node "$here/observe.js" "$work/$name.how" sf pkce audit -o "$alias" "$@" >"$work/$name.out" 2>"$work/$name.err"
  STATUS=$(cut -d' ' -f1 "$work/$name.how" 2>/dev/null)
}
for code in 0 1; do
  printf '#!/bin/sh\necho "a line on stderr, exit %s" >&2\nexit %s\n' "$code" "$code" >"$work/silent-$code"
  chmod +x "$work/silent-$code"
  sf_standin "silent-$code" "$work/silent-$code" --json
  if [ "$STATUS" = 2 ] && [ "$(json_get "$work/silent-$code.out" '(j["name"], j["exitCode"], j["status"])')" = "('PkceAuditError', 2, 2)" ] &&
    json_get "$work/silent-$code.out" 'j["message"]' | grep -qF "printed nothing on stdout (exit status $code): a line on stderr, exit $code"; then
    ok "sf pkce audit --json, a binary exiting $code with empty stdout: PkceAuditError, exit 2, its stderr line in the message"
  else
    not_ok "empty stdout under --json (exit $code)" "exit $STATUS: $(head -c 300 "$work/silent-$code.out")"
  fi
done
run_sf help-json pkce audit -o "$alias" --json -- --help
if [ "$STATUS" = 2 ] && [ "$(json_get "$work/help-json.out" '(j["name"], j["exitCode"])')" = "('PkceAuditError', 2)" ] &&
  json_get "$work/help-json.out" 'j["message"]' | grep -qF "printed no JSON document (exit status 0)"; then
  ok "sf pkce audit --json -- --help (pkce-audit's help text, exit 0): PkceAuditError, exit 2"
else
  not_ok "non-JSON stdout under --json" "exit $STATUS: $(head -c 300 "$work/help-json.out")"
fi
# The launcher with no platform package (a copy of packaging/npm/launcher, nothing installed
# beside it): its one line is the envelope's message.
cp -R "$root/packaging/npm/launcher" "$work/bare-launcher"
printf '#!/bin/sh\nexec node "%s" "$@"\n' "$work/bare-launcher/bin/pkce-audit.js" >"$work/bare-launcher.sh"
chmod +x "$work/bare-launcher.sh"
sf_standin bare "$work/bare-launcher.sh" --json
if [ "$STATUS" = 2 ] && [ "$(json_get "$work/bare.out" '(j["name"], j["exitCode"])')" = "('PkceAuditError', 2)" ] &&
  json_get "$work/bare.out" 'j["message"]' | grep -qF "no binary for this platform (linux-x64): the package @pkce-audit/cli-linux-x64 is not installed"; then
  ok "sf pkce audit --json, the launcher without its platform package: exit 2, its line in the envelope: $(json_get "$work/bare.out" 'j["message"]')"
else
  not_ok "launcher without platform package under --json" "exit $STATUS: $(head -c 400 "$work/bare.out")"
fi

# --- a binary dying by a signal sf must not re-raise: exit 128+n, by code -------------------------
printf '#!/bin/sh\nkill -s USR1 $$\n' >"$work/dies-usr1"
printf '#!/bin/sh\nulimit -c 0\nkill -s SEGV $$\n' >"$work/dies-segv"
chmod +x "$work/dies-usr1" "$work/dies-segv"
sf_standin usr1 "$work/dies-usr1"
if [ "$(cat "$work/usr1.how" 2>/dev/null)" = "138 null" ] && ! grep -qi 'debugger\|inspector' "$work/usr1.out" "$work/usr1.err"; then
  ok "a binary dying by SIGUSR1: sf exits 138 (by code, not signal), no inspector (no \"Debugger listening\")"
else
  not_ok "binary died by SIGUSR1 under sf" "ended as '$(cat "$work/usr1.how" 2>/dev/null)' (want '138 null'): $(head -c 300 "$work/usr1.err")"
fi
mkdir -p "$work/core-cwd"
(cd "$work/core-cwd" && ulimit -c unlimited && sf_standin segv "$work/dies-segv")
cores=$(find "$work/core-cwd" -mindepth 1 -printf '%f ')
if [ "$(cat "$work/segv.how" 2>/dev/null)" = "139 null" ] && [ -z "$cores" ]; then
  ok "a binary dying by SIGSEGV (ulimit -c unlimited): sf exits 139 (by code, not signal), no core file in its cwd"
else
  not_ok "binary died by SIGSEGV under sf" "ended as '$(cat "$work/segv.how" 2>/dev/null)' (want '139 null'); cwd holds: ${cores:-nothing}"
fi

# --- an org whose instance no longer answers: exit 2 ------------------------------------------------
# Logged in, then its server stopped (a closed loopback port). Last: the test org gives every
# login the same username, so this login replaces the auth of the aliases above.
"$fake_org" --org "$root/fixtures/demo-org" >"$work/gone.urls" 2>"$work/gone.log" &
gone_pid=$!
pids+=("$gone_pid")
for _ in $(seq 1 100); do
  [ -s "$work/gone.urls" ] && break
  sleep 0.1
done
GONE_URL=$(sed -n 1p "$work/gone.urls")
if [ -n "$GONE_URL" ] && SF_ACCESS_TOKEN=$TOKEN sf org login access-token --instance-url "$GONE_URL" --alias pkce-gone --no-prompt --json >"$work/gone.login" 2>&1; then
  kill "$gone_pid"
  wait "$gone_pid" 2>/dev/null
  run_sf gone pkce audit -o pkce-gone --json
  if [ "$STATUS" = 2 ] && [ "$(json_get "$work/gone.out" '(j["exitCode"], j["status"])')" = "(2, 2)" ] &&
    [ -n "$(json_get "$work/gone.out" 'j["message"]')" ] && [ ! -s "$work/wrapper.runs" ]; then
    ok "sf pkce audit -o <an org whose instance is a closed port> --json: exit 2, $(json_get "$work/gone.out" 'j["name"] + ": " + j["message"]')"
  else
    not_ok "unreachable instance" "exit $STATUS: $(head -c 300 "$work/gone.out") $(head -c 200 "$work/gone.err")"
  fi
else
  not_ok "unreachable instance" "no second test org or login: $(head -c 300 "$work/gone.login")"
fi
