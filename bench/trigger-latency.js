#!/usr/bin/env node
'use strict';
/**
 * Case 6, trigger latency: from delivery (IMAP APPEND done: the mail is in the mailbox) to the
 * trigger's emit, median and 95th percentile over 100 mails (30 with --quick), delivered 300 ms
 * apart into an empty mailbox:
 *   - Mailbox Trigger (Instant), fallbackPollSeconds 300: only IDLE brings mail in;
 *   - n8n's built-in Email Trigger (IMAP) v2 (1.x on this Node, 2.x on Node 24 unless --quick);
 *   - the poll trigger at n8n's shortest schedule (every minute): a mail waits for the next poll,
 *     uniformly 0-60 s, plus the poll itself, measured over a few polls of one new mail each.
 * Each trigger runs in a fresh child process on a mailbox of its own.
 *
 * Part of `npm run bench`; `node bench/trigger-latency.js` (after npm run build) runs it alone on
 * servers of its own (MAILBOX_PORT_OFFSET moves their ports).
 */
const path = require('node:path');

const { builtinHosts, credentialsOf, median, runCaseAlone, runChild } = require('./lib');

const GAP_MS = 300;
const POLL_SCHEDULE_MS = 60_000;
const POLLS_MEASURED = 5;

function percentile(values, p) {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function readers(quick) {
	const list = [{ name: 'Mailbox Trigger (Instant), IDLE', key: 'instant', config: { mode: 'instant' } }];
	for (const { version, typeVersion, nodeBinary, n8nDir } of builtinHosts()) {
		if (quick && nodeBinary !== process.execPath) continue;
		list.push({
			name: `n8n ${version} Email Trigger (IMAP) v${typeVersion}`,
			key: `builtin-${version}`,
			nodeBinary,
			config: { mode: 'builtin', n8nDir, typeVersion },
		});
	}
	return list;
}

async function run({ info, quick, log }) {
	const mails = quick ? 30 : 100;
	const ms = (value) => `${(value / 1000).toFixed(value < 10_000 ? 2 : 1)} s`;
	const rows = [];
	const measured = {};
	for (const reader of readers(quick)) {
		const address = `bench-latency-${reader.key}-${Date.now()}@${info.domain}`;
		const result = await runChild(
			path.join(__dirname, 'latency-worker.js'),
			{ ...reader.config, info, address, credentials: credentialsOf(info, address), mails, gapMs: GAP_MS },
			{ nodeBinary: reader.nodeBinary, env: { MAILBOX_EXTRA_CA_FILE: info.caFile }, timeoutMs: 240_000 },
		);
		const { latencies } = result;
		measured[reader.key] = latencies.length ? { median: median(latencies), p95: percentile(latencies, 95) } : undefined;
		const figures = latencies.length
			? `median ${ms(median(latencies))}, p95 ${ms(percentile(latencies, 95))}`
			: 'nothing emitted';
		log(`  ${reader.name}: ${figures}, ${result.lost} lost, ${result.repeated} repeated, of ${mails}`);
		rows.push({
			case: '6 trigger latency',
			what: `${reader.name}, delivery to emit, ${mails} mails`,
			value: latencies.length ? ms(median(latencies)) : 'n/a',
			extra:
				`p95 ${latencies.length ? ms(percentile(latencies, 95)) : 'n/a'}; ${result.lost} ` +
				`lost, ${result.repeated} repeated`,
		});
	}

	// The poll trigger: the schedule's wait dominates; the poll itself is measured.
	const pollAddress = `bench-latency-poll-${Date.now()}@${info.domain}`;
	const { cycles } = await runChild(
		path.join(__dirname, 'latency-worker.js'),
		{ mode: 'poll', info, address: pollAddress, credentials: credentialsOf(info, pollAddress), mails: POLLS_MEASURED },
		{ env: { MAILBOX_EXTRA_CA_FILE: info.caFile } },
	);
	const cycle = median(cycles);
	const poll = { median: POLL_SCHEDULE_MS * 0.5 + cycle, p95: POLL_SCHEDULE_MS * 0.95 + cycle };
	log(
		`  Mailbox Trigger (poll) every minute: one poll ${cycle.toFixed(0)} ms (median ` +
			`of ${cycles.length}), so median ${ms(poll.median)}, p95 ${ms(poll.p95)}`,
	);
	rows.push({
		case: '6 trigger latency',
		what: "Mailbox Trigger (poll) every minute (n8n's shortest), delivery to emit",
		value: ms(poll.median),
		extra:
			`p95 ${ms(poll.p95)}; computed: wait for the next poll (uniform 0-60 s) + one poll ` +
			`(${cycle.toFixed(0)} ms measured)`,
	});

	const instant = measured.instant;
	const builtins = Object.entries(measured).filter(([key, value]) => key.startsWith('builtin') && value);
	return {
		rows,
		goals: [
			{
				goal: 'instant trigger: median delivery to emit < 2 s',
				value: instant ? ms(instant.median) : 'n/a',
				met: !!instant && instant.median < 2000,
			},
			{
				goal: 'instant trigger: p95 < 5 s',
				value: instant ? ms(instant.p95) : 'n/a',
				met: !!instant && instant.p95 < 5000,
			},
			{
				goal: "instant trigger: p95 below the poll trigger's median",
				value: instant ? `${ms(instant.p95)} vs ${ms(poll.median)}` : 'n/a',
				met: !!instant && instant.p95 < poll.median,
			},
			...builtins.map(([key, value]) => ({
				goal: `instant trigger median vs ${key.replace('builtin-', 'n8n ')} built-in IMAP trigger`,
				value: instant ? `${ms(instant.median)} vs ${ms(value.median)}` : 'n/a',
				met: undefined,
			})),
		],
	};
}

if (require.main === module) runCaseAlone('latency', run, { portShift: 60 });

module.exports = { run };
