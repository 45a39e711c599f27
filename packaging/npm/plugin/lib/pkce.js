// The one base class of `sf pkce audit|doctor|fetch|verify`: the org from sf's own login, the
// pkce-audit binary run with `--instance-url URL` and the token only in its environment.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';
import { SfError } from '@salesforce/core';
import { Flags, SfCommand } from '@salesforce/sf-plugins-core';

// Flags that name an org: the plugin passes the org itself, so a second one is refused here
// (the binary would refuse it too, but with its own flag names).
const ORG_FLAGS = ['--target-org', '--instance-url', '--access-token-file', '--auth-url-file'];

// Variables that would name a second org to the binary (it refuses two org sources).
const DROPPED_ENV = ['SF_TARGET_ORG', 'SF_ORG_INSTANCE_URL', 'SFDX_ACCESS_TOKEN'];

const OWN_VALUE_FLAGS = ['-o', '--target-org', '--flags-dir'];
const OWN_SWITCHES = ['--json', '-h', '--help'];

// Forwarded to the binary while it runs, so it is never left running without sf (their default
// actions would end Node alone); never SIGUSR1, which Node keeps to open its inspector. Only
// the signals this platform's Node knows (os.constants.signals).
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR2', 'SIGALRM', 'SIGBREAK'].filter((s) => constants.signals[s] !== undefined);

// The signals sf dies by in turn when the binary did. Re-raising any other would do harm in a
// process holding the org's token: SIGUSR1 opens Node's inspector, the core-dumping ones
// (SIGSEGV, SIGABRT, SIGQUIT, ...) write a core of it, SIGPIPE is ignored. Those exit 128 + n.
const RERAISED = ['SIGINT', 'SIGTERM', 'SIGHUP'];

// Flags that write the report to a file: under --json the report is sf's envelope on stdout.
const OUTPUT_FLAGS = ['--output'];

/**
 * How to run pkce-audit: $PKCE_AUDIT_BIN (an executable, for tests and for a binary built
 * with cargo), else the `bin` of the `pkce-audit` launcher package this plugin depends on,
 * run with this Node.
 */
export function binary() {
  const override = process.env.PKCE_AUDIT_BIN;
  if (override) return { command: override, prefix: [] };
  // Found by hand rather than require.resolve('pkce-audit/package.json'): a package's
  // "exports" may hide its package.json.
  const require = createRequire(import.meta.url);
  for (const dir of require.resolve.paths('pkce-audit') ?? []) {
    const pjsonPath = join(dir, 'pkce-audit', 'package.json');
    if (!existsSync(pjsonPath)) continue;
    const pjson = JSON.parse(readFileSync(pjsonPath, 'utf8'));
    const bin = typeof pjson.bin === 'string' ? pjson.bin : pjson.bin?.['pkce-audit'];
    if (bin) return { command: process.execPath, prefix: [join(dirname(pjsonPath), bin)] };
  }
  throw new SfError(
    'the pkce-audit package (the binary this plugin runs) is not installed',
    'PkceAuditNotFound',
    [
      'Reinstall the plugin: sf plugins install @pkce-audit/plugin-pkce',
      'Or set PKCE_AUDIT_BIN to a pkce-audit executable (e.g. one built with cargo install --locked --git https://github.com/pkce-audit/pkce-audit pkce-audit)',
    ],
    2
  );
}

/** The binary's JSON error document: {schema_version, status, name, code, message}. */
function isBinaryError(doc) {
  return (
    doc !== null &&
    typeof doc === 'object' &&
    typeof doc.status === 'number' &&
    typeof doc.name === 'string' &&
    typeof doc.code === 'string' &&
    typeof doc.message === 'string' &&
    !('verdict' in doc)
  );
}

/** The help text of `sf pkce <subcommand>`: one text for the four commands. */
export function description(subcommand) {
  const c = subcommand;
  return (
    `Runs \`pkce-audit ${c} --instance-url <the org URL>\` with the access token of -o/--target-org from the sf ` +
    `CLI login, in SF_ACCESS_TOKEN only. Flags the plugin does not know pass through to pkce-audit ${c} ` +
    `(see \`pkce-audit ${c} --help\`), in order; everything after \`--\` passes verbatim. With --json, the ` +
    `result is pkce-audit's JSON document and the exit status is pkce-audit's.`
  );
}

export class PkceCommand extends SfCommand {
  static enableJsonFlag = true;
  static flags = {
    'target-org': Flags.requiredOrg(),
  };

