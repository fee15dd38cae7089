'use strict';
/**
 * Shared pieces of the benchmark: statistics, the typical mails, mailboxes written straight into
 * Dovecot's Maildir, the credentials and contexts the nodes are driven with, and child processes
 * that report one JSON line (each measured in its own process, so memory figures are its own).
 */
const { execFileSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { runChild: runToEnd } = require('../scripts/lib/processes');
const { isRoot } = require('../scripts/lib/systemPackages');
const { seeded, typicalMail, typicalMails } = require('./mails');

const ROOT = path.resolve(__dirname, '..');

function median(values) {
	const sorted = [...values].sort((a, b) => a - b);
	const middle = Math.floor(sorted.length / 2);
	return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * Calls `sample(attempt)` `warmups + runs` times in turn and returns what the runs after the
 * warm-ups gave (the first run warms Dovecot's caches and the page cache; --smoke has none).
 */
async function repeat({ runs, warmups }, sample) {
	const samples = [];
	for (let attempt = 0; attempt < warmups + runs; attempt++) {
		const value = await sample(attempt);
		if (attempt >= warmups) samples.push(value);
	}
	return samples;
}

/** Peak and current resident set size of this process, in bytes (Linux /proc). */
function memory() {
	const status = fs.readFileSync('/proc/self/status', 'utf8');
	const kb = (name) => Number(status.match(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm'))[1]) * 1024;
	return { peak: kb('VmHWM'), rss: kb('VmRSS') };
}

/** The Maildir Dovecot's userdb gives `user@domain` under the servers' base directory. */
function maildirOf(info, address) {
	const [user, domain] = address.split('@');
	return path.join(info.base, 'mail', domain, user, 'Maildir');
}

/**
 * Writes messages as files into a Maildir's cur/ (flags in the name, e.g. 'S' for \Seen); Dovecot
 * gives them UIDs in name order when the folder is next selected. `contents(i)` makes message i,
 * so a large mailbox never has to sit in memory at once. The mtime is the arrival time.
 */
function writeMaildir(info, address, count, contents, { flags = '' } = {}) {
	const maildir = maildirOf(info, address);
	for (const sub of ['cur', 'new', 'tmp']) fs.mkdirSync(path.join(maildir, sub), { recursive: true });
	const stamp = Math.floor(Date.now() / 1000);
	for (let index = 0; index < count; index++) {
		const content = contents(index);
		// Zero-padded, so name order is arrival order and the UIDs follow the index.
		const name = `${stamp}.M${String(index).padStart(7, '0')}P${process.pid}.bench,S=${content.length}:2,${flags}`;
		fs.writeFileSync(path.join(maildir, 'cur', name), content);
	}
	giveToMailUser(info, address);
	return maildir;
}

/** As root, Dovecot runs as the mail user: the domain directory and the user's home must be its own. */
function giveToMailUser(info, address) {
	if (!isRoot()) return;
	const home = path.dirname(maildirOf(info, address));
	execFileSync('chown', ['mail:mail', path.dirname(home)]);
	execFileSync('chown', ['-R', 'mail:mail', home]);
}

/** The mail module's account for a mailbox on the local servers (the bench's, and the tests' through test/helpers). */
function accountOf(info, address) {
	return {
		emailAddress: address,
		username: address,
		password: info.password,
		imapHost: info.host,
		imapPort: info.ports.imaps,
		imapSecurity: 'tls',
		smtpHost: info.host,
		smtpPort: info.ports.smtp,
		smtpSecurity: 'starttls',
		ca: fs.readFileSync(info.caFile),
	};
}

/** The same account as the node credential `emailCredentials` (the CA comes from MAILBOX_EXTRA_CA_FILE). */
function credentialsOf(info, address) {
	const { ca, ...credentials } = accountOf(info, address);
	return { ...credentials, allowUnauthorizedCerts: false };
}

/** The same mailbox as n8n's own `imap` credential, for its built-in Email Trigger (IMAP). */
function imapCredentialsOf(info, address) {
	return {
		user: address,
		password: info.password,
		host: info.host,
		port: info.ports.imaps,
		secure: true,
		allowUnauthorizedCerts: true,
	};
}

/** An imapflow session for setting up and resetting mailboxes. */
async function openImap(info, address) {
	const { ImapFlow } = require('imapflow');
	const client = new ImapFlow({
		host: info.host,
		port: info.ports.imaps,
		secure: true,
		auth: { user: address, pass: info.password },
		tls: { ca: fs.readFileSync(info.caFile) },
		logger: false,
	});
	client.on('error', () => undefined);
	await client.connect();
	return client;
}

/** Clears \Seen on `range` of INBOX (all by default), so the next run finds the same unread mail. */
async function markUnread(info, address, range = '1:*') {
	const client = await openImap(info, address);
	try {
		await client.mailboxOpen('INBOX');
		await client.messageFlagsRemove(range, ['\\Seen'], { uid: true });
		return {
			exists: client.mailbox.exists,
			uidValidity: String(client.mailbox.uidValidity),
			uidNext: client.mailbox.uidNext,
		};
	} finally {
		await client.logout();
	}
}

/**
 * The poll context n8n's poller hands EmailTrigger.poll(): parameters, credentials, static data
 * kept between polls, the mode, binary helpers (n8n's default in-memory binary mode keeps base64).
 */
function pollContext({ parameters, credentials, staticData, binaryDirectory }) {
	const workflow = { id: `bench-${Math.random().toString(16).slice(2)}` };
	return {
		getWorkflow: () => workflow,
		getNode: () => ({
			id: 'bench',
			name: 'Mailbox Trigger',
			type: 'n8n-nodes-mailbox.emailTrigger',
			typeVersion: 1,
			position: [0, 0],
			parameters: {},
		}),
		getMode: () => 'trigger',
		getCredentials: async () => credentials,
		getWorkflowStaticData: () => staticData,
		getNodeParameter: (name, fallback) => (parameters[name] === undefined ? fallback : parameters[name]),
		helpers: { prepareBinaryData: binaryDirectory ? filesystemBinaryData(binaryDirectory) : prepareBinaryData },
		logger: { debug() {}, info() {}, warn() {}, error() {} },
	};
}

/**
 * n8n's filesystem binary data mode (N8N_DEFAULT_BINARY_DATA_MODE=filesystem) as its helpers do it:
 * the bytes are written to a file of their own and the item keeps only a reference to it.
 */
function filesystemBinaryData(directory) {
	return async (data, fileName, mimeType) => {
		const id = crypto.randomUUID();
		await fs.promises.writeFile(path.join(directory, id), data);
		return {
			id: `filesystem-v2:${id}`,
			data: 'filesystem-v2',
			fileName,
			mimeType: mimeType ?? 'application/octet-stream',
			fileSize: String(data.length),
		};
	};
}

/** n8n's default binary data mode (in memory): the item carries the bytes as base64. */
async function prepareBinaryData(data, fileName, mimeType) {
	return {
		data: data.toString('base64'),
		fileName,
		mimeType: mimeType ?? 'application/octet-stream',
		fileSize: String(data.length),
	};
}

/** n8n's Email Trigger (IMAP) v2 class from an n8n install. */
function loadBuiltinImap(n8nDir) {
	const nodeDir = path.join(n8nDir, 'node_modules', 'n8n-nodes-base', 'dist', 'nodes', 'EmailReadImap', 'v2');
	return require(path.join(nodeDir, 'EmailReadImapV2.node.js')).EmailReadImapV2;
}

/**
 * Activates n8n's Email Trigger (IMAP) v2 (`NodeClass`, or loaded from `n8nDir`) with a minimal
 * ITriggerFunctions context on the IMAPS server, marking mail read as n8n's default does; binary
 * data in files under `binaryDirectory` when given (n8n's filesystem mode), else base64 in the items.
 */
async function builtinImapTrigger({
	NodeClass,
	n8nDir,
	typeVersion,
	format,
	info,
	address,
	staticData,
	emit,
	emitError,
	binaryDirectory,
}) {
	const Builtin = NodeClass ?? loadBuiltinImap(n8nDir);
	const node = new Builtin({
		displayName: 'Email Trigger (IMAP)',
		name: 'emailReadImap',
		group: ['trigger'],
		description: '',
		defaultVersion: typeVersion,
	});
	const parameters = {
		mailbox: 'INBOX',
		postProcessAction: 'read',
		format,
		downloadAttachments: true,
		dataPropertyAttachmentsPrefixName: 'attachment_',
		options: {},
	};
	const context = {
		getNode: () => ({
			id: 'bench',
			name: 'Email Trigger (IMAP)',
			type: 'n8n-nodes-base.emailReadImap',
			typeVersion,
			position: [0, 0],
			parameters,
		}),
		getMode: () => 'trigger',
		getActivationMode: () => 'activate',
		getCredentials: async () => imapCredentialsOf(info, address),
		getNodeParameter: (name, fallback) => (parameters[name] === undefined ? fallback : parameters[name]),
		getWorkflowStaticData: () => staticData,
		emit,
		emitError,
		helpers: {
			prepareBinaryData: binaryDirectory ? filesystemBinaryData(binaryDirectory) : prepareBinaryData,
			createDeferredPromise: () => {
				const deferred = {};
				deferred.promise = new Promise((resolve, reject) => Object.assign(deferred, { resolve, reject }));
				return deferred;
			},
		},
		logger: { debug() {}, info() {}, warn() {}, error() {} },
	};
	return await node.trigger.call(context);
}

/**
 * The installed n8n hosts whose built-in Email Trigger (IMAP) the cases measure beside ours, each on
 * the Node it runs on (the same cache `npm test` and `npm start` install into).
 */
function builtinHosts() {
	const host = require('../scripts/lib/n8nHost');
	const hosts = [
		{ version: host.VERSIONS[1], typeVersion: 2.1, nodeBinary: process.execPath },
		{ version: host.VERSIONS[2], typeVersion: 2.2, nodeBinary: host.node24Binary() },
	];
	return hosts
		.map((entry) => ({ ...entry, n8nDir: host.n8nFolder(entry.version) }))
		.filter((entry) => entry.nodeBinary && fs.existsSync(path.join(entry.n8nDir, 'node_modules', 'n8n-nodes-base')));
}

/**
 * Runs `script` in a child process (with `nodeBinary`) and returns the JSON it prints last; the
 * child is killed after `timeoutMs`, so a stuck case cannot hold the benchmark.
 */
async function runChild(script, config, { nodeBinary = process.execPath, timeoutMs = 180_000, env = {} } = {}) {
	const run = await runToEnd(nodeBinary, [script, JSON.stringify(config)], {
		cwd: ROOT,
		env: { ...process.env, ...env },
		timeoutMs,
	});
	const last = run.stdout.trim().split('\n').pop();
	if (run.code === 0 && last) return JSON.parse(last);
	const how = run.signal ?? `exit ${run.code}`;
	throw new Error(
		`${path.basename(script)} ${JSON.stringify(config.mode ?? '')} failed (${how}): ` +
			`${run.stderr.trim().slice(-2000)}`,
	);
}

/**
 * Runs one case alone (`node bench/<case>.js [--quick]`) on mail servers of its own, their ports moved by
 * MAILBOX_PORT_OFFSET plus `portShift`; prints its rows and goals and stops the servers whatever happens.
 */
function runCaseAlone(name, run, { portShift = 0 } = {}) {
	const { portsFromEnv, startMailServers } = require('../scripts/lib/mailServers');
	const alone = async () => {
		const base = fs.mkdtempSync(path.join(os.tmpdir(), `mailbox-bench-${name}-`));
		const servers = await startMailServers({
			base,
			ports: portsFromEnv(Number(process.env.MAILBOX_PORT_OFFSET || 0) + portShift),
		});
		process.env.MAILBOX_EXTRA_CA_FILE = servers.info.caFile;
		try {
			const { rows, goals } = await run({
				info: servers.info,
				quick: process.argv.includes('--quick'),
				log: console.log,
			});
			for (const row of rows) console.log(`${row.what}: median ${row.value}, ${row.extra}`);
			for (const goal of goals)
				console.log(`${goal.goal}: ${goal.value}${goal.met === undefined ? '' : goal.met ? ' (met)' : ' (NOT met)'}`);
		} finally {
			await servers.stop();
			fs.rmSync(base, { recursive: true, force: true });
		}
	};
	alone().catch((error) => {
		console.error(error);
		process.exitCode = 1;
	});
}

module.exports = {
	ROOT,
	median,
	repeat,
	memory,
	seeded,
	typicalMail,
	typicalMails,
	maildirOf,
	writeMaildir,
	giveToMailUser,
	accountOf,
	credentialsOf,
	imapCredentialsOf,
	openImap,
	markUnread,
	pollContext,
	prepareBinaryData,
	runChild,
	runCaseAlone,
	loadBuiltinImap,
	builtinImapTrigger,
	builtinHosts,
};
