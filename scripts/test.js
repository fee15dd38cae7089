#!/usr/bin/env node
// The README's test command: the system packages the tests need (installed as root, else named),
// build, lint, the real n8n hosts, then every jest suite (unit, real Dovecot/Postfix, real n8n, the
// browser). Extra arguments go to jest.
const { spawnSync } = require('node:child_process');

const { ensureSystemPackages } = require('./lib/systemPackages');

const run = (command, args) => {
	const result = spawnSync(command, args, { stdio: 'inherit' });
	if (result.status !== 0) process.exit(result.status ?? 1);
};

try {
	ensureSystemPackages(['dovecot', 'postfix', 'openssl', 'buildTools', 'chromium', 'redis', 'postgresql']);
} catch (error) {
	process.stderr.write(`${error.message}\n`);
	process.exit(1);
}
run('npm', ['run', 'build', '--silent']);
run('npm', ['run', 'lint', '--silent']);
run('node', ['scripts/n8n-host.js', 'install', ...(process.env.MAILBOX_N8N_MAJORS ?? '1,2').split(',')]);
run('npx', ['jest', ...process.argv.slice(2)]);
