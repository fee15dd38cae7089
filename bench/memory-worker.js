'use strict';
/**
 * One memory run in its own process, so the peak belongs to it alone. Prints one JSON line with
 * the peak RSS growth over the process's RSS once everything is loaded.
 *
 *   mode "download": Download Attachments (the mail module's downloadAttachments) of message 1.
 *   mode "trigger":  one EmailTrigger.poll() over the folder, items kept until the poll returns;
 *                    binary data as n8n's default mode keeps it (base64 in the item) or, with
 *                    binaryMode "filesystem", in files.
 *   mode "builtin":  n8n's Email Trigger (IMAP) v2 from `n8nDir` (format "simple", attachments
 *                    downloaded) over the unread mail, in either binary mode likewise.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { EmailTrigger } = require('../dist/nodes/EmailTrigger/EmailTrigger.node');
const { downloadAttachments, keptSessions } = require('../dist/nodes/mail');
const { accountOf, builtinImapTrigger, loadBuiltinImap, memory, pollContext } = require('./lib');

const config = JSON.parse(process.argv[2]);
// Loaded before the baseline, as ours is above: n8n loads node classes once, at start-up.
const BuiltinImap = config.mode === 'builtin' ? loadBuiltinImap(config.n8nDir) : undefined;

async function download() {
	const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'mailbox-bench-download-'));
	try {
		const { attachments, parseErrors } = await downloadAttachments(accountOf(config.info, config.address), {
			folder: 'INBOX',
			downloadPath: directory,
			filter: { uids: '1' },
		});
		if (parseErrors.length) throw new Error(`Download Attachments could not parse: ${JSON.stringify(parseErrors)}`);
		return { files: attachments.length, bytes: attachments.reduce((sum, file) => sum + file.size, 0) };
	} finally {
		fs.rmSync(directory, { recursive: true, force: true });
	}
}

/** Runs `read(binaryDirectory)` in the config's binary data mode: "filesystem" writes binaries to files. */
async function inBinaryMode(read) {
	const binaryDirectory =
		config.binaryMode === 'filesystem' ? fs.mkdtempSync(path.join(os.tmpdir(), 'mailbox-bench-binary-')) : undefined;
	try {
		return await read(binaryDirectory);
	} finally {
		if (binaryDirectory) fs.rmSync(binaryDirectory, { recursive: true, force: true });
	}
}

/** Items and the attachment bytes they carry. */
function carried(items) {
	return {
		files: items.length,
		bytes: items.reduce(
			(sum, item) => sum + Object.values(item.binary ?? {}).reduce((s, b) => s + Number(b.fileSize), 0),
			0,
		),
	};
}

function trigger() {
	return inBinaryMode(async (binaryDirectory) => {
		try {
			const context = pollContext({
				parameters: { folders: 'INBOX', maxEmailsPerCycle: config.expected, unreadOnly: false, markAsRead: false },
				credentials: config.credentials,
				staticData: {},
				binaryDirectory,
			});
			const result = await new EmailTrigger().poll.call(context);
			const items = result ? result[0] : [];
			if (items.length !== config.expected) throw new Error(`${items.length} items, not ${config.expected}`);
			return carried(items);
		} finally {
			await keptSessions.closeAll();
		}
	});
}

/** The built-in's items are kept until all came, as n8n keeps an execution's items. */
function builtin() {
	return inBinaryMode(async (binaryDirectory) => {
		const items = [];
		let done;
		let failed;
		const finished = new Promise((resolve, reject) => {
			done = resolve;
			failed = reject;
		});
		const emit = (data) => {
			items.push(...data[0]);
			if (items.length >= config.expected) done();
		};
		const staticData = config.startUid === undefined ? {} : { lastMessageUid: config.startUid };
		const response = await builtinImapTrigger({
			NodeClass: BuiltinImap,
			typeVersion: config.typeVersion,
			format: 'simple',
			info: config.info,
			address: config.address,
			staticData,
			emit,
			emitError: (error) => failed(error),
			binaryDirectory,
		});
		const timer = setTimeout(
			() => failed(new Error(`only ${items.length} of ${config.expected} items after 120 s`)),
			120_000,
		);
		try {
			await finished;
		} finally {
			clearTimeout(timer);
			await response.closeFunction();
		}
		return carried(items);
	});
}

async function main() {
	const before = memory();
	const start = performance.now();
	const result = await { download, trigger, builtin }[config.mode]();
	const ms = performance.now() - start;
	const after = memory();
	console.log(
		JSON.stringify({ ...result, ms, baseline: before.rss, peak: after.peak, growth: after.peak - before.rss }),
	);
	// The built-in may leave timers behind; the measurement is done.
	process.exit(0);
}

main().catch((error) => {
	console.error(error && error.stack ? error.stack : error);
	process.exit(1);
});
