#!/usr/bin/env node
// The `pkce-audit` launcher: runs the prebuilt binary of the platform package npm installed
// beside it (@pkce-audit/cli-<os>-<cpu>, an optional dependency whose `os`/`cpu` match this
// machine). Plain Node, no dependencies, no install script: nothing is downloaded at install.
'use strict';

const { spawn } = require('node:child_process');
const path = require('node:path');
const { constants } = require('node:os');

const platform = `${process.platform}-${process.arch}`;
const pkg = `@pkce-audit/cli-${platform}`;
const SUPPORTED = ['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64', 'win32-x64'];

// One line on stderr and exit 2, as the binary does for a usage error.
function fail(message) {
  process.stderr.write(`pkce-audit: ${message}\n`);
  process.exit(2);
}

let dir;
try {
  dir = path.dirname(require.resolve(`${pkg}/package.json`));
} catch {
  const fix = SUPPORTED.includes(platform)
    ? 'reinstall without --omit=optional (npm install pkce-audit), or build it with `cargo install --locked pkce-audit`'
    : 'no prebuilt binary exists for it: build one with `cargo install --locked pkce-audit`';
  fail(`no binary for this platform (${platform}): the package ${pkg} is not installed; ${fix}`);
}

const binary = path.join(dir, 'bin', process.platform === 'win32' ? 'pkce-audit.exe' : 'pkce-audit');
const child = spawn(binary, process.argv.slice(2), { stdio: 'inherit' });

// Signals sent to the launcher (a supervisor's SIGTERM, a closed terminal's SIGHUP) reach the
// binary; the launcher stays until the binary has exited, then reports how it ended. A
// terminal's Ctrl-C reaches both processes: the binary keeps the default actions, so the
// forwarded copy changes nothing.
const forwarded = ['SIGINT', 'SIGTERM', 'SIGHUP'];
for (const signal of forwarded) {
  process.on(signal, () => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  });
}

child.on('error', (err) => fail(`cannot run ${binary} (from ${pkg}): ${err.message}`));
child.on('exit', (code, signal) => {
  // Killed by a signal: 128 + its number, as a shell reports it.
  process.exit(signal ? 128 + (constants.signals[signal] || 0) : code);
});
