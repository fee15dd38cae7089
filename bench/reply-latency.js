#!/usr/bin/env node
/**
 * How long after delivery a reply is seen by Send Email and Wait with IMAP IDLE: the median over
 * 20 replies. Runs the built mail module (npm run build first) against private Dovecot/Postfix on
 * 127.0.0.1 (MAILBOX_PORT_OFFSET moves their ports). Each reply is delivered by IMAP APPEND from a
 * second session, so "delivered" is the moment the server stored it; "seen" is when the wait returns.
 * pollSeconds is 600, so only IDLE can explain a fast detection.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { ImapFlow } = require('imapflow');

const { waitForReplies } = require('../dist/nodes/mail');
const { startMailServers } = require('../scripts/lib/mailServers');

const REPLIES = 20;

function median(values) {
	const sorted = [...values].sort((a, b) => a - b);
	const middle = Math.floor(sorted.length / 2);
	return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

async function main() {
	const base = fs.mkdtempSync(path.join(os.tmpdir(), 'mailbox-bench-replies-'));
	const servers = await startMailServers({ base });
	const { info } = servers;
	const ca = fs.readFileSync(info.caFile);
	const soc = `bench-soc-${process.pid}@${info.domain}`;
	const analyst = `bench-analyst-${process.pid}@${info.domain}`;
	const account = {
		emailAddress: soc, username: soc, password: info.password,
		imapHost: info.host, imapPort: info.ports.imaps, imapSecurity: 'tls',
		smtpHost: info.host, smtpPort: info.ports.smtp, smtpSecurity: 'starttls', ca,
	};
	const deliverer = new ImapFlow({ host: info.host, port: info.ports.imaps, secure: true, auth: { user: soc, pass: info.password }, tls: { ca }, logger: false });
	deliverer.on('error', () => undefined);
	const delays = [];
	try {
		await deliverer.connect();
		for (let n = 0; n < REPLIES; n++) {
			const question = `<bench-question-${n}-${Date.now()}@${info.domain}>`;
			const waiting = waitForReplies(account, { messageId: question, recipients: [analyst], folders: ['INBOX'], timeoutMs: 30_000, pollMs: 600_000 });
			// Let the watcher connect, search and enter IDLE before the reply lands.
			await new Promise((resolve) => setTimeout(resolve, 400));
			const reply = [
				`From: Analyst <${analyst}>`, `To: ${soc}`, `Subject: Re: question ${n}`, `Message-ID: <bench-reply-${n}-${Date.now()}@${info.domain}>`,
				`In-Reply-To: ${question}`, `References: ${question}`, `Date: ${new Date().toUTCString()}`, '', '{{approve}}', '',
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
		await servers.stop();
		fs.rmSync(base, { recursive: true, force: true });
	}
	const shown = (ms) => `${ms.toFixed(1)} ms`;
	console.log(`reply latency with IDLE over ${REPLIES} replies: median ${shown(median(delays))}, min ${shown(Math.min(...delays))}, max ${shown(Math.max(...delays))}`);
}

main().catch((error) => {
	console.error(error);
	process.exitCode = 1;
});
