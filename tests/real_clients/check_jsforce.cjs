// jsforce (the npm package, pinned in package.json) against the loopback test org: every
// call a client makes before and while reading what pkce-audit reads, compared with what the
// org serves (the fixture folder). Prints one "ok - ..." or "not ok - ...: why" line per
// check; ./run counts them.
//
// usage: node check_jsforce.cjs <instance-url> <expected.json> <expected-username>
// The access token comes from SF_ACCESS_TOKEN, never from the command line.
'use strict';
const fs = require('node:fs');
const jsforce = require('jsforce');

const [instanceUrl, expectedFile, username] = process.argv.slice(2);
const accessToken = process.env.SF_ACCESS_TOKEN;
const org = JSON.parse(fs.readFileSync(expectedFile, 'utf8'));
const ORG_ID = org.org_id;
const PREFIX = process.env.CHECK_PREFIX || '';

// A record projected on the compared fields, as canonical JSON (the same projection
// expected.py made of the fixture rows); booleans and numbers as the org types them.
function project(object, record) {
  return JSON.stringify(
    org.fields[object].map((p) => {
      let v = record;
      for (const k of p.split('.')) v = v && typeof v === 'object' ? v[k] : undefined;
      return v === undefined ? null : v;
    }),
  );
}
const rowsOf = (object) => org.rows[object].map((r) => JSON.stringify(r));

let failed = 0;
function report(name, problem) {
  if (problem) {
    failed += 1;
    console.log(`not ok - ${PREFIX}jsforce ${name}: ${problem}`);
  } else {
    console.log(`ok - ${PREFIX}jsforce ${name}`);
  }
}
async function check(name, fn) {
  try {
    report(name, await fn());
  } catch (e) {
    // Never echo a token: jsforce errors quote URLs, and identity() puts the token in one.
    const msg = String((e && e.message) || e).split(accessToken).join('***');
    report(name, `threw ${msg.slice(0, 300)}`);
  }
}
const same = (what, got, want) => {
  const g = JSON.stringify(got);
  const w = JSON.stringify(want);
  return g === w ? null : `${what}: got ${g.slice(0, 300)}, want ${w.slice(0, 300)}`;
};
const asArray = (x) => (x === undefined || x === null ? [] : Array.isArray(x) ? x : [x]);

