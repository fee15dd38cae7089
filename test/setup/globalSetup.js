const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startMailServers } = require('../../scripts/lib/mailServers');

/** Starts Dovecot and Postfix once for the whole run; tests read how to reach them from a state file. */
module.exports = async function globalSetup() {
	const base = path.join(os.tmpdir(), `n8n-nodes-mailbox-test-${process.pid}`);
	const servers = await startMailServers({ base });
	const stateFile = path.join(base, 'servers.json');
	fs.writeFileSync(stateFile, JSON.stringify(servers.info, null, 2));
	process.env.MAILBOX_TEST_SERVERS = stateFile;
	// Nodes run in tests trust the test CA the way a user's n8n trusts a private CA.
	process.env.MAILBOX_EXTRA_CA_FILE = servers.info.caFile;
	globalThis.__mailServers = servers;
	console.log(
		`\nmail servers on 127.0.0.1: Dovecot IMAP ${servers.info.ports.imap}/IMAPS ${servers.info.ports.imaps}, SMTP ${servers.info.ports.smtp} (${servers.info.smtp})`,
	);
};
