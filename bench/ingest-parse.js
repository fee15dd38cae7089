'use strict';
/**
 * Building items without IMAP: parseMessage (dist/) over the ingest case's 2,000 typical mails,
 * 5 passes after a warm-up, median msg/s and CPU ms per mail. For profiling the parse side:
 *   node --cpu-prof bench/ingest-parse.js
 */
const { parseMessage } = require('../dist/nodes/mail/message');
const { median, typicalMails } = require('./lib');

const mails = typicalMails(2000, { domain: 'example.test', to: 'bench@example.test' });
const origin = (uid) => ({ uid, uidValidity: '1', folder: 'INBOX', flags: [], internalDate: new Date() });

async function pass() {
	const cpu = process.cpuUsage();
	const start = performance.now();
	for (const [index, source] of mails.entries()) await parseMessage(source, origin(index + 1));
	const ms = performance.now() - start;
	const used = process.cpuUsage(cpu);
	return { rate: (mails.length / ms) * 1000, cpuMsPerMail: (used.user + used.system) / 1000 / mails.length };
}

async function main() {
	await pass();
	const samples = [];
	for (let index = 0; index < 5; index++) samples.push(await pass());
	console.log(
		JSON.stringify({
			rate: Math.round(median(samples.map((s) => s.rate))),
			cpuMsPerMail: Number(median(samples.map((s) => s.cpuMsPerMail)).toFixed(3)),
			runs: samples.map((s) => Math.round(s.rate)),
		}),
	);
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
