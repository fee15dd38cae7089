'use strict';
/**
 * Case 1, trigger ingest: 2,000 typical mails from the server to emitted items, our trigger against
 * n8n's built-in Email Trigger (IMAP) on the same mailbox, and one raw FETCH as the ceiling. Every
 * reader runs in a fresh child process; between runs the mail is made unread again.
 */
const path = require('node:path');

const {
	builtinHosts,
	credentialsOf,
	markUnread,
	median,
	repeat,
	runChild,
	typicalMails,
	writeMaildir,
} = require('./lib');

/**
 * Our trigger, with Analyze off and on, on each Node the n8n majors run on: this machine's (n8n 1.x)
 * and Node 24 (n8n 2.x, the current major) when its host is installed. The first pair is "ours",
 * which the built-in rows are compared with, as in earlier runs.
 */
function ourReaders(info, address, { quick, count }) {
	const node24 = require('../scripts/lib/n8nHost').node24Binary();
	const runtimes = [
		{ suffix: '', key: '', nodeBinary: process.execPath },
		...(node24 && !quick ? [{ suffix: ', Node 24 (n8n 2.x)', key: '-24', nodeBinary: node24 }] : []),
	];
	const config = { mode: 'ours', maxEmailsPerCycle: count, credentials: credentialsOf(info, address) };
	return runtimes.flatMap(({ suffix, key, nodeBinary }) => [
		{
			name: `Mailbox Trigger (this package), one poll, maxEmailsPerCycle ${count}${suffix}`,
			key: `ours${key}`,
			runtime: suffix,
			nodeBinary,
			config,
		},
		// One parse of each mail serves the item and the analysis.
		{
			name: `the same with Analyze on${suffix}`,
			key: `analyze${key}`,
			analyzes: `ours${key}`,
			runtime: suffix,
			nodeBinary,
			config: { ...config, analyze: { trustedAuthservIds: `mail.${info.domain}`, ownDomains: info.domain } },
		},
	]);
}

function readers(info, address, { quick, smoke, count }) {
	const list = [
		{ name: 'raw FETCH of all sources (imapflow, ceiling)', key: 'raw', config: { mode: 'raw' } },
		...ourReaders(info, address, { quick, count }),
	];
	// n8n 2.x only catches up on mail already in the box from a watermark (and refuses UID 0): with
	// lastMessageUid 1 it reads the other 1,999 mails.
	for (const { version, typeVersion, nodeBinary, n8nDir } of builtinHosts()) {
		const startUid = typeVersion >= 2.2 ? 1 : undefined;
		// --quick keeps the one n8n that runs on this Node.
		if (quick && nodeBinary !== process.execPath) continue;
		for (const format of smoke ? ['resolved'] : ['simple', 'resolved']) {
			list.push({
				name: `n8n ${version} Email Trigger (IMAP) v${typeVersion}, format "${format}"`,
				key: `builtin-${version}-${format}`,
				builtin: true,
				nodeBinary,
				config: { mode: 'builtin', n8nDir, typeVersion, format, startUid },
				expected: count - (startUid ?? 0),
			});
		}
	}
	return list;
}

async function run({ info, runs, warmups, quick, smoke, log }) {
	const count = smoke ? 40 : 2000;
	const address = `bench-ingest@${info.domain}`;
	const mails = typicalMails(count, { domain: info.domain, to: address });
	const bytes = mails.reduce((sum, mail) => sum + mail.length, 0);
	writeMaildir(info, address, count, (index) => mails[index]);
	log(
		`ingest: ${count} mails, ${(bytes / 1e6).toFixed(1)} MB (mean ${(bytes / count / 1024).toFixed(1)} ` +
			`KB), ${mails.filter((_, i) => i % 10 === 9).length} with a 20 KB PDF`,
	);

	const results = [];
	for (const reader of readers(info, address, { quick, smoke, count })) {
		const samples = await repeat({ runs, warmups }, async () => {
			await markUnread(info, address);
			return runChild(
				path.join(__dirname, 'ingest-worker.js'),
				{ ...reader.config, info, address, expected: reader.expected ?? count },
				{ nodeBinary: reader.nodeBinary, env: { MAILBOX_EXTRA_CA_FILE: info.caFile } },
			);
		});
		const result = {
			...reader,
			rate: median(samples.map((s) => s.rate)),
			peakRss: median(samples.map((s) => s.peakRss)),
			samples: samples.map((s) => Math.round(s.rate)),
			cpuMs: median(samples.map((s) => s.cpuMs)),
		};
		log(
			`  ${reader.name}: ${Math.round(result.rate)} msg/s (runs ${result.samples.join(', ')}), ` +
				`peak RSS ${(result.peakRss / 2 ** 20).toFixed(0)} MB, CPU ${(result.cpuMs / count).toFixed(2)} ` +
				`ms/msg in the reader`,
		);
		results.push(result);
	}

	const ours = results.find((r) => r.key === 'ours');
	const raw = results.find((r) => r.key === 'raw');
	const builtins = results.filter((r) => r.builtin);
	const analyzed = results.filter((r) => r.analyzes);
	const withoutAnalysis = (r) => results.find((other) => other.key === r.analyzes);
	const mb = (b) => `${(b / 2 ** 20).toFixed(0)} MB`;
	const rows = results.map((r) => ({
		case: '1 ingest',
		what: r.name,
		value: `${Math.round(r.rate)} msg/s`,
		extra: `peak RSS ${mb(r.peakRss)}`,
		ratio: r.key.startsWith('ours')
			? ''
			: r.analyzes
				? `off ${(withoutAnalysis(r).rate / r.rate).toFixed(2)}x on`
				: `ours ${(ours.rate / r.rate).toFixed(2)}x`,
	}));
	const goals = [
		// n8n's default format is "simple"; "resolved" (a full mailparser parse) is shown beside it.
		...builtins.map((b) => ({
			goal: `ingest >= 3x the built-in: ${b.name.replace('Email Trigger (IMAP) ', '')}`,
			value: `${(ours.rate / b.rate).toFixed(2)}x`,
			met: ours.rate >= 3 * b.rate,
		})),
		...analyzed.map((r) => ({
			goal: `ingest with Analyze on within 1.3x of off${r.runtime}`,
			value: `${(withoutAnalysis(r).rate / r.rate).toFixed(2)}x`,
			met: withoutAnalysis(r).rate <= 1.3 * r.rate,
		})),
		{
			goal: 'ingest >= 50% of the raw FETCH rate',
			value: `${((ours.rate / raw.rate) * 100).toFixed(0)}%`,
			met: ours.rate >= raw.rate / 2,
		},
		{
			goal: "peak RSS below the built-in's",
			value: `${mb(ours.peakRss)} vs ${builtins.map((b) => mb(b.peakRss)).join(' / ')}`,
			met: builtins.every((b) => ours.peakRss < b.peakRss),
		},
	];
	return { rows, goals };
}

module.exports = { run };
