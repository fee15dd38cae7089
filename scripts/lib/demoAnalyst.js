'use strict';
/**
 * The demo's stand-in analyst (lead@example.test): answers the questions the example workflows send,
 * by mail or by pressing the page's button, so that they complete by themselves in `npm start`.
 */
const { simpleParser } = require('mailparser');
const nodemailer = require('nodemailer');

const { DEMO_ANALYST, imapClient } = require('./demoMailbox');

/**
 * The links of an approval or free-text question (n8n's waiting-webhook URLs), from its text part
 * ("Label: URL" lines) or its HTML buttons.
 */
function responseLinks(parsed) {
	// The text part made from HTML writes a link as "Label [URL]": brackets end a link too.
	const html = typeof parsed.html === 'string' ? parsed.html.replace(/&amp;/g, '&') : '';
	const found = `${parsed.text || ''}\n${html}`.match(/https?:\/\/[^\s"'<>[\]]+\/webhook-waiting\/[^\s"'<>[\]]+/g);
	return [...new Set(found || [])];
}

/**
 * Answers a question with links as a person does: opens the link (a page that records nothing),
 * then presses the page's button (a form POST to the same URL).
 */
async function pressButton(links, answer) {
	const choice = String(answer === 'approve');
	const link = links.find((url) => new URL(url).searchParams.get('approved') === choice) || links[0];
	const page = await fetch(link);
	if (!page.ok) throw new Error(`opening ${link} gave ${page.status}`);
	const text = new URL(link).searchParams.has('approved') ? '' : 'Approved by the demo analyst.';
	const body = new URLSearchParams(text ? { text } : {}).toString();
	const form = { 'content-type': 'application/x-www-form-urlencoded' };
	const pressed = await fetch(link, { method: 'POST', headers: form, body });
	if (!pressed.ok) throw new Error(`answering ${link} gave ${pressed.status}`);
}

/**
 * The stand-in analyst: every few seconds, answers each unread question in lead@example.test's
 * INBOX with "{{approve}}" (or "{{reject}}" when the subject says so), threaded to the question; a
 * question with approval links is answered by pressing the page's button instead.
 */
function startDemoAnalyst(server, { intervalMs = 3000 } = {}) {
	const transport = nodemailer.createTransport({
		host: server.host,
		port: server.smtpPort,
		secure: false,
		requireTLS: true,
		tls: { ca: server.ca },
		auth: { user: DEMO_ANALYST, pass: server.password },
	});
	let stopped = false;
	let running = Promise.resolve();
	const answerQuestions = async () => {
		const client = imapClient(server, DEMO_ANALYST);
		await client.connect();
		try {
			const lock = await client.getMailboxLock('INBOX');
			try {
				const unread = await client.search({ seen: false }, { uid: true });
				if (!unread || unread.length === 0) return;
				// fetchAll, not a fetch loop: an IMAP command issued while a fetch streams waits forever.
				for (const message of await client.fetchAll(
					unread,
					{ envelope: true, uid: true, source: true },
					{ uid: true },
				)) {
					const { subject = '', messageId, from = [] } = message.envelope;
					const sender = from[0] && from[0].address;
					const answer = /reject/i.test(subject) && !/approve/i.test(subject) ? 'reject' : 'approve';
					const links = responseLinks(await simpleParser(message.source));
					if (links.length > 0) {
						await pressButton(links, answer);
					} else if (sender && messageId && !/^re:/i.test(subject)) {
						await transport.sendMail({
							from: `Lead Analyst <${DEMO_ANALYST}>`,
							to: sender,
							subject: `Re: ${subject}`,
							inReplyTo: messageId,
							references: [messageId],
							text: `{{${answer}}}\n\n-- \nLead Analyst (the demo's automatic reply)\n`,
						});
					}
					await client.messageFlagsAdd(String(message.uid), ['\\Seen'], { uid: true });
				}
			} finally {
				lock.release();
			}
		} finally {
			await client.logout();
		}
	};
	const timer = setInterval(() => {
		running = running
			.then(() => (stopped ? undefined : answerQuestions()))
			.catch((error) => {
				process.stderr.write(`[demo analyst] ${error.message}\n`);
			});
	}, intervalMs);
	timer.unref();
	return {
		async stop() {
			stopped = true;
			clearInterval(timer);
			await running;
			transport.close();
		},
	};
}

module.exports = { startDemoAnalyst };
