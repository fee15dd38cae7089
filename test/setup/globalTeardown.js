const fs = require('node:fs');

module.exports = async function globalTeardown() {
	if (globalThis.__mailServers) await globalThis.__mailServers.stop();
	const base = globalThis.__mailServers && globalThis.__mailServers.info.base;
	if (base && !process.env.MAILBOX_KEEP_TEST_DIR) fs.rmSync(base, { recursive: true, force: true });
};
