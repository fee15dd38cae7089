'use strict';
/**
 * Would parsing in worker threads pay? Issue 18 item 4 asked for it "where that pays". This measures
 * it without IMAP: the ingest case's 2,000 typical mails parsed by parseMessage (dist/) in the main
 * thread, and through a pool of 1..N worker threads (each mail copied to a thread, its fields and
 * attachments copied back, 32 mails under way), as a poll would hand them over. Each setting runs in
 * a fresh process (`--cpus=0,1` pins it with taskset): the first pass is what a fresh reader pays
 * (the bench's ingest case, thread start-up included), the median of the next four what a
 * long-running n8n pays once its threads are warm.
 *
 *   node bench/parse-threads.js [--threads=0,1,2,3] [--cpus=0|0,1]
 *
 * The pool lives here, not in the package: measured on 2 cores it did not pay (BENCHMARKS.md).
 */
const { spawnSync } = require('node:child_process');
const os = require('node:os');
const path = require('node:path');

const DIST_MESSAGE = path.join(__dirname, '..', 'dist', 'nodes', 'mail', 'message.js');
const PASSES = 5;
const IN_FLIGHT = 32;

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { parseMessage } = require(workerData.message);
parentPort.on('message', async ({ id, source, origin }) => {
	const parsed = await parseMessage(Buffer.from(source.buffer, source.byteOffset, source.byteLength), origin);
	parentPort.postMessage({ id, parsed });
});`;

/** A minimal pool: jobs go to the thread with the fewest waiting; attachments come back as Buffers. */
function pool(size) {
	const { Worker } = require('node:worker_threads');
	const threads = Array.from({ length: size }, () => ({
		worker: new Worker(WORKER_SOURCE, { eval: true, workerData: { message: DIST_MESSAGE } }),
		jobs: new Map(),
	}));
	let nextId = 0;
	for (const thread of threads) {
		thread.worker.on('message', ({ id, parsed }) => {
			const resolve = thread.jobs.get(id);
			thread.jobs.delete(id);
			for (const attachment of parsed.attachments)
				attachment.content = Buffer.from(
					attachment.content.buffer,
					attachment.content.byteOffset,
					attachment.content.byteLength,
				);
			resolve(parsed);
		});
	}
	return {
		parse(source, origin) {
			const thread = threads.reduce((best, candidate) => (candidate.jobs.size < best.jobs.size ? candidate : best));
			return new Promise((resolve) => {
				const id = nextId++;
				thread.jobs.set(id, resolve);
				thread.worker.postMessage({ id, source, origin });
			});
		},
		close: () => Promise.all(threads.map((thread) => thread.worker.terminate())),
	};
}

/** One setting in this process: prints { cold, warm } in mails per second. */
async function measure(threads) {
	const { parseMessage } = require(DIST_MESSAGE);
	const { median, typicalMails } = require('./lib');
	const mails = typicalMails(2000, { domain: 'example.test', to: 'bench@example.test' });
	const origin = (uid) => ({ uid, uidValidity: '1', folder: 'INBOX', flags: [], internalDate: new Date() });
	const start = performance.now();
	const threadPool = threads > 0 ? pool(threads) : undefined;
	const parse = threadPool ? threadPool.parse : parseMessage;
	const rates = [];
	for (let pass = 0; pass < PASSES; pass++) {
		const began = pass === 0 ? start : performance.now();
		const underWay = [];
		for (const [index, source] of mails.entries()) {
			underWay.push(parse(source, origin(index + 1)));
			if (underWay.length >= IN_FLIGHT) await underWay.shift();
		}
		await Promise.all(underWay);
		rates.push((mails.length / (performance.now() - began)) * 1000);
	}
	await threadPool?.close();
	console.log(JSON.stringify({ cold: Math.round(rates[0]), warm: Math.round(median(rates.slice(1))) }));
}

function main() {
	const args = Object.fromEntries(process.argv.slice(2).map((arg) => arg.replace(/^--/, '').split('=')));
	if (args.child !== undefined) return measure(Number(args.child));
	const settings = (args.threads ?? '0,1,2,3').split(',').map(Number);
	const pin = args.cpus ? ['taskset', ['-c', args.cpus]] : undefined;
	console.log(
		`${os.cpus().length} cores here${pin ? `, pinned to CPU ${args.cpus}` : ''}; 2,000 ` +
			`typical mails; mails per second`,
	);
	for (const threads of settings) {
		const command = [process.execPath, __filename, `--child=${threads}`];
		const run = pin
			? spawnSync(pin[0], [...pin[1], ...command], { encoding: 'utf8' })
			: spawnSync(command[0], command.slice(1), { encoding: 'utf8' });
		if (run.status !== 0) throw new Error(`${threads} threads: ${run.stderr}`);
		const { cold, warm } = JSON.parse(run.stdout.trim().split('\n').pop());
		console.log(
			`${threads === 0 ? 'main thread only' : `${threads} parse thread${threads > 1 ? 's' : ''}`}: ` +
				`first pass ${cold}, warm ${warm}`,
		);
	}
}

Promise.resolve(main()).catch((error) => {
	console.error(error);
	process.exit(1);
});
