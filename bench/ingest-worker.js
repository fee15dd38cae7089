'use strict';
/**
 * One ingest run in its own process: the time from starting a reader (connect and login included)
 * to the `expected`-th item, and the process's peak RSS. Prints one JSON line.
 *
 *   mode "ours":    EmailTrigger.poll() of this package (dist/) with a poll context as n8n's poller
 *                   gives it; polls again until `expected` items came (maxEmailsPerCycle decides);
 *                   with `analyze` (the trigger's Analyze Options), every item is analysed too.
 *   mode "builtin": n8n's Email Trigger (IMAP) v2 from an n8n install, trigger() with a minimal
 *                   ITriggerFunctions context; items counted as they are emitted.
 *   mode "raw":     one imapflow FETCH of every full source: the ceiling.
 */
const path = require('node:path');

const { builtinImapTrigger, loadBuiltinImap, memory, openImap, pollContext } = require('./lib');

const config = JSON.parse(process.argv[2]);
const { info, address, expected } = config;

// Loaded before the clock starts: n8n loads node classes once, at start-up, not per activation.
const loadBuiltin = () => loadBuiltinImap(config.n8nDir);
// `dist` may name another build of this package, for comparing two versions (bench/ingest-profile.js).
const NodeClass = {
	ours: () =>
		require(path.join(config.dist ?? path.join(__dirname, '..', 'dist'), 'nodes', 'EmailTrigger', 'EmailTrigger.node'))
			.EmailTrigger,
	builtin: loadBuiltin,
	raw: () => require('imapflow').ImapFlow,
}[config.mode]();

async function ours() {
	const trigger = new NodeClass();
	const staticData = {};
	const parameters = {
		folders: 'INBOX',
		maxEmailsPerCycle: config.maxEmailsPerCycle,
		scriptTimeoutSeconds: 600,
		...(config.analyze ? { analyze: true, analyzeOptions: config.analyze } : {}),
	};
	const context = pollContext({ parameters, credentials: config.credentials, staticData });
	let count = 0;
	let polls = 0;
	while (count < expected) {
		const result = await trigger.poll.call(context);
		polls++;
		if (!result) throw new Error(`poll ${polls} emitted nothing after ${count} items`);
		count += result[0].length;
	}
	return { count, polls };
}

async function builtin() {
	let count = 0;
	let done;
	let failed;
	const finished = new Promise((resolve, reject) => {
		done = resolve;
		failed = reject;
	});
	// 2.x only catches up on mail already in the box when it has a watermark; 0 = "from the start".
	const staticData = config.startUid === undefined ? {} : { lastMessageUid: config.startUid };
	const emit = (data) => {
		count += data[0].length;
		if (count >= expected) done();
	};
	const response = await builtinImapTrigger({
		NodeClass,
		typeVersion: config.typeVersion,
		format: config.format,
		info,
		address,
		staticData,
		emit,
		emitError: (error) => failed(error),
	});
	const timer = setTimeout(() => failed(new Error(`only ${count} of ${expected} items after 120 s`)), 120_000);
	await finished;
	clearTimeout(timer);
	await response.closeFunction();
	return { count };
}

async function raw() {
	const client = await openImap(info, address);
	let count = 0;
	try {
		await client.mailboxOpen('INBOX', { readOnly: true });
		for await (const message of client.fetch('1:*', { uid: true, source: true })) if (message.source) count++;
	} finally {
		await client.logout();
	}
	return { count };
}

async function main() {
	const run = { ours, builtin, raw }[config.mode];
	const before = memory();
	const cpuBefore = process.cpuUsage();
	const start = performance.now();
	const result = await run();
	const ms = performance.now() - start;
	const cpu = process.cpuUsage(cpuBefore);
	const after = memory();
	if (result.count < expected) throw new Error(`${result.count} of ${expected} items`);
	console.log(
		JSON.stringify({
			...result,
			ms,
			rate: (expected / ms) * 1000,
			cpuMs: (cpu.user + cpu.system) / 1000,
			peakRss: after.peak,
			rssGrowth: after.peak - before.rss,
		}),
	);
	// The built-in may leave timers behind; the measurement is done.
	process.exit(0);
}

main().catch((error) => {
	console.error(error && error.stack ? error.stack : error);
	process.exit(1);
});
