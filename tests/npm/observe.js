// node tests/npm/observe.js HOW COMMAND ARGS...: runs COMMAND with the standard streams
// inherited, writes its pid to HOW.pid, and once it has ended "STATUS SIGNAL" to HOW ("null
// SIGTERM": it died by the signal; "143 null": it exited 143), which bash's $? cannot tell
// apart. Run in the background, this is the job bash reports on, and it exits 0: no
// "Hangup" job message.
'use strict';
const fs = require('node:fs');
const [how, command, ...args] = process.argv.slice(2);
const child = require('node:child_process').spawn(command, args, { stdio: 'inherit' });
fs.writeFileSync(`${how}.pid`, String(child.pid));
child.on('exit', (status, signal) => fs.writeFileSync(how, `${status} ${signal}\n`));
