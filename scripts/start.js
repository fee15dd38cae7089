#!/usr/bin/env node
'use strict';
/**
 * `npm start`: one command to a working n8n editor with this package, a local mailbox and the
 * example workflows.
 *
 *   1. builds the package (only when a source file is newer than the last build);
 *   2. starts a private Dovecot + Postfix on 127.0.0.1 (ports of their own, not the tests') and, the
 *      first time only, fills the demo mailbox soc@example.test with sample mail;
 *   3. installs or reuses n8n (2.x by default, `--n8n=1` for 1.x), links this package into a
 *      persistent user folder, imports the demo credential and those example workflows whose nodes
 *      and operations the built package has (each once, so a user's edits are never overwritten);
 *   4. starts the editor on http://127.0.0.1:5678, creates the owner account once, and prints the
 *      login and what to try first. Ctrl-C stops n8n, Dovecot and Postfix.
 *
 * Everything lives in `.n8n-host/demo/` in the repository (git-ignored); delete it to start over.
 * `startEditor()` is the same sequence for the browser test, with its own ports and folder.
 */
const { execFileSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const { startMailServers } = require('./lib/mailServers');
const { ensureN8n, linkPackage, importJson, startN8n, PACKAGE_ROOT } = require('./lib/n8nHost');
const { builtNodeTypes, exampleWorkflows, readJson } = require('./lib/demoExamples');
const { startDemoAnalyst } = require('./lib/demoAnalyst');
const { DEMO_MAILBOX, DEMO_ANALYST, seedDemoMailbox } = require('./lib/demoMailbox');
const { stopMailServersAt } = require('./lib/mailServers');
const { ensureSystemPackages, isRoot } = require('./lib/systemPackages');
const { recordPid, requireFreePorts, stopChild, stopRecorded, watchParents } = require('./lib/processes');

// MAILBOX_DEMO_DIR moves the demo's data (the tests start it from an empty folder).
const DEMO_BASE = process.env.MAILBOX_DEMO_DIR || path.join(PACKAGE_ROOT, '.n8n-host', 'demo');
const DEMO_MAIL_PORTS = { imap: 1143, imaps: 1993, lmtp: 1424, sasl: 1124, smtp: 1587 };
const DEMO_N8N_PORT = 5678;
const DEMO_CREDENTIAL = { id: 'mailboxDemoCred1', name: `Demo mailbox (${DEMO_MAILBOX})` };
// A fixed login for a local demo that listens on 127.0.0.1 only.
const DEMO_LOGIN = { email: 'demo@example.test', password: 'Mailbox-demo-1', firstName: 'Demo', lastName: 'Analyst' };

function say(message) {
	// A closed terminal makes writes fail: that must not stop the shutdown that follows.
	try {
		process.stdout.write(`${message}\n`);
	} catch {
		// nobody is reading
	}
}

/**
 * Whether the mail servers' own users (dovecot, postfix, the mail uid) can reach a folder: every parent searchable
 * by all.
 */
function searchableByAll(folder) {
	for (let dir = path.resolve(folder); ; dir = path.dirname(dir)) {
		if (fs.existsSync(dir) && (fs.statSync(dir).mode & 0o001) === 0) return false;
		if (dir === path.dirname(dir)) return true;
	}
}

/**
 * Where the demo's Dovecot and Postfix keep their data: beside n8n's, unless a parent folder is closed
 * to other users (a checkout under /root, a 0700 temporary folder); then under /var/tmp, one folder per
 * demo folder, so the mailbox still lasts from one start to the next.
 */
function mailFolder(base) {
	if (!isRoot() || searchableByAll(base)) return path.join(base, 'mail');
	const key = crypto.createHash('sha256').update(path.resolve(base)).digest('hex').slice(0, 16);
	return path.join('/var/tmp', 'n8n-nodes-mailbox-demo', key, 'mail');
}

function newestMtime(target) {
	const stat = fs.statSync(target);
	if (!stat.isDirectory()) return stat.mtimeMs;
	return fs
		.readdirSync(target)
		.reduce((newest, name) => Math.max(newest, newestMtime(path.join(target, name))), stat.mtimeMs);
}

/** Runs `npm run build` unless the compiled node is newer than every source file. */
function buildIfNeeded() {
	const compiled = path.join(PACKAGE_ROOT, 'dist', 'nodes', 'Email', 'Email.node.js');
	const sources = ['nodes', 'credentials', 'package.json', 'tsconfig.json', 'tsconfig.build.json'].map((name) =>
		path.join(PACKAGE_ROOT, name),
	);
	const newestSource = Math.max(...sources.filter((file) => fs.existsSync(file)).map(newestMtime));
	if (fs.existsSync(compiled) && fs.statSync(compiled).mtimeMs >= newestSource) return false;
	say('Building the package (npm run build)...');
	execFileSync('npm', ['run', 'build', '--silent'], { cwd: PACKAGE_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
	return true;
}

function demoCredentialData(mail) {
	return {
		emailAddress: DEMO_MAILBOX,
		username: DEMO_MAILBOX,
		password: mail.password,
		imapHost: mail.host,
		imapPort: mail.ports.imaps,
		imapSecurity: 'tls',
		smtpHost: mail.host,
		smtpPort: mail.ports.smtp,
		smtpSecurity: 'starttls',
		smtpUsername: '',
		smtpPassword: '',
		allowUnauthorizedCerts: false,
		proxyAddress: '',
		proxyUsername: '',
		proxyPassword: '',
	};
}

async function restCall(baseUrl, route, body, cookie) {
	const response = await fetch(`${baseUrl}${route}`, {
		method: body ? 'POST' : 'GET',
		headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
		body: body ? JSON.stringify(body) : undefined,
	});
	const text = await response.text();
	return { status: response.status, text, cookie: response.headers.get('set-cookie') };
}

/** Creates the owner account when the instance has none yet (n8n answers 400 once it has one). */
async function ensureOwner(baseUrl) {
	const result = await restCall(baseUrl, '/rest/owner/setup', DEMO_LOGIN);
	if (result.status === 200) return 'created';
	if (result.status === 400 && /already/i.test(result.text)) return 'existing';
	throw new Error(`Creating the n8n owner account failed (${result.status}): ${result.text.slice(0, 300)}`);
}

/** The body of POST /rest/login (1.123 and 2.x both name the field emailOrLdapLoginId). */
const LOGIN_BODY = { emailOrLdapLoginId: DEMO_LOGIN.email, password: DEMO_LOGIN.password };

/**
 * Starts the whole demo and resolves once the editor answers. Options (all optional):
 * `base` folder for servers and n8n data, `mailPorts`, `n8nPort`, `brokerPort` (2.x task runners),
 * `major` (1 or 2), `build` (false when dist/ is known to be fresh), `log` (progress lines),
 * `signal` (an AbortSignal: once aborted, the start stops what it started after the current step and
 * rejects with a STOPPED error), `recordSelf` (npm start: this process is recorded with n8n's PID, so
 * that a later start can stop it if it was orphaned). Returns `{url, login, loginBody, major, version, workflows,
 * mail, stop()}`.
 */
async function startEditor(options = {}) {
	const {
		base = DEMO_BASE,
		mailPorts = DEMO_MAIL_PORTS,
		n8nPort = DEMO_N8N_PORT,
		brokerPort = n8nPort + 1,
		major = 2,
		build = true,
		log = say,
		signal,
		recordSelf = false,
	} = options;
	const started = Date.now();
	if (build) buildIfNeeded();
	fs.mkdirSync(base, { recursive: true });
	// What an earlier run left running (it was killed, or its terminal closed) is stopped by the PIDs it
	// recorded; a port still taken after that belongs to someone else and is named.
	const pidFile = path.join(base, 'running.json');
	const leftovers = stopRecorded(pidFile, {
		// The earlier start script first, at once, so that it cannot stop what this run starts.
		start: { pattern: /scripts\/start\.js/, group: false, graceMs: 0 },
		n8n: { pattern: /n8n/ },
	});
	const mailBase = mailFolder(base);
	stopMailServersAt(mailBase);
	if (leftovers.length > 0) log(`Stopped what an earlier run left running: ${leftovers.join(', ')}.`);
	if (recordSelf) recordPid(pidFile, 'start', process.pid);
	await requireFreePorts({
		...Object.fromEntries(Object.entries(mailPorts).map(([name, port]) => [`mail ${name}`, port])),
		n8n: n8nPort,
		'n8n task broker': brokerPort,
	});

	log(`Starting Dovecot and Postfix on 127.0.0.1 (IMAPS ${mailPorts.imaps}, SMTP ${mailPorts.smtp})...`);
	const servers = await startMailServers({ base: mailBase, ports: mailPorts });
	const mail = servers.info;
	const ca = fs.readFileSync(mail.caFile);
	const stops = [() => servers.stop()];
	const stopAll = async () => {
		for (const stop of stops.reverse()) await stop();
	};
	const stopIfAsked = () => {
		if (signal?.aborted) throw Object.assign(new Error('start interrupted'), { code: 'STOPPED' });
	};
	try {
		stopIfAsked();
		// Beside the mail data, so that a mailbox cleared away (under /var/tmp) is filled again.
		const seededMarker = path.join(path.dirname(mailBase), 'mailbox-seeded');
		if (!fs.existsSync(seededMarker)) {
			const count = await seedDemoMailbox({ host: mail.host, port: mail.ports.imaps, ca, password: mail.password });
			fs.writeFileSync(seededMarker, new Date().toISOString());
			log(`Filled ${DEMO_MAILBOX} with sample mail (${count} messages in INBOX).`);
		}
		const analyst = startDemoAnalyst({
			host: mail.host,
			port: mail.ports.imaps,
			smtpPort: mail.ports.smtp,
			ca,
			password: mail.password,
		});
		stops.push(() => analyst.stop());

		stopIfAsked();
		const host = ensureN8n(major);
		const userFolder = path.join(base, `n8n-${host.major}`);
		fs.mkdirSync(userFolder, { recursive: true });
		linkPackage(userFolder);
		const stateFile = path.join(userFolder, 'mailbox-demo.json');
		const state = readJson(stateFile, { credentialImported: false, importedWorkflows: [] });
		const saveState = () => fs.writeFileSync(stateFile, JSON.stringify(state, null, 2));
		if (!state.credentialImported) {
			log('Importing the demo credential into n8n...');
			importJson(host, userFolder, 'credentials', [
				{ ...DEMO_CREDENTIAL, type: 'emailCredentials', data: demoCredentialData(mail) },
			]);
			state.credentialImported = true;
			saveState();
		}
		// Each example is imported once, when the built package can run it: later starts keep the user's edits.
		const workflows = exampleWorkflows();
		const fresh = workflows.filter((example) => !example.missing && !state.importedWorkflows.includes(example.id));
		if (fresh.length > 0) {
			log(`Importing ${fresh.length} example workflow(s) into n8n...`);
			importJson(
				host,
				userFolder,
				'workflow',
				fresh.map((example) => example.workflow),
			);
			state.importedWorkflows.push(...fresh.map((example) => example.id));
			saveState();
		}

		stopIfAsked();
		log(`Starting n8n ${host.version} on http://127.0.0.1:${n8nPort} ...`);
		const n8n = await startN8n(host, userFolder, {
			port: n8nPort,
			logFile: path.join(base, `n8n-${host.major}.log`),
			extraEnv: { N8N_RUNNERS_BROKER_PORT: String(brokerPort), MAILBOX_EXTRA_CA_FILE: mail.caFile },
			signal,
			record: { file: pidFile, name: 'n8n' },
		});
		stops.push(async () => {
			await stopChild(n8n);
			fs.rmSync(pidFile, { force: true });
		});
		stopIfAsked();
		const url = `http://127.0.0.1:${n8nPort}`;
		const owner = await ensureOwner(url);
		stopIfAsked();
		return {
			url,
			login: { email: DEMO_LOGIN.email, password: DEMO_LOGIN.password },
			loginBody: LOGIN_BODY,
			owner,
			major: host.major,
			version: host.version,
			mail,
			userFolder,
			workflows: workflows.map(({ file, id, name, missing }) => ({
				file,
				id,
				name,
				missing,
				imported: state.importedWorkflows.includes(id),
			})),
			startedInMs: Date.now() - started,
			stop: stopAll,
		};
	} catch (error) {
		await stopAll();
		throw error;
	}
}

function printWelcome(editor) {
	const lines = [
		'',
		`n8n ${editor.version} with n8n-nodes-mailbox is ready (${(editor.startedInMs / 1000).toFixed(1)} s):`,
		'',
		`  Editor    ${editor.url}`,
		`  Login     ${editor.login.email}  /  ${editor.login.password}`,
		`  Mailbox   ${DEMO_MAILBOX} on 127.0.0.1: IMAPS ${editor.mail.ports.imaps}, SMTP ` +
			`${editor.mail.ports.smtp} (STARTTLS),`,
		`            password ${editor.mail.password}; credential "${DEMO_CREDENTIAL.name}" is set up.`,
		`            ${DEMO_ANALYST} answers every question mailed to it with {{approve}}.`,
		'',
		'  Example workflows:',
	];
	for (const workflow of editor.workflows) {
		lines.push(
			workflow.imported
				? `    ${editor.url}/workflow/${workflow.id}   ${workflow.name}`
				: `    (not imported: this build has no ${workflow.missing})   ${workflow.name}, examples/${workflow.file}`,
		);
	}
	const dataFolder = DEMO_BASE.startsWith(PACKAGE_ROOT) ? path.relative(PACKAGE_ROOT, DEMO_BASE) : DEMO_BASE;
	// n8n 2.x activates a workflow with "Publish", 1.x with the "Active" switch.
	const activate = editor.major >= 2 ? 'click "Publish"' : 'switch it to "Active"';
	lines.push(
		'',
		'  Try first: open "Mailbox: ping and send a test alert" and click "Execute workflow"; the Ping node',
		'  shows both logins, and the test alert lands in the demo mailbox.',
		`  Then open "Mailbox: phishing mailbox triage" and ${activate}: its trigger takes the unread alerts`,
		'  at once ("Executions" tab): [Production] ones get their attachments saved to',
		'  /tmp/n8n-mailbox-demo/attachments, the others their original .eml.',
		'  And "Mailbox: ask an analyst ...": "Execute workflow"; lead@example.test approves within seconds.',
		'',
		`  Ctrl-C stops n8n, Dovecot and Postfix. Data stays in ${dataFolder}/ (delete it to start over).`,
		'',
	);
	say(lines.join('\n'));
}

/** Signals that end `npm start`: Ctrl-C, a plain `kill`, and a closed terminal. */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Calls `stop` when a stop signal arrives or when npm, which started this process, has ended: npm
 * runs the script under `sh -c`, which passes on neither the SIGTERM npm forwards nor a SIGHUP npm
 * alone receives, so a `kill` of npm leaves this process orphaned rather than signalled.
 */
function onStop(stop) {
	const handler = () => stop();
	for (const signal of STOP_SIGNALS) process.on(signal, handler);
	const stopWatching = watchParents(handler);
	return () => {
		stopWatching();
		for (const signal of STOP_SIGNALS) process.off(signal, handler);
	};
}

async function main() {
	// Everything missing is named at once, before anything starts (installed with apt-get as root).
	ensureSystemPackages(['dovecot', 'postfix', 'openssl', 'buildTools']);
	const majorFlag = process.argv.find((arg) => arg.startsWith('--n8n='));
	const major = Number(majorFlag ? majorFlag.slice('--n8n='.length) : process.env.MAILBOX_N8N_MAJOR || 2);
	// MAILBOX_PORT_OFFSET moves every port of the demo, as it moves the tests'.
	const offset = Number(process.env.MAILBOX_PORT_OFFSET || 0);
	const mailPorts = Object.fromEntries(Object.entries(DEMO_MAIL_PORTS).map(([name, port]) => [name, port + offset]));
	// A stop while starting: the start stops what it has started so far, so nothing is left running.
	const interrupted = new AbortController();
	const stopWatching = onStop(() => {
		if (interrupted.signal.aborted) return;
		say('\nStopping what has started so far...');
		interrupted.abort();
	});
	let editor;
	try {
		editor = await startEditor({
			major,
			mailPorts,
			n8nPort: DEMO_N8N_PORT + offset,
			signal: interrupted.signal,
			recordSelf: true,
		});
	} catch (error) {
		if (error.code !== 'STOPPED') throw error;
		say('Stopped.');
		process.exit(0);
	}
	stopWatching();
	printWelcome(editor);
	let stopping = false;
	onStop(async () => {
		if (stopping) return;
		stopping = true;
		say('\nStopping n8n, Dovecot and Postfix...');
		await editor.stop();
		say('Stopped.');
		process.exit(0);
	});
}

if (require.main === module) {
	main().catch((error) => {
		// Errors that already say what to do are shown as they are; anything else with its stack.
		const plain = ['MISSING_PACKAGES', 'PORT_IN_USE', 'HOST_INSTALL_FAILED'].includes(error.code);
		process.stderr.write(`npm start failed: ${plain ? error.message : error.stack || error.message}\n`);
		process.exit(1);
	});
}

module.exports = {
	mailFolder,
	startEditor,
	exampleWorkflows,
	builtNodeTypes,
	DEMO_MAIL_PORTS,
	DEMO_N8N_PORT,
	DEMO_LOGIN,
	DEMO_CREDENTIAL,
};
