// What every benchmark driver shares: CPU time of a process, a description of the machine, and writing results to
// bench/results/<name>.json and the benchmark's own section of bench/RESULTS.md.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** User + system CPU seconds a process has used so far (from /proc/<pid>/stat). */
function cpuSeconds(pid) {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

function machine() {
  const cpus = os.cpus();
  return `${cpus.length} x ${cpus[0]?.model ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`;
}

/** Writes bench/results/<name>.json and replaces the section headed `## <title>` of bench/RESULTS.md. */
function writeResults(name, title, result, sectionBody) {
  const dir = path.join(root, 'bench', 'results');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${name}.json`), `${JSON.stringify(result, null, 2)}\n`);
  const section = `## ${title}\n\n${sectionBody.trim()}\n\nMachine: ${result.machine}. Command: \`npm run bench:${name}\` (${result.date}).\n`;
  const file = path.join(root, 'bench', 'RESULTS.md');
  const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Benchmark results\n';
  const pattern = new RegExp(`## ${title}\\n[\\s\\S]*?(?=\\n## |$)`);
  const updated = pattern.test(current) ? current.replace(pattern, section) : `${current.trimEnd()}\n\n${section}`;
  fs.writeFileSync(file, updated);
}

module.exports = { root, cpuSeconds, machine, writeResults };
