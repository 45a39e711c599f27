#!/usr/bin/env node
// The `pkce-audit` launcher: runs the prebuilt binary of the platform package npm installed
// beside it (@pkce-audit/cli-<os>-<cpu>, an optional dependency whose `os`/`cpu` match this
// machine). Plain Node, no dependencies, no install script: nothing is downloaded at install.
'use strict';

const { spawn } = require('node:child_process');
const path = require('node:path');
const { constants } = require('node:os');

const own = require('../package.json');
const platform = `${process.platform}-${process.arch}`;
const pkg = `@pkce-audit/cli-${platform}`;
// The supported platforms: the platform packages this package names (packaging/npm/pack reads
// the same list), one list for both.
const SUPPORTED = Object.keys(own.optionalDependencies ?? {}).map((name) => name.replace(/^@pkce-audit\/cli-/, ''));
// Nothing is on crates.io: cargo builds it from the repository (docs/install.md).
const repo = String(own.repository?.url ?? own.repository ?? '').replace(/^git\+/, '').replace(/\.git$/, '');
const CARGO = `build it with \`cargo install --locked --git ${repo} pkce-audit\` (see ${repo}/blob/main/docs/install.md)`;

// One line on stderr and exit 2, as the binary does for a usage error.
function fail(message) {
  process.stderr.write(`pkce-audit: ${message}\n`);
  process.exit(2);
}

// Linux with musl (Alpine): Node's report names no glibc. The published Linux packages are
// glibc builds (`libc: ["glibc"]`), which npm skips there.
function isMusl() {
  if (process.platform !== 'linux') return false;
  try {
    return !process.report.getReport().header.glibcVersionRuntime;
  } catch {
    return false;
  }
}

let dir;
try {
  dir = path.dirname(require.resolve(`${pkg}/package.json`));
} catch {
  let fix;
  if (!SUPPORTED.includes(platform)) fix = `no prebuilt binary exists for it: ${CARGO}`;
  else if (isMusl()) fix = `no prebuilt binary exists for musl (Alpine) yet, only for glibc: ${CARGO}`;
  else fix = `reinstall without --omit=optional (npm install pkce-audit), or ${CARGO}`;
  fail(`no binary for this platform (${platform}): the package ${pkg} is not installed; ${fix}`);
}

// A platform package of another version (a partial upgrade): one warning line, then run it.
try {
  const found = require(`${pkg}/package.json`).version;
  if (found !== own.version) {
    process.stderr.write(`pkce-audit: warning: ${pkg} is ${found}, the pkce-audit package ${own.version}; reinstall pkce-audit to match them\n`);
  }
} catch {
  // Read above already; nothing to compare if it cannot be read again.
}

const binary = path.join(dir, 'bin', process.platform === 'win32' ? 'pkce-audit.exe' : 'pkce-audit');
// Signals sent to the launcher reach the binary, so it is never left running without it (a
// supervisor's SIGTERM, a closed terminal's SIGHUP, SIGQUIT, SIGUSR2, SIGALRM, whose default
// actions would end Node alone); the launcher stays until the binary has exited, then reports
// how it ended. A terminal's Ctrl-C reaches both processes: the binary keeps the default
// actions, so the forwarded copy changes nothing. Never SIGUSR1: Node keeps it to open its
// inspector. Only signals this platform's Node knows (os.constants.signals).
const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR2', 'SIGALRM', 'SIGBREAK'].filter((s) => constants.signals[s] !== undefined);
// The signals the launcher dies by in turn. Re-raising any other would do harm in a process
// that may hold an org's token in its environment: SIGUSR1 opens Node's inspector, the
// core-dumping ones (SIGSEGV, SIGABRT, SIGQUIT, ...) write a core of it, SIGPIPE is ignored.
const RERAISED = ['SIGINT', 'SIGTERM', 'SIGHUP'];
// Listening before the spawn: a signal arriving while the binary starts waits for the event
// loop, by then `child` is set, instead of ending Node by its default action.
let child;
const forward = (signal) => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill(signal);
};
for (const signal of FORWARDED) process.on(signal, forward);
child = spawn(binary, process.argv.slice(2), { stdio: 'inherit' });

child.on('error', (err) => {
  // A glibc package installed on musl (npm < 10.4 and yarn 1 ignore `libc`): its binary's
  // interpreter, /lib64/ld-linux-x86-64.so.2, is missing, and exec says "no such file".
  if (isMusl()) fail(`cannot run ${binary} (from ${pkg}): it is a glibc build and this system uses musl (Alpine); no prebuilt binary exists for musl yet: ${CARGO}`);
  fail(`cannot run ${binary} (from ${pkg}): ${err.message}`);
});
child.on('exit', (code, signal) => {
  if (!signal) process.exit(code);
  // Killed by SIGINT, SIGTERM or SIGHUP: die by the same signal, so a calling shell script
  // stops on Ctrl-C as it would for the binary itself (an exit status of 130 lets bash carry
  // on). Any other signal, and on Windows, where none can be raised: 128 + its number, as a
  // shell reports it.
  for (const s of FORWARDED) process.off(s, forward);
  const fallback = 128 + (constants.signals[signal] ?? 0);
  if (process.platform === 'win32' || !RERAISED.includes(signal)) process.exit(fallback);
  try {
    process.kill(process.pid, signal);
  } catch {
    process.exit(fallback);
  }
  setTimeout(() => process.exit(fallback), 1000);
});
