#!/usr/bin/env node
// `node scripts/n8n-host.js install 1 2`: installs (or reuses) the real n8n hosts the tests run in,
// each step checked; a failed step stops with a message that names it.
const { ensureN8n } = require('./lib/n8nHost');

const [command, ...majors] = process.argv.slice(2);
if (command !== 'install') {
	console.error('usage: node scripts/n8n-host.js install [1] [2]');
	process.exit(2);
}
for (const major of majors.length ? majors : ['1', '2']) {
	try {
		const host = ensureN8n(major);
		console.log(`n8n ${host.version} ready in ${host.folder}`);
	} catch (error) {
		console.error(error.code === 'HOST_INSTALL_FAILED' ? error.message : error.stack);
		process.exit(1);
	}
}
