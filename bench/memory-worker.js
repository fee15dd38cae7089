'use strict';
/**
 * One memory run in its own process, so the peak belongs to it alone. Prints one JSON line with
 * the peak RSS growth over the process's RSS once everything is loaded.
 *
 *   mode "download": Download Attachments (the mail module's downloadAttachments) of message 1.
 *   mode "trigger":  one EmailTrigger.poll() over the folder, items kept until the poll returns;
 *                    binary data as n8n's default mode keeps it (base64 in the item) or, with
 *                    binaryMode "filesystem", in files.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { EmailTrigger } = require('../dist/nodes/EmailTrigger/EmailTrigger.node');
const { downloadAttachments, keptSessions } = require('../dist/nodes/mail');
const { accountOf, memory, pollContext } = require('./lib');

const config = JSON.parse(process.argv[2]);

async function download() {
	const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'mailbox-bench-download-'));
	try {
		const { attachments, parseErrors } = await downloadAttachments(accountOf(config.info, config.address), { folder: 'INBOX', downloadPath: directory, filter: { uids: '1' } });
		if (parseErrors.length) throw new Error(`Download Attachments could not parse: ${JSON.stringify(parseErrors)}`);
		return { files: attachments.length, bytes: attachments.reduce((sum, file) => sum + file.size, 0) };
	} finally {
		fs.rmSync(directory, { recursive: true, force: true });
	}
}

async function trigger() {
	// mode "filesystem": n8n's filesystem binary data mode, the attachments written to files.
	const binaryDirectory = config.binaryMode === 'filesystem' ? fs.mkdtempSync(path.join(os.tmpdir(), 'mailbox-bench-binary-')) : undefined;
	try {
		const context = pollContext({ parameters: { folders: 'INBOX', maxEmailsPerCycle: config.expected, unreadOnly: false, markAsRead: false }, credentials: config.credentials, staticData: {}, binaryDirectory });
		const result = await new EmailTrigger().poll.call(context);
		const items = result ? result[0] : [];
		if (items.length !== config.expected) throw new Error(`${items.length} items, not ${config.expected}`);
		return { files: items.length, bytes: items.reduce((sum, item) => sum + Object.values(item.binary ?? {}).reduce((s, b) => s + Number(b.fileSize), 0), 0) };
	} finally {
		await keptSessions.closeAll();
		if (binaryDirectory) fs.rmSync(binaryDirectory, { recursive: true, force: true });
	}
}

async function main() {
	const before = memory();
	const start = performance.now();
	const result = await { download, trigger }[config.mode]();
	const ms = performance.now() - start;
	const after = memory();
	console.log(JSON.stringify({ ...result, ms, baseline: before.rss, peak: after.peak, growth: after.peak - before.rss }));
}

main().catch((error) => {
	console.error(error && error.stack ? error.stack : error);
	process.exit(1);
});
