// Headless Chromium for the tests and benchmarks that load the live page: Debian's package (installed with apt-get
// when missing, as on a fresh CI machine; never a browser download), driven by playwright-core, on a fresh profile.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { chromium } = require('playwright-core');

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Installs Debian's chromium when /usr/bin/chromium is missing; throws when that does not provide it. */
function ensureChromium() {
  if (fs.existsSync(CHROMIUM)) return;
  const apt = (...args) => spawnSync('apt-get', args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status === 0;
  if (!apt('install', '-y', 'chromium') && apt('update')) apt('install', '-y', 'chromium');
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing and \`apt-get install -y chromium\` did not provide it`);
}

/** Launches Chromium on a fresh profile; `close()` closes it and removes the profile. */
async function launchChromium(options = {}) {
  ensureChromium();
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, ...options });
  return {
    context,
    close: async () => {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

module.exports = { ensureChromium, launchChromium };
