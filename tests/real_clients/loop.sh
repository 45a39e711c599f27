# shellcheck shell=bash disable=SC2154  # sourced: ok, not_ok, $pkce, $work, $root come from tests/real_clients/run
# The whole rollout with the real sf CLI against the test org (issue 22), sourced by
# tests/real_clients/run (it has ok, not_ok, json_get, start_org, no_token, $pkce, $work).
# retrieve → audit → fix (step 2) → check → deploy → audit again, the org changed only where
# fix said → fix --org-setting (step 3) → check → deploy → ENFORCED → verify --deploy-id →
# a hand-broken file refused by the deploy with its component failure.

rollout_loop() {
  local org="$work/loop-org" alias=pkce-loop proj="$work/loop-project"
  cp -r "$root/fixtures/verify-org" "$org"
  mkdir -p "$org/evidence"
  # Logins around the step-3 deploy, which completes on the test org's clock (2026-11-21):
  # every app with a code flow in use logs in with it before and after.
  python3 - "$org/evidence/LoginHistory.json" <<'EOF'
import json, sys
from datetime import datetime, timedelta, timezone
change = datetime(2026, 11, 21, tzinfo=timezone.utc)
rows = []
for app in ["Customer Portal", "Vendor Sync", "Field App", "Legacy Reports", "Dormant Web"]:
    for h in list(range(-240, 0, 24)) + [6, 30]:
        t = change + timedelta(hours=h)
        rows.append({"attributes": {"type": "LoginHistory"}, "Id": "0Ya5g%010d" % len(rows),
                     "UserId": "005Gx00000LOOP0001", "LoginTime": t.strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
                     "LoginType": "Remote Access 2.0", "LoginSubType": "OauthWebServer",
                     "Application": app, "Status": "Success", "Platform": "Unknown"})
json.dump(rows, open(sys.argv[1], "w"), indent=1)
EOF
  echo "# rollout loop: $org"
  if ! start_org loop "$org"; then
    not_ok "loop: test org starts" "$(tail -n 3 "$work/loop.log")"
    return
  fi
  sf org login access-token --instance-url "$URL" --alias "$alias" --no-prompt --json >"$work/loop.login.json" 2>&1
  (cd "$work" && sf project generate --name loop-project --json >"$work/loop.generate.json" 2>&1)
  local live=$work/loop.live folder=$work/loop.folder

  # 1. retrieve into an empty project.
  if (cd "$proj" && sf project retrieve start --metadata ConnectedApp --metadata Settings:OauthOidc \
    --metadata ExternalClientApplication --metadata ExtlClntAppGlobalOauthSettings \
    --metadata ExtlClntAppOauthSettings --metadata ExtlClntAppOauthConfigurablePolicies \
    --metadata ExtlClntAppConfigurablePolicies --target-org "$alias" --json >"$work/loop.retrieve.json" 2>&1); then
    ok "loop: sf project retrieve start (ConnectedApp, the ECA types, Settings:OauthOidc) into an empty project"
  else
    not_ok "loop: sf project retrieve start" "$(head -c 400 "$work/loop.retrieve.json")"
    return
  fi

  # 2. the project's audit says what the org's does.
  (unset SF_ACCESS_TOKEN && "$pkce" audit --target-org "$alias" --no-usage --json --quiet >"$live.json" 2>"$live.err")
  "$pkce" audit --source "$proj" --no-waivers --json >"$folder.json" 2>"$folder.err"
  local same
  same=$(python3 - "$live.json" "$folder.json" <<'EOF'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
apps = lambda r: sorted((x["name"], x["kind"], x["owner"], str(x["pkce_required"])) for x in r["apps"])
finds = lambda r: sorted((f["rule"], f.get("app") or "", f["severity"], f["blocker"]) for f in r["findings"])
if apps(a) != apps(b):
    print("apps differ:", apps(a), apps(b))
elif finds(a) != finds(b):
    print("findings differ:", sorted(set(finds(a)) ^ set(finds(b))))
else:
    print(f"same {len(a['apps'])} apps and {len(a['findings'])} findings, verdict {a['verdict']}")
EOF
  )
  if [ "${same#same}" != "$same" ]; then
    ok "loop: audit --source of the retrieved project = the live audit: $same"
  else
    not_ok "loop: audit --source vs live" "$same"
  fi

  # 3. step 2 for the app that blocks, checked and deployed with the commands fix prints.
  (unset SF_ACCESS_TOKEN && "$pkce" fetch --target-org "$alias" --no-usage --out "$work/loop.before" --quiet >/dev/null 2>"$work/loop.fetch1.err")
  "$pkce" fix --source "$proj" --app Legacy_Reports --json >"$work/loop.fix2.json" 2>"$work/loop.fix2.err"
  local deploy
  deploy=$(json_get "$work/loop.fix2.json" 'j["manifest"]["deploy"]' | sed "s/YOUR_ORG_ALIAS/$alias/")
  local check=${deploy/deploy start/deploy start --dry-run}
  if (cd "$proj" && eval "$check" >"$work/loop.check2.out" 2>&1) && (cd "$proj" && eval "$deploy" >"$work/loop.deploy2.out" 2>&1); then
    ok "loop: fix --app Legacy_Reports, then as printed: $check; $deploy"
  else
    not_ok "loop: step 2 check and deploy" "$(tail -c 400 "$work/loop.check2.out" "$work/loop.deploy2.out")"
  fi
  (unset SF_ACCESS_TOKEN && "$pkce" fetch --target-org "$alias" --no-usage --out "$work/loop.after" --quiet >/dev/null 2>"$work/loop.fetch2.err")
  local changed
  changed=$(python3 - "$work/loop.before" "$work/loop.after" <<'EOF'
import os, sys, difflib
a, b = sys.argv[1:3]
def files(root):
    out = {}
    for d, _, fs in os.walk(root):
        for f in fs:
            if f.endswith(".json"):
                continue  # the snapshot's manifest: when it was taken
            p = os.path.join(d, f)
            out[os.path.relpath(p, root)] = open(p, encoding="utf-8").read().splitlines()
    return out
fa, fb = files(a), files(b)
diffs = []
for name in sorted(set(fa) | set(fb)):
    if fa.get(name) != fb.get(name):
        lines = [l for l in difflib.unified_diff(fa.get(name, []), fb.get(name, []), lineterm="", n=0)
                 if l[:1] in "+-" and l[:3] not in ("+++", "---")]
        diffs.append((name, lines))
ok = (len(diffs) == 1 and "Legacy_Reports" in diffs[0][0]
      and all("isPkceRequired" in l for l in diffs[0][1]))
print(("only " if ok else "unexpected: ") + repr(diffs))
EOF
  )
  if [ "${changed#only}" != "$changed" ]; then
    ok "loop: fetch before and after differ $changed"
  else
    not_ok "loop: the org after step 2" "$changed"
  fi
  # verify after step 2, as docs/fix.md gives it: the deploy completed on the test org's clock.
  (unset SF_ACCESS_TOKEN && cd "$proj" && PKCE_AUDIT_NOW=2026-11-23T00:00:00Z "$pkce" verify -o "$alias" \
    --since 2026-11-21T00:00:00Z --until 2026-11-23T00:00:00Z --manifest manifest/pkce-step2-apps.xml \
    --json --quiet >"$work/loop.verify2.json" 2>"$work/loop.verify2.err")
  local code2=$? got2
  got2=$(json_get "$work/loop.verify2.json" 'json.dumps([j["verdict"], j["scope"]["kind"]] + [[a["name"], a["state"]] for a in j["apps"]])')
  if [ "$code2" = 0 ] && [ "$got2" = '["keep", "manifest", ["Legacy_Reports", "confirmed"]]' ]; then
    ok "loop: verify --since --manifest manifest/pkce-step2-apps.xml: Legacy_Reports confirmed, keep"
  else
    not_ok "loop: verify after step 2" "exit $code2: $got2 $(head -c 300 "$work/loop.verify2.err")"
  fi
  (unset SF_ACCESS_TOKEN && "$pkce" audit --target-org "$alias" --no-usage --json --quiet >"$live.2.json" 2>/dev/null)
  if [ "$(json_get "$live.2.json" '[a["pkce_required"] for a in j["apps"] if a["name"] == "Legacy_Reports"][0]')" = True ] &&
    [ "$(json_get "$live.2.json" 'j["verdict"]')" = ready ]; then
    ok "loop: the live audit after step 2: Legacy_Reports requires PKCE, verdict ready"
  else
    not_ok "loop: live audit after step 2" "$(json_get "$live.2.json" 'j["verdict"], [f["rule"] for f in j["findings"] if f["blocker"]]')"
  fi

  # 4. step 3, checked and deployed as printed; the org is then ENFORCED.
  (unset SF_ACCESS_TOKEN && "$pkce" fix --source "$proj" --org-setting --target-org "$alias" --json \
    >"$work/loop.fix3.json" 2>"$work/loop.fix3.err")
  local deploy3 check3 id
  deploy3=$(json_get "$work/loop.fix3.json" 'j["manifest"]["deploy"]')
  check3=$(json_get "$work/loop.fix3.json" 'j["manifest"]["deploy_check"]')
  if [ -n "$deploy3" ] && [ "$deploy3" != None ] && (cd "$proj" && eval "$check3" >"$work/loop.check3.out" 2>&1) &&
    (cd "$proj" && eval "$deploy3 --json" >"$work/loop.deploy3.json" 2>&1); then
    id=$(json_get "$work/loop.deploy3.json" 'j["result"]["id"]')
    ok "loop: fix --org-setting, then as printed: $check3; $deploy3 (deploy $id)"
  else
    not_ok "loop: step 3" "$(head -c 300 "$work/loop.fix3.err") $(tail -c 300 "$work/loop.check3.out" "$work/loop.deploy3.json" 2>/dev/null)"
  fi
  (unset SF_ACCESS_TOKEN && "$pkce" audit --target-org "$alias" --no-usage --json --quiet >"$live.3.json" 2>/dev/null)
  (unset SF_ACCESS_TOKEN && "$pkce" fetch --target-org "$alias" --no-usage --out "$work/loop.after3" --quiet >/dev/null 2>&1)
  if [ "$(json_get "$live.3.json" 'j["verdict"]')" = enforced ]; then
    ok "loop: the live audit after step 3 says enforced"
  else
    not_ok "loop: live audit after step 3" "$(json_get "$live.3.json" 'j["verdict"]')"
  fi

  # 5. verify, the change dated by the step-3 deploy.
  (unset SF_ACCESS_TOKEN && PKCE_AUDIT_NOW=2026-11-23T00:00:00Z "$pkce" verify --target-org "$alias" \
    --deploy-id "${id:-0AfXX0000000000}" --until 2026-11-23T00:00:00Z --json --quiet >"$work/loop.verify.json" 2>"$work/loop.verify.err")
  local code=$?
  if [ "$code" = 0 ] && [ "$(json_get "$work/loop.verify.json" 'j["verdict"]')" = keep ] &&
    [ "$(json_get "$work/loop.verify.json" 'j["deploy"]["id"]')" = "$id" ] &&
    [ "$(json_get "$work/loop.verify.json" '[a["state"] for a in j["apps"] if a["name"] == "Legacy_Reports"][0]')" = confirmed ]; then
    ok "loop: verify --deploy-id $id: keep, exit 0 (the apps in use confirmed, the others unaffected)"
  else
    not_ok "loop: verify --deploy-id" "exit $code: $(head -c 300 "$work/loop.verify.err") $(json_get "$work/loop.verify.json" 'j["verdict"], [(a["name"], a["state"]) for a in j["apps"]]')"
  fi

  # A production window: validate (runs the Apex tests), then deploy that validation.
  local vid
  vid=$(cd "$proj" && sf project deploy validate --manifest manifest/pkce-step2-apps.xml --target-org "$alias" --json 2>/dev/null |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]["id"])' 2>/dev/null)
  if [ -n "$vid" ] && (cd "$proj" && sf project deploy quick --job-id "$vid" --target-org "$alias" >"$work/loop.quick.out" 2>&1); then
    ok "loop: sf project deploy validate, then sf project deploy quick --job-id $vid"
  else
    not_ok "loop: validate and quick deploy" "$(tail -c 300 "$work/loop.quick.out" 2>/dev/null)"
  fi

  # 6. a file out of WSDL order: the deploy refuses it with the component failure.
  local f="$proj/force-app/main/default/connectedApps/Legacy_Reports.connectedApp-meta.xml"
  python3 - "$f" <<'EOF'