  /** The pkce-audit subcommand: audit, doctor, fetch or verify. */
  static subcommand = '';

  async run() {
    const { known, passthrough } = splitArgv(this.argv);
    // Failures before the binary runs (no default org, a flag error, an expired login, an
    // unreachable instance) are errors, exit 2, as pkce-audit's own: never 1 ("not ready").
    const { instanceUrl, token } = await asUsageError(() => this.org(known));
    const json = this.jsonEnabled();
    const output = json && passthrough.find((a) => OUTPUT_FLAGS.some((f) => a === f || a.startsWith(`${f}=`)));
    if (output) {
      throw new SfError(
        `${output} with --json: under --json the report is printed as sf's envelope on stdout, not written to a file`,
        'UsageError',
        ['Drop --output and redirect: sf pkce audit -o <alias> --json > report.json', 'Or drop --json to write the file with --output'],
        2
      );
    }
    // After `--`, `-o` is pkce-audit's own -o/--target-org.
    const short = passthrough.find((a) => a.startsWith('-o'));
    if (short) {
      throw new SfError(
        `${short} after \`--\` names a second org (pkce-audit's -o is --target-org): the plugin passes the org of -o/--target-org itself`,
        'UsageError',
        ['Give the org once, before `--`: sf pkce audit -o <alias>', 'Or run pkce-audit directly'],
        2
      );
    }
    const clash = passthrough.find((a) => ORG_FLAGS.some((f) => a === f || a.startsWith(`${f}=`)));
    if (clash) {
      throw new SfError(
        `${clash} names a second org: the plugin passes the org of -o/--target-org itself`,
        'UsageError',
        ['Use -o/--target-org <alias> only, or run pkce-audit directly'],
        2
      );
    }
    const args = [this.constructor.subcommand, '--instance-url', instanceUrl, ...(json ? ['--json'] : []), ...passthrough];
    const env = { ...process.env, SF_ACCESS_TOKEN: token };
    for (const name of DROPPED_ENV) delete env[name];

    const { status, signal, stdout, stderr } = await runBinary(binary(), args, env, json);
    if (signal) await dieBy(signal, status);
    if (!json) {
      process.exitCode = status;
      return undefined;
    }
    // Under --json, stdout must be one JSON document: empty (oclif would print nothing for a
    // null result) or anything else (`-- --help`) is an error, exit 2, whatever the status,
    // with the binary's last stderr line (the launcher's reason when no binary is installed).
    let doc;
    try {
      doc = JSON.parse(stdout);
    } catch {
      doc = undefined;
    }
    if (doc === null || typeof doc !== 'object') {
      const said = stderr.split(/\r?\n/).filter((l) => l.trim() !== '').pop();
      const what = stdout.trim() === '' ? 'printed nothing on stdout' : 'printed no JSON document';
      throw new SfError(`pkce-audit ${what} (exit status ${status})${said ? `: ${said}` : ''}`, 'PkceAuditError', undefined, 2);
    }
    if (status !== 0 && isBinaryError(doc)) {
      const error = new SfError(doc.message, doc.name, undefined, status);
      error.code = doc.code;
      throw error;
    }
    // sf's envelope reports process.exitCode as "status": the binary's (1: not ready).
    process.exitCode = status;
    return doc;
  }

  /** The org of -o/--target-org: its instance URL and an access token sf has just used. */
  async org(known) {
    const { flags } = await this.parse(this.constructor, known);
    const org = flags['target-org'];
    const connection = org.getConnection();
    // As sf does before handing a token on: one request, which renews an expired token
    // through the org's refresh token (jsforce's refresh on 401).
    await connection.refreshAuth();
    // sf may keep the URL with a trailing slash; the binary wants the origin.
    const instanceUrl = connection.instanceUrl?.replace(/\/+$/, '');
    const token = connection.accessToken;
    if (!instanceUrl || !token) {
      throw new SfError(
        `the sf CLI holds no access token and instance URL for ${org.getUsername() ?? 'this org'}`,
        'NoOrgAuth',
        [`Log in again: sf org login web --alias ${org.getUsername() ?? '<alias>'}`],
        2
      );
    }
    return { org, instanceUrl, token };
  }
}

/**
 * Runs `step`; any error it throws comes back as an SfError with exit code 2, its message and
 * actions kept, and its name unless generic (oclif's help and version exits pass as they are).
 */
