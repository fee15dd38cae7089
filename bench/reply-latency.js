#!/usr/bin/env node
'use strict';
/**
 * Case 4, reply latency: how long after delivery a reply is seen by Send Email and Wait with IMAP
 * IDLE, the median over 20 replies (10 with --quick). Each reply is delivered by IMAP APPEND from
 * a second session, so "delivered" is the moment the server stored it; "seen" is when the wait
 * returns. pollSeconds is 600, so only IDLE can explain a fast detection.
 *
 * Part of `npm run bench`; `node bench/reply-latency.js` (after npm run build) runs it alone on
 * servers of its own (MAILBOX_PORT_OFFSET moves their ports).
 */

const { waitForReplies } = require('../dist/nodes/mail');
const { accountOf, median, openImap, runCaseAlone } = require('./lib');

async function run({ info, quick, smoke, log }) {
	const replies = smoke ? 2 : quick ? 10 : 20;
	const soc = `bench-soc@${info.domain}`;
	const analyst = `bench-analyst@${info.domain}`;
	const account = accountOf(info, soc);
	const deliverer = await openImap(info, soc);
	const delays = [];
	try {
		for (let n = 0; n < replies; n++) {
			const question = `<bench-question-${n}-${Date.now()}@${info.domain}>`;
			const waiting = waitForReplies(account, {
				messageId: question,
				recipients: [analyst],
				folders: ['INBOX'],
				timeoutMs: 30_000,
				pollMs: 600_000,
			});
			// Awaited below; a failure meanwhile must not count as unhandled.
			waiting.catch(() => undefined);
			// Let the watcher connect, search and enter IDLE before the reply lands.
			await new Promise((resolve) => setTimeout(resolve, 400));
			const reply = [
				`From: Analyst <${analyst}>`,
				`To: ${soc}`,
				`Subject: Re: question ${n}`,
				`Message-ID: <bench-reply-${n}-${Date.now()}@${info.domain}>`,
				`In-Reply-To: ${question}`,
				`References: ${question}`,
				`Date: ${new Date().toUTCString()}`,
				'',
				'{{approve}}',
				'',
			].join('\r\n');
			await deliverer.append('INBOX', reply);
			const delivered = performance.now();
			const result = await waiting;
			const seen = performance.now();
			if (result.timed_out || result.replies[0].answer !== 'approve') throw new Error(`reply ${n} was not found`);
			delays.push(seen - delivered);
		}
	} finally {
		await deliverer.logout().catch(() => deliverer.close());
	}
	const ms = (value) => `${value.toFixed(0)} ms`;
	log(
		`  reply latency over ${replies} replies: median ${ms(median(delays))}, min ${ms(Math.min(...delays))}, ` +
			`max ${ms(Math.max(...delays))}`,
	);
	return {
		rows: [
			{
				case: '4 reply latency',
				what: `Send Email and Wait with IDLE, delivery to detection, ${replies} replies`,
				value: ms(median(delays)),
				extra: `min ${ms(Math.min(...delays))}, max ${ms(Math.max(...delays))}`,
			},
		],
		goals: [
			{ goal: 'reply detected < 1 s after delivery (median)', value: ms(median(delays)), met: median(delays) < 1000 },
		],
	};
}

if (require.main === module) runCaseAlone('replies', run);

module.exports = { run };
