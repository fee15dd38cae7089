'use strict';
/**
 * Case 1 for one reader, repeated, without the rest of the benchmark: starts its own servers (ports
 * 50 past MAILBOX_PORT_OFFSET, as `npm run bench`), writes the 2,000 typical mails, and runs
 * ingest-worker.js `--runs` times (default 5) for `--mode` (ours or raw, default both, alternating so
 * a busy machine weighs on both alike). `--dists=dirA,dirB` runs "ours" from each of those builds of
 * the package instead of dist/ (copies of dist/ before and after a change), alternating too.
 * `--analyze` turns the trigger's Analyze on (as case 1's second row). `--cpu-prof` leaves a V8 CPU
 * profile of each run in $TMPDIR/mailbox-ingest-profiles/. Build first (`npm run build`).
 *
 *   node bench/ingest-profile.js --mode=ours --runs=3 --cpu-prof
 */
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { portsFromEnv, startMailServers } = require('../scripts/lib/mailServers');
const { credentialsOf, markUnread, median, typicalMails, writeMaildir } = require('./lib');

const MAILS = 2000;
const PROFILES = path.join(os.tmpdir(), 'mailbox-ingest-profiles');
const args = Object.fromEntries(
	process.argv
		.slice(2)
		.map((arg) => arg.replace(/^--/, '').split('='))
		.map(([key, value]) => [key, value ?? true]),
);
const dists = args.dists ? String(args.dists).split(',') : [undefined];
const readers = (args.mode ? [args.mode] : ['raw', 'ours']).flatMap((mode) =>
	mode === 'ours' ? dists.map((dist) => ({ mode, dist })) : [{ mode }],
);
const label = ({ mode, dist }) => (dist ? `${mode} ${dist}` : mode);
const runs = Number(args.runs ?? 5);

function worker(config) {
	const flags = args['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${PROFILES}`] : [];
	return new Promise((resolve, reject) => {
		const child = spawn(
			process.execPath,
			[...flags, path.join(__dirname, 'ingest-worker.js'), JSON.stringify(config)],
			{ env: { ...process.env, MAILBOX_EXTRA_CA_FILE: config.info.caFile }, stdio: ['ignore', 'pipe', 'inherit'] },
		);
		let stdout = '';
		child.stdout.on('data', (chunk) => (stdout += chunk));
		child.on('close', (code) =>
			code === 0 ? resolve(JSON.parse(stdout.trim().split('\n').pop())) : reject(new Error(`worker exit ${code}`)),
		);
	});
}

async function main() {
	const base = fs.mkdtempSync(path.join(os.tmpdir(), 'mailbox-ingest-'));
	const servers = await startMailServers({
		base,
		ports: portsFromEnv(Number(process.env.MAILBOX_PORT_OFFSET || 0) + 50),
	});
	try {
		const { info } = servers;
		const address = `bench-ingest@${info.domain}`;
		const mails = typicalMails(MAILS, { domain: info.domain, to: address });
		writeMaildir(info, address, MAILS, (index) => mails[index]);
		const samples = Object.fromEntries(readers.map((reader) => [label(reader), []]));
		for (let run = 0; run <= runs; run++) {
			for (const reader of readers) {
				await markUnread(info, address);
				const config = {
					...reader,
					info,
					address,
					expected: MAILS,
					maxEmailsPerCycle: MAILS,
					credentials: credentialsOf(info, address),
					...(args.analyze ? { analyze: { trustedAuthservIds: `mail.${info.domain}`, ownDomains: info.domain } } : {}),
				};
				const sample = await worker(config);
				// The first round warms Dovecot's and the page cache.
				if (run > 0) samples[label(reader)].push(sample);
				console.error(
					`${label(reader)}: ${Math.round(sample.rate)} msg/s, CPU ${(sample.cpuMs / MAILS).toFixed(2)} ` +
						`ms/msg${run === 0 ? ' (warm-up)' : ''}`,
				);
			}
		}
		for (const [name, runs] of Object.entries(samples))
			console.log(
				`${name}: median ${Math.round(median(runs.map((s) => s.rate)))} msg/s ` +
					`(runs ${runs.map((s) => Math.round(s.rate)).join(', ')}), ` +
					`CPU ${(median(runs.map((s) => s.cpuMs)) / MAILS).toFixed(2)} ms/msg`,
			);
	} finally {
		await servers.stop();
		fs.rmSync(base, { recursive: true, force: true });
	}
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
