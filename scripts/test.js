#!/usr/bin/env node
// The README's test command: build, lint, the real n8n hosts, then every jest suite
// (unit, real Dovecot/Postfix, real n8n). Extra arguments go to jest.
const { spawnSync } = require('node:child_process');

const run = (command, args) => {
	const result = spawnSync(command, args, { stdio: 'inherit' });
	if (result.status !== 0) process.exit(result.status ?? 1);
};
run('npm', ['run', 'build', '--silent']);
run('npm', ['run', 'lint', '--silent']);
run('node', ['scripts/n8n-host.js', 'install', ...(process.env.MAILBOX_N8N_MAJORS ?? '1,2').split(',')]);
run('npx', ['jest', ...process.argv.slice(2)]);