async function main() {
  // jsforce's own default API version (50.0): old versions are what real clients send.
  const old = new jsforce.Connection({ instanceUrl, accessToken });
  const conn = new jsforce.Connection({ instanceUrl, accessToken, version: '66.0' });

  await check('identity()', async () => {
    const id = await old.identity();
    return (
      same('organization_id', id.organization_id, ORG_ID) ||
      same('username', id.username, username) ||
      same('active', id.active, true)
    );
  });

  await check('describeGlobal()', async () => {
    const g = await old.describeGlobal();
    const names = g.sobjects.map((s) => s.name);
    const want = ['ConnectedApplication', 'LoginHistory', 'OauthToken', 'Organization', 'User'];
    const missing = want.filter((n) => !names.includes(n));
    return missing.length ? `missing ${missing.join(', ')} in ${names.join(', ')}` : null;
  });

  await check('sobject(LoginHistory).describe()', async () => {
    const d = await conn.sobject('LoginHistory').describe();
    const fields = Object.fromEntries(d.fields.map((f) => [f.name, f]));
    for (const f of ['Application', 'LoginType', 'LoginSubType', 'Status', 'LoginTime']) {
      if (!fields[f]) return `no field ${f}`;
    }
    const subTypes = fields.LoginSubType.picklistValues.map((p) => p.value);
    return subTypes.includes('OauthOtpLogin') && !subTypes.includes('OauthJwtBearer')
      ? null
      : `LoginSubType picklist ${subTypes.join(',')}`;
  });

  await check('sobject(OauthToken).describe()', async () => {
    const d = await conn.sobject('OauthToken').describe();
    const names = d.fields.map((f) => f.name);
    const missing = ['AppName', 'UserId', 'UseCount', 'LastUsedDate'].filter((f) => !names.includes(f));
    return missing.length ? `missing ${missing}` : null;
  });

  await check('limits()', async () => {
    const l = await old.limits();
    const d = l.DailyApiRequests;
    return d && d.Max === 100000 && d.Remaining <= d.Max ? null : `DailyApiRequests ${JSON.stringify(d)}`;
  });

  await check('metadata.describe()', async () => {
    const d = await conn.metadata.describe('66.0');
    const names = asArray(d.metadataObjects).map((o) => o.xmlName);
    const missing = ['ConnectedApp', 'ExternalClientApplication', 'ExtlClntAppGlobalOauthSettings', 'Settings'].filter(
      (n) => !names.includes(n),
    );
    if (missing.length) return `missing ${missing}`;
    return same('organizationNamespace', d.organizationNamespace || '', org.namespace);
  });

  await check('metadata.list(ConnectedApp)', async () => {
    const list = asArray(await conn.metadata.list([{ type: 'ConnectedApp' }], '66.0'));
    return same('fullNames', list.map((p) => p.fullName).sort(), Object.keys(org.connected_apps).sort());
  });

  await check('metadata.read(ConnectedApp)', async () => {
    const names = Object.keys(org.connected_apps).sort();
    const str = (v) => (v === undefined || v === null ? null : String(v).trim());
    for (let i = 0; i < names.length; i += 10) {
      const chunk = names.slice(i, i + 10);
      const records = asArray(await conn.metadata.read('ConnectedApp', chunk));
      for (const name of chunk) {
        const r = records.find((x) => x.fullName === name);
        if (!r) return `no record for ${name}`;
        const want = org.connected_apps[name];
        const oc = r.oauthConfig || {};
        const got = {
          label: str(r.label),
          callbackUrl: str(oc.callbackUrl),
          isPkceRequired: str(oc.isPkceRequired),
          consumerSecret: str(oc.consumerSecret),
        };
        const wantShape = { ...want, consumerSecret: null };
        const p = same(name, got, wantShape);
        if (p) return p;
      }
    }
    return null;
  });

  await check('metadata.list(Settings) and read(OauthOidcSettings)', async () => {
    const list = asArray(await conn.metadata.list([{ type: 'Settings' }], '66.0')).map((p) => p.fullName);
    if (org.oauth_oidc && !list.includes('OauthOidc')) return `Settings list ${list}`;
    // An array of names gives an array of records.
    const r = asArray(await conn.metadata.read('OauthOidcSettings', ['OauthOidc']))[0];
    if (!org.oauth_oidc) return r && r.fullName ? `unexpected record ${JSON.stringify(r)}` : null;
    const got = {};
    for (const k of Object.keys(org.oauth_oidc)) got[k] = r[k] === undefined ? null : String(r[k]);
    return same('OauthOidc', got, org.oauth_oidc);
  });

  for (const [object, tooling] of [
    ['ConnectedApplication', false],
    ['OauthToken', false],
    ['LoginHistory', false],
    ['InstalledSubscriberPackage', true],
  ]) {
    const api = tooling ? 'tooling.query' : 'query';
    await check(`${api}(${object}) with autoFetch`, async () => {
      const target = tooling ? conn.tooling : conn;
      const res = await target.query(org.queries[object], { autoFetch: true, maxFetch: 100000 });
      // OauthToken: "No more records are returned after 2500" in one query.
      const want = rowsOf(object).slice(0, object === 'OauthToken' ? 2500 : undefined);
      if (res.records.length !== want.length) return `${res.records.length} records, want ${want.length}`;
      return same('rows', res.records.map((r) => project(object, r)).sort(), want.sort());
    });
  }

  await check('tooling.query(SandboxProcess): none on production', async () => {
    const res = await conn.tooling.query('SELECT Id, SandboxName, Status FROM SandboxProcess');
    return same('totalSize', [res.totalSize, res.records.length], [0, 0]);
  });

  for (const [object, tooling] of [
    ['ExternalClientApplication', false],
    ['ExtlClntAppOauthSettings', true],
    ['ExtlClntAppOauthPlcyCnfg', false],
  ]) {
    const api = tooling ? 'tooling.query' : 'query';
    await check(`${api}(${object})`, async () => {
      const target = tooling ? conn.tooling : conn;
      const res = await target.query(org.queries[object], { autoFetch: true });
      return same('rows', res.records.map((r) => project(object, r)).sort(), rowsOf(object).sort());
    });
  }

  if (org.rows.OauthToken.length > 2500) {
    const total = org.rows.OauthToken.length;
    await check('OauthToken: COUNT() says every row, LIMIT/OFFSET batches and WHERE UserId reach them', async () => {
      const count = await conn.query('SELECT COUNT() FROM OauthToken');
      if (count.totalSize !== total) return `COUNT() ${count.totalSize}, want ${total}`;
      let seen = 0;
      for (let offset = 0; offset < total; offset += 2500) {
        const b = await conn.query(`${org.queries.OauthToken} LIMIT 2500 OFFSET ${offset}`, {
          autoFetch: true,
          maxFetch: 100000,
        });
        seen += b.records.length;
      }
      if (seen !== total) return `batches gave ${seen}`;
      const user = org.rows.OauthToken[total - 1][1];
      const one = await conn.query(`${org.queries.OauthToken} WHERE UserId = '${user}'`, { autoFetch: true });
      const want = org.rows.OauthToken.filter((r) => r[1] === user).length;
      return same('rows of one user', one.records.length, want);
    });
  }
}

main()
  .catch((e) => report('run', String(e).split(accessToken).join('***')))
  .finally(() => process.exit(failed ? 1 : 0));
