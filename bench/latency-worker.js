'use strict';
/**
 * One latency run in its own process: starts a trigger on an empty mailbox, then delivers `mails`
 * mails into it (IMAP APPEND, `gapMs` apart) and records, per mail, the time from the APPEND's
 * completion (the mail is in the mailbox) to the trigger's emit of it. Prints one JSON line.
 *
 *   mode "instant": EmailInstantTrigger.trigger() of this package (dist/), fallbackPollSeconds 300,
 *                   so every mail comes through IDLE.
 *   mode "builtin": n8n's Email Trigger (IMAP) v2 from an n8n install, trigger(), format "simple".
 *   mode "poll":    EmailTrigger.poll() of this package: the time one poll takes to emit one new
 *                   mail (its schedule adds the wait for the next poll; see bench/trigger-latency.js).
 */
const path = require('node:path');

const { builtinImapTrigger, openImap, pollContext, prepareBinaryData } = require('./lib');

const config = JSON.parse(process.argv[2]);
const { info, address } = config;
const dist = path.join(__dirname, '..', 'dist', 'nodes');

function rawMail(index) {
	return [
		`From: Sensor <sensor@${info.domain}>`,
		`To: ${address}`,
		`Subject: Alert lat-${index}-end`,
		`Date: ${new Date().toUTCString()}`,
		`Message-ID: <lat-${index}@bench.test>`,
		'Content-Type: text/plain',
		'',
		`Alert ${index}`,
		'',
	].join('\r\n');
}

/** lat-<n>-end anywhere in an emitted item (each trigger shapes its items its own way). */
function markerOf(item) {
	const match = /lat-(\d+)-end/.exec(JSON.stringify(item.json));
	return match ? Number(match[1]) : undefined;
}

async function startInstant(emit, failed) {
	const { EmailInstantTrigger } = require(path.join(dist, 'EmailInstantTrigger', 'EmailInstantTrigger.node'));
	const context = {
		...pollContext({
			parameters: { folders: 'INBOX', fallbackPollSeconds: 300 },
			credentials: config.credentials,
			staticData: {},
		}),
		emit,
		emitError: failed,
	};
	return await new EmailInstantTrigger().trigger.call(context);
}

async function startBuiltin(emit, failed) {
	return await builtinImapTrigger({
		n8nDir: config.n8nDir,
		typeVersion: config.typeVersion,
		format: 'simple',
		info,
		address,
		staticData: {},
		emit,
		emitError: failed,
	});
}

async function deliverAndWait(start) {
	const delivered = new Map();
	const emitted = new Map();
	let failure;
	const emit = (data) => {
		const at = Date.now();
		for (const item of data[0]) {
			const index = markerOf(item);
			if (index !== undefined) emitted.set(index, [...(emitted.get(index) ?? []), at]);
		}
	};
	const response = await start(emit, (error) => (failure = error));
	// Both triggers open their connection in the background: give them time to be listening.
	await new Promise((resolve) => setTimeout(resolve, 2000));
	const client = await openImap(info, address);
	try {
		for (let index = 0; index < config.mails; index++) {
			await client.append('INBOX', rawMail(index));
			delivered.set(index, Date.now());
			await new Promise((resolve) => setTimeout(resolve, config.gapMs));
		}
	} finally {
		await client.logout();
	}
	const deadline = Date.now() + 60_000;
	while (emitted.size < config.mails && Date.now() < deadline && !failure)
		await new Promise((resolve) => setTimeout(resolve, 50));
	await new Promise((resolve) => setTimeout(resolve, 1000));
	await response.closeFunction?.();
	if (failure) throw failure;
	const latencies = [...delivered]
		.filter(([index]) => emitted.has(index))
		.map(([index, at]) => emitted.get(index)[0] - at);
	return {
		latencies,
		lost: config.mails - latencies.length,
		repeated: [...emitted.values()].filter((times) => times.length > 1).length,
	};
}

/** One poll after one new mail, a few times: the poll's own share of the poll trigger's latency. */
async function pollCycles() {
	const { EmailTrigger } = require(path.join(dist, 'EmailTrigger', 'EmailTrigger.node'));
	const trigger = new EmailTrigger();
	const context = pollContext({ parameters: { folders: 'INBOX' }, credentials: config.credentials, staticData: {} });
	const client = await openImap(info, address);
	const cycles = [];
	try {
		for (let index = 0; index < config.mails; index++) {
			await client.append('INBOX', rawMail(index));
			const start = Date.now();
			const result = await trigger.poll.call(context);
			if (!result || result[0].length !== 1)
				throw new Error(`poll ${index} emitted ${result ? result[0].length : 0} items, expected 1`);
			cycles.push(Date.now() - start);
		}
	} finally {
		await client.logout();
	}
	return { cycles };
}

async function main() {
	const result =
		config.mode === 'poll'
			? await pollCycles()
			: await deliverAndWait(config.mode === 'instant' ? startInstant : startBuiltin);
	console.log(JSON.stringify(result));
	// The built-in may leave timers behind; the measurement is done.
	process.exit(0);
}

main().catch((error) => {
	console.error(error && error.stack ? error.stack : error);
	process.exit(1);
});
