'use strict';
/**
 * Analyze Email: CPU per typical mail and per corpus mail (.eml and Outlook .msg),
 * and building the trigger's items with `analyze` off against on (the IMAP side does not change).
 * No server needed: the mail module (dist/) over mails held in memory.
 */
const fs = require('node:fs');
const path = require('node:path');

const { analyzeEmail } = require('../dist/nodes/mail/analysis');
const { parseMail, parseMessage } = require('../dist/nodes/mail/message');
const { ROOT, median, typicalMails } = require('./lib');

// The extended corpus when it is there (as the tests find it); without it the corpus rows say so.
const EML_CORPUS = process.env.MAILBOX_CORPUS_DIR ?? path.resolve(ROOT, '..', 'shared', 'corpus', 'mail-fixtures');
const MSG_CORPUS = process.env.MAILBOX_MSG_CORPUS_DIR ?? path.resolve(ROOT, '..', 'shared', 'corpus', 'outlook-msg');

function files(directory, extension) {
	if (!fs.existsSync(directory)) return [];
	return fs.readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
		const file = path.join(directory, entry.name);
		return entry.isDirectory() ? files(file, extension) : entry.name.endsWith(extension) ? [file] : [];
	});
}

/** CPU ms per mail of `work` over `mails`, one pass; the median of `runs` passes after a warm-up. */
async function cpuPerMail(mails, work, runs) {
	const pass = async () => {
		const cpu = process.cpuUsage();
		for (const [index, mail] of mails.entries()) await work(mail, index);
		const used = process.cpuUsage(cpu);
		return (used.user + used.system) / 1000 / mails.length;
	};
	await pass();
	const samples = [];
	for (let run = 0; run < runs; run++) samples.push(await pass());
	return median(samples);
}

async function run({ runs, quick, log }) {
	const typical = typicalMails(quick ? 200 : 500, { domain: 'example.test', to: 'bench@example.test' });
	const eml = files(EML_CORPUS, '.eml').map((file) => fs.readFileSync(file));
	const msg = files(MSG_CORPUS, '.msg').map((file) => fs.readFileSync(file));
	const options = { trustedAuthservIds: ['mx.example.test'], ownDomains: ['example.test'] };
	const analyze = (mail) => analyzeEmail(mail, options).catch(() => undefined);
	const origin = (uid) => ({ uid, uidValidity: '1', folder: 'INBOX', flags: [], internalDate: new Date() });

	log(`analyze: ${typical.length} typical mails, ${eml.length} corpus .eml, ${msg.length} corpus .msg`);
	const typicalMs = await cpuPerMail(typical, analyze, runs);
	const emlMs = eml.length ? await cpuPerMail(eml, analyze, runs) : NaN;
	// One pass each: a .msg is read in a worker, whose start is part of the first file's cost.
	const msgMs = msg.length ? await cpuPerMail(msg, analyze, 1) : NaN;
	const off = await cpuPerMail(typical, (mail, index) => parseMessage(mail, origin(index + 1)), runs);
	// As the trigger does it: one parse serves the item and the analysis.
	const on = await cpuPerMail(typical, async (mail, index) => {
		const parsed = await parseMail(mail);
		await parseMessage(parsed, origin(index + 1));
		await analyze(parsed);
	}, runs);
	const fixed = (value) => (Number.isFinite(value) ? `${value.toFixed(2)} ms CPU/mail` : 'no corpus');
	return {
		rows: [
			{ case: 'analyze', what: 'Analyze Email, typical mail', value: fixed(typicalMs) },
			{ case: 'analyze', what: 'Analyze Email, corpus .eml', value: fixed(emlMs), extra: `${eml.length} mails` },
			{ case: 'analyze', what: 'Analyze Email, corpus .msg', value: fixed(msgMs), extra: `${msg.length} files, worker included` },
			{ case: 'analyze', what: 'trigger items, analyze off', value: fixed(off) },
			{ case: 'analyze', what: 'trigger items, analyze on', value: fixed(on), ratio: `${(on / off).toFixed(1)}x off` },
		],
		goals: [{ goal: 'Analyze Email under 10 ms CPU per typical mail', value: fixed(typicalMs), met: typicalMs < 10 }],
	};
}

module.exports = { run };