import sys
p = sys.argv[1]; s = open(p).read()
s = s.replace("        <isPkceRequired>true</isPkceRequired>\n", "")
s = s.replace("    </oauthConfig>", "        <isPkceRequired>true</isPkceRequired>\n    </oauthConfig>", 1)
open(p, "w").write(s)
EOF
  if ! (cd "$proj" && eval "$deploy" >"$work/loop.broken.out" 2>&1) &&
    grep -q "invalid at this location in type ConnectedAppOauthConfig" "$work/loop.broken.out"; then
    ok "loop: a file out of WSDL order is refused by the deploy with its component failure"
  else
    not_ok "loop: hand-broken file" "$(tail -c 400 "$work/loop.broken.out")"
  fi
  # ... and nothing of it reached the org: all or nothing.
  (unset SF_ACCESS_TOKEN && "$pkce" fetch --target-org "$alias" --no-usage --out "$work/loop.refused" --quiet >/dev/null 2>&1)
  if diff -r -x '*.json' "$work/loop.after3" "$work/loop.refused" >"$work/loop.refused.diff" 2>&1; then
    ok "loop: the refused deploy changed nothing in the org"
  else
    not_ok "loop: the refused deploy" "$(head -c 300 "$work/loop.refused.diff")"
  fi
  # The retrieved ECA settings hold the consumer secret the test org serves: no output of
  # pkce-audit may.
  if grep -rqF "FAKESECRET" "$proj/force-app" &&
    ! grep -qF "FAKESECRET" "$live.json" "$folder.json" "$work/loop.fix2.json" "$work/loop.fix3.json" "$work/loop.verify.json" "$work/loop.verify2.json"; then
    ok "loop: the project holds the ECA consumer secret retrieved; no pkce-audit output does"
  else
    not_ok "loop: consumer secret" "in an output, or not retrieved at all (the check would prove nothing)"
  fi
  if no_token "$live.json" "$live.err" "$folder.json" "$work/loop.fix3.json" "$work/loop.verify.json" "$work/loop.verify.err"; then
    ok "loop: no token in pkce-audit's outputs"
  else
    not_ok "loop: outputs" "hold the access token"
  fi
}
