#!/usr/bin/env node
'use strict';
/**
 * npm run bench [-- --quick] [-- --smoke] [-- --only=ingest,poll,memory,reply,send,latency,many,analyze] [--
 * --no-build]
 *
 * Builds the package, starts a private Dovecot and Postfix on 127.0.0.1 (ports moved 50 past
 * MAILBOX_PORT_OFFSET, so it never meets the tests' servers), builds the mailboxes by writing
 * Maildir files, runs each case (a warm-up, then 3 runs; the median counts; --quick leaves out n8n 2.x and halves
 * the replies), and
 * --smoke runs every case once at tiny sizes, without a warm-up: it only shows that each case still runs
 * (test/bench), its figures mean nothing.
 * prints a table of medians, ratios and goals. Stops by itself: each child process and the whole
 * run have a time limit. Results and the machine they ran on belong in BENCHMARKS.md.
 */
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { portsFromEnv, startMailServers } = require('./lib/mailServers');

const ROOT = path.resolve(__dirname, '..');
const CASES = {
	ingest: () => require('../bench/ingest'),
	poll: () => require('../bench/poll-cost'),
	memory: () => require('../bench/memory'),
	reply: () => require('../bench/reply-latency'),
	send: () => require('../bench/bulk-send'),
	latency: () => require('../bench/trigger-latency'),
	many: () => require('../bench/many-mailboxes'),
	analyze: () => require('../bench/analyze'),
};
// Case 6 alone is two n8n starts and two arrival windows of MAILBOX_BENCH_MANY_MINUTES (default 3).
const TOTAL_LIMIT_MS = (15 + 2 * (8 + Number(process.env.MAILBOX_BENCH_MANY_MINUTES || 3))) * 60_000;

function options(argv) {
	const quick = argv.includes('--quick');
	const smoke = argv.includes('--smoke');
	const only = (argv.find((arg) => arg.startsWith('--only=')) || '').slice('--only='.length);
	const cases = only ? only.split(',') : Object.keys(CASES);
	for (const name of cases)
		if (!CASES[name]) throw new Error(`Unknown case "${name}": pick from ${Object.keys(CASES).join(', ')}.`);
	return { quick, smoke, build: !argv.includes('--no-build'), runs: smoke ? 1 : 3, warmups: smoke ? 0 : 1, cases };
}

function machine() {
	const cpus = os.cpus();
	return (
		`${cpus.length} x ${cpus[0].model.trim()}, ${(os.totalmem() / 2 ** 30).toFixed(0)} ` +
		`GB RAM, ${os.type()} ${os.release()}, Node ${process.version}`
	);
}

function table(headers, rows) {
	const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => String(row[i]).length)));
	const line = (cells) => `| ${cells.map((cell, i) => String(cell).padEnd(widths[i])).join(' | ')} |`;
	return [line(headers), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

async function main() {
	const { quick, smoke, build, runs, warmups, cases } = options(process.argv.slice(2));
	const log = (message) => console.error(message);
	if (build) {
		log('building the package (npm run build)');
		execFileSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
	}

	const base = fs.mkdtempSync(path.join(os.tmpdir(), 'mailbox-bench-'));
	const ports = portsFromEnv(Number(process.env.MAILBOX_PORT_OFFSET || 0) + 50);
	const servers = await startMailServers({ base, ports });
	const { info } = servers;
	// Nodes trust the servers' CA the way a user's n8n trusts a private CA.
	process.env.MAILBOX_EXTRA_CA_FILE = info.caFile;
	let stopped = false;
	const stop = async () => {
		if (stopped) return;
		stopped = true;
		await servers.stop();
		fs.rmSync(base, { recursive: true, force: true });
	};
	const limit = setTimeout(async () => {
		log(`the benchmark took longer than ${TOTAL_LIMIT_MS / 60_000} minutes: stopping`);
		await stop();
		process.exit(2);
	}, TOTAL_LIMIT_MS);
	limit.unref();
	for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => stop().finally(() => process.exit(130)));
	process.once('unhandledRejection', (error) => {
		console.error(error);
		stop().finally(() => process.exit(1));
	});

	log(`machine: ${machine()}`);
	log(
		`servers: Dovecot IMAPS 127.0.0.1:${info.ports.imaps}, SMTP 127.0.0.1:${info.ports.smtp} ` +
			`(${info.smtp}); ${smoke ? 'smoke: every case once at tiny sizes' : `${runs} runs after a warm-up, medians`}`,
	);
	const rows = [];
	const goals = [];
	const started = Date.now();
	try {
		for (const name of cases) {
			const caseStart = Date.now();
			const result = await CASES[name]().run({ info, runs, warmups, quick, smoke, log });
			rows.push(...result.rows);
			goals.push(...result.goals);
			log(`${name}: ${((Date.now() - caseStart) / 1000).toFixed(0)} s`);
		}
	} finally {
		await stop();
	}
	const how = smoke
		? 'SMOKE RUN (tiny sizes, once each: the figures mean nothing)'
		: `${runs} runs after a warm-up (medians)`;
	console.log(
		`\nn8n-nodes-mailbox benchmark, ${new Date().toISOString().slice(0, 10)}, ${machine()}, ` +
			`load average ${os
				.loadavg()
				.map((l) => l.toFixed(1))
				.join(' ')}, ${how}, ${((Date.now() - started) / 1000).toFixed(0)} s\n`,
	);
	console.log(
		table(
			['case', 'what', 'median', 'also', 'ratio'],
			rows.map((r) => [r.case, r.what, r.value, r.extra ?? '', r.ratio ?? '']),
		),
	);
	console.log('');
	console.log(
		table(
			['goal', 'measured', 'met'],
			goals.map((g) => [g.goal, g.value, g.met === undefined ? 'n/a' : g.met ? 'yes' : 'NO']),
		),
	);
}

main().catch((error) => {
	console.error(error && error.stack ? error.stack : error);
	process.exitCode = 1;
});