async function asUsageError(step) {
  try {
    return await step();
  } catch (err) {
    if (err?.oclif?.exit === 0 || (err instanceof SfError && err.exitCode === 2)) throw err;
    // Node's fetch fails with a TypeError ("fetch failed", the reason in its cause), which
    // sf-plugins-core would turn into exit 10 by its name, stack or cause: none is kept.
    const reason = err?.cause?.message ? ` (${err.cause.message})` : '';
    const message = `${err?.message || String(err)}${reason}`;
    const name = err?.name && !['Error', 'TypeError'].includes(err.name) ? err.name : 'PkceOrgError';
    const wrapped = new SfError(message, name, err?.actions, 2);
    if (typeof err?.code === 'string') wrapped.code = err.code;
    throw wrapped;
  }
}

/**
 * The binary died by SIGNAL. By SIGINT, SIGTERM or SIGHUP, sf dies by it too, so a calling
 * shell script stops (bash carries on after a child that merely exits 130); sf's own
 * listeners would turn it into an exit 130: they go first. By any other signal (see
 * RERAISED), and on Windows, where none can be raised: exit with FALLBACK (128 + n).
 */
function dieBy(signal, fallback) {
  if (process.platform === 'win32' || !RERAISED.includes(signal)) process.exit(fallback);
  for (const s of [...SIGNALS, signal]) process.removeAllListeners(s);
  try {
    process.kill(process.pid, signal);
  } catch {
    process.exit(fallback);
  }
  setTimeout(() => process.exit(fallback), 1000);
  // Wait here for the signal: nothing else of sf's runs meanwhile.
  return new Promise(() => {});
}

/**
 * The plugin's own flags (-o/--target-org, --json, --flags-dir, -h/--help) for oclif; every
 * other token, in order, for the binary, and everything after a first `--` verbatim. oclif
 * itself refuses unknown flags even when not strict, hence the split before parsing.
 */
export function splitArgv(argv) {
  const known = [];
  const passthrough = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      passthrough.push(...argv.slice(i + 1));
      break;
    }
    const name = a.startsWith('--') ? a.split('=', 1)[0] : a.slice(0, 2);
    const inline = a.startsWith('--') ? a.includes('=') : a.length > 2;
    if (OWN_VALUE_FLAGS.includes(name)) {
      known.push(a);
      if (!inline && i + 1 < argv.length) known.push(argv[++i]);
    } else if (OWN_SWITCHES.includes(a)) {
      known.push(a);
    } else {
      passthrough.push(a);
    }
  }
  return { known, passthrough };
}

/**
 * Runs the binary, standard input inherited, signals forwarded. Under --json (CAPTURE) stdout
 * is captured, and stderr passed on as it comes, its last 4 KiB kept for an error's message.
 */
function runBinary({ command, prefix }, args, env, capture) {
  return new Promise((resolve, reject) => {
    // While the binary runs, a signal is its to handle: SfCommand's own listeners (which
    // exit 130 at once, leaving the binary running) step aside until it has exited. Listening
    // before the spawn: a signal arriving while the binary starts waits for the event loop,
    // by then `child` is set, instead of ending Node by its default action.
    let child;
    const forward = (signal) => child?.kill(signal);
    const saved = SIGNALS.map((s) => [s, process.listeners(s)]);
    for (const [s, listeners] of saved) {
      for (const l of listeners) process.off(s, l);
      process.on(s, forward);
    }
    child = spawn(command, [...prefix, ...args], {
      env,
      stdio: ['inherit', capture ? 'pipe' : 'inherit', capture ? 'pipe' : 'inherit'],
      windowsHide: true,
    });
    const chunks = [];
    let stderr = '';
    if (capture) {
      child.stdout.on('data', (c) => chunks.push(c));
      child.stderr.on('data', (c) => {
        process.stderr.write(c);
        stderr = (stderr + c.toString('utf8')).slice(-4096);
      });
    }
    let finished = false;
    // Once: 'close' may follow 'error'.
    const done = () => {
      finished = true;
      for (const [s, listeners] of saved) {
        process.off(s, forward);
        for (const l of listeners) process.on(s, l);
      }
    };
    child.on('error', (err) => {
      if (finished) return;
      done();
      reject(new SfError(`cannot run pkce-audit (${command}): ${err.message}`, 'PkceAuditNotFound', undefined, 2));
    });
    child.on('close', (code, signal) => {
      if (finished) return;
      done();
      const status = code ?? 128 + (constants.signals[signal] ?? 0);
      resolve({ status, signal: code === null ? signal : null, stdout: Buffer.concat(chunks).toString('utf8'), stderr });
    });
  });
}
