#!/usr/bin/env node
// Run by `npm test` before the tests: provides what they need beyond `npm ci`, so a fresh clone
// passes its own tests with no other step. Today that is one thing: a Chromium for the browser test
// of report.html (test/report/browser.test.ts). A missing tool is installed or reported here, never
// a skipped test.
//
// PMBT_CHROMIUM names another Chromium binary (default /usr/bin/chromium, Debian's package). When it
// is missing on a Debian machine and we are root, Debian's `chromium` package is installed with
// apt-get; anywhere else we stop with one line saying what to install.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const chromium = process.env.PMBT_CHROMIUM || '/usr/bin/chromium';
const say = (line) => process.stderr.write(`ensure-test-tools: ${line}\n`);

/** Runs a command quietly; its output is shown only when it fails. */
function run(command, args) {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (result.status === 0) return true;
  process.stderr.write(`${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? `${result.error.message}\n` : ''}`);
  say(`${command} ${args.join(' ')} failed`);
  return false;
}

function canInstallWithApt() {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  return process.platform === 'linux' && isRoot && existsSync('/usr/bin/apt-get') && !process.env.PMBT_CHROMIUM;
}

if (!existsSync(chromium)) {
  if (!canInstallWithApt()) {
    say(`the browser test needs Chromium at ${chromium}: install it (Debian/Ubuntu: sudo apt-get install chromium) or set PMBT_CHROMIUM to a Chromium binary, then run npm test again`);
    process.exit(1);
  }
  say(`no Chromium at ${chromium}; installing Debian's chromium package for the browser test (apt-get update, apt-get install chromium; a few minutes, once)`);
  const installed = run('apt-get', ['update', '-qq']) && run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium']);
  if (!installed || !existsSync(chromium)) {
    say(`installing chromium with apt-get failed (see above); install Debian's chromium package by hand, or set PMBT_CHROMIUM to a Chromium binary`);
    process.exit(1);
  }
  say(`installed ${chromium}`);
}
