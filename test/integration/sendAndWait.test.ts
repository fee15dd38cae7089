import { Email } from '../../nodes/Email/Email.node';
import { withFaultProxy } from '../helpers/faultProxy';
import { runNode } from '../helpers/nodeContext';
import { receiveQuestion, replyAs } from '../helpers/replies';
import { appendMessages, credentialsFor, newMailbox, openMailbox, servers, waitForMessages } from '../helpers/servers';

type Json = Record<string, unknown>;

const QUESTION = 'Block the sender 203.0.113.7 on the gateway?\nReply {{approve}} or {{deny}}.';

async function runOperation(sender: string, parameters: Json, credentials = credentialsFor(sender)): Promise<Json> {
	const [[item]] = await runNode(new Email(), {
		parameters: { cc: '', bcc: '', exclusionSubjectRegex: '', exclusionBodyRegex: '', ...parameters },
		credentials,
	});
	return item.json as Json;
}

/** Starts Send Email and Wait from `sender` to `recipients`; the wait runs while the test replies. */
function sendAndWait(
	sender: string,
	recipients: string,
	extra: Json = {},
	options: Json = {},
	credentials?: Record<string, unknown>,
) {
	return runOperation(
		sender,
		{
			operation: 'sendAndWait',
			recipients,
			subject: 'Approval needed: block 203.0.113.7',
			content: QUESTION,
			options: { contentType: 'text', timeoutMinutes: 1, ...options },
			...extra,
		},
		credentials,
	);
}

/** Resolves once `count` messages sit in `address`'s INBOX, with the time the last one was seen. */
async function delivered(address: string, count: number): Promise<number> {
	await waitForMessages(address, count, { timeoutMs: 15000 });
	return Date.now();
}

describe('sendAndWait', () => {
	it("returns a top-posted reply with answer, reply_text and the seed's fields, seen within a second or two by IDLE", async () => {
		const [sender, analyst] = [newMailbox('soc'), newMailbox('analyst')];
		// pollSeconds is long: only IDLE can see the reply in time.
		const waiting = sendAndWait(sender, analyst, {}, { pollSeconds: 600 });
		const question = await receiveQuestion(analyst);
		const replyId = await replyAs(analyst, sender, question, { text: 'Yes, block it now.\nI will open a ticket.' });
		const arrived = await delivered(sender, 1);
		const result = await waiting;
		expect(Date.now() - arrived).toBeLessThan(2500);

		expect(result).toMatchObject({
			is_success: true,
			timed_out: false,
			sent_message_id: question.messageId,
			answer: 'Yes, block it now.',
			subject: 'Re: Approval needed: block 203.0.113.7',
			sender: analyst,
			to: sender,
			receivers: [sender],
			message_id: replyId,
			in_reply_to: question.messageId,
			in_replay_to: question.messageId,
			content_type: 'text/plain',
			html_body: '',
			email_uid: expect.any(Number),
		});
		expect(result.reply_text).toContain('I will open a ticket.');
		expect(result.reply_text).not.toContain('203.0.113.7');
		expect(result.plaintext_body).toContain('> Block the sender 203.0.113.7');
		expect(result.date).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
		expect(Math.abs(Number(result.timestamp) - Date.now() / 1000)).toBeLessThan(60);
		expect(result.received_date).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
		expect(result.raw).toContain(`In-Reply-To: ${question.messageId}`);
		expect(result.replies).toHaveLength(1);
		expect((result.replies as Json[])[0]).toMatchObject({ answer: 'Yes, block it now.', sender: analyst });
	});

	it('answers a plain reply written below the quote', async () => {
		const [sender, analyst] = [newMailbox('soc'), newMailbox('analyst')];
		const waiting = sendAndWait(sender, analyst);
		const question = await receiveQuestion(analyst);
		await replyAs(analyst, sender, question, { text: 'No, it is our partner.', bottomPost: true });
		expect(await waiting).toMatchObject({ is_success: true, answer: 'No, it is our partner.' });
	});

	it('answers an HTML-only reply with a Gmail-style quote', async () => {
		const [sender, analyst] = [newMailbox('soc'), newMailbox('analyst')];
		const waiting = sendAndWait(sender, analyst, {}, { contentType: 'html' }, undefined);
		const question = await receiveQuestion(analyst);
		await replyAs(analyst, sender, question, { html: '<p>Approved &mdash; <b>go ahead</b>.</p><p>Ann</p>' });
		const result = await waiting;
		expect(result).toMatchObject({
			is_success: true,
			answer: 'Approved — go ahead.',
			plaintext_body: '',
			content_type: 'text/html',
		});
		expect(result.html_body).toContain('<b>go ahead</b>');
		expect(result.reply_text).not.toContain('203.0.113.7');
	});

	it('takes the {{…}} answer from the reply, not from the quoted question', async () => {
		const [sender, analyst] = [newMailbox('soc'), newMailbox('analyst')];
		const waiting = sendAndWait(sender, analyst);
		const question = await receiveQuestion(analyst);
		await replyAs(analyst, sender, question, { text: 'Checked with the owner.\nMy answer: {{ deny }}' });
		expect(await waiting).toMatchObject({ is_success: true, answer: 'deny' });
	});

	it('skips an auto-reply that matches the subject exclusion and returns the real reply after it', async () => {
		const [sender, analyst] = [newMailbox('soc'), newMailbox('analyst')];
		const waiting = sendAndWait(sender, analyst, { exclusionSubjectRegex: 'out of office', exclusionBodyRegex: '' });
		const question = await receiveQuestion(analyst);
		await replyAs(analyst, sender, question, {
			subject: `Automatic reply: I am out of office (${question.subject})`,
			text: 'I am away until Monday.',
			headers: { 'Auto-Submitted': 'auto-replied' },
		});
		await delivered(sender, 1);
		await new Promise((resolve) => setTimeout(resolve, 500));
		await replyAs(analyst, sender, question, { text: '{{approve}}' });
		const result = await waiting;
		expect(result).toMatchObject({ is_success: true, answer: 'approve', subject: `Re: ${question.subject}` });
		expect(result.replies).toHaveLength(1);
	});

	it('skips a reply whose body matches the body exclusion anywhere', async () => {
		const [sender, analyst] = [newMailbox('soc'), newMailbox('analyst')];
		const waiting = sendAndWait(sender, analyst, { exclusionBodyRegex: 'away until' });
		const question = await receiveQuestion(analyst);
		await replyAs(analyst, sender, question, { text: 'Thanks for your mail. I am away until Monday.' });
		await delivered(sender, 1);
		await replyAs(analyst, sender, question, { text: 'Approved.' });
		expect(await waiting).toMatchObject({ is_success: true, answer: 'Approved.' });
	});

	it('ignores a reply from someone who was not asked, and a mail that is not threaded', async () => {
		const [sender, analyst, outsider] = [newMailbox('soc'), newMailbox('analyst'), newMailbox('outsider')];
		const waiting = sendAndWait(sender, analyst);
		const question = await receiveQuestion(analyst);
		await replyAs(outsider, sender, question, { text: '{{approve}} (I am not the analyst)' });
		await replyAs(analyst, sender, question, { text: 'unrelated mail', unthreaded: true });
		await delivered(sender, 2);
		await new Promise((resolve) => setTimeout(resolve, 500));
		await replyAs(analyst, sender, question, { text: '{{deny}}' });
		const result = await waiting;
		expect(result).toMatchObject({ is_success: true, answer: 'deny', sender: analyst });
		expect(result.replies).toHaveLength(1);
	});

	it('matches the recipient address trimmed and case-insensitively', async () => {
		const [sender, analyst] = [newMailbox('soc'), newMailbox('analyst')];
		const waiting = sendAndWait(sender, `  ${analyst.toUpperCase()} `);
		const question = await receiveQuestion(analyst);
		await replyAs(analyst, sender, question, { text: 'ok' });
		expect(await waiting).toMatchObject({ is_success: true, answer: 'ok' });
	});

	it('finds a reply that arrived while the IMAP connection was down, and closes every connection', async () => {
		const [sender, analyst] = [newMailbox('soc'), newMailbox('analyst')];
		await withFaultProxy(servers().ports.imaps, async (proxy) => {
			// pollSeconds is long: only the fresh search after the reconnect can find the reply in time.
			const waiting = sendAndWait(
				sender,
				analyst,
				{},
				{ pollSeconds: 600 },
				credentialsFor(sender, { imapPort: proxy.port }),
			);
			const question = await receiveQuestion(analyst);
			while (proxy.connections < 1) await new Promise((resolve) => setTimeout(resolve, 50));
			await new Promise((resolve) => setTimeout(resolve, 300));
			proxy.down();
			await replyAs(analyst, sender, question, { text: 'Approved while you were offline' });
			await delivered(sender, 1);
			await new Promise((resolve) => setTimeout(resolve, 1000));
			proxy.up();
			const result = await waiting;
			expect(result).toMatchObject({ is_success: true, answer: 'Approved while you were offline' });
			expect(proxy.connections).toBeGreaterThanOrEqual(2);
			await new Promise((resolve) => setTimeout(resolve, 200));
			expect(proxy.openConnections).toBe(0);
		});
	});

	it('waits for one reply per recipient with waitForAllRecipients', async () => {
		const [sender, first, second] = [newMailbox('soc'), newMailbox('analyst'), newMailbox('lead')];
		const waiting = sendAndWait(sender, `${first}, ${second}`, {}, { waitForAllRecipients: true });
		const question = await receiveQuestion(first);
		await replyAs(first, sender, question, { text: '{{approve}}' });
		await delivered(sender, 1);
		await new Promise((resolve) => setTimeout(resolve, 1500));
		await replyAs(second, sender, await receiveQuestion(second), { text: '{{deny}}' });
		const result = await waiting;
		expect(result).toMatchObject({ is_success: true, timed_out: false, answer: 'approve', sender: first });
		expect((result.replies as Json[]).map((reply) => [reply.sender, reply.answer])).toEqual([
			[first, 'approve'],
			[second, 'deny'],
		]);
	});

	it('times out as an answer, not an error, with the replies so far', async () => {
		const [sender, first, second] = [newMailbox('soc'), newMailbox('analyst'), newMailbox('lead')];
		await withFaultProxy(servers().ports.imaps, async (proxy) => {
			const started = Date.now();
			const waiting = sendAndWait(
				sender,
				`${first}, ${second}`,
				{},
				{ timeoutMinutes: 0.05, waitForAllRecipients: true },
				credentialsFor(sender, { imapPort: proxy.port }),
			);
			await replyAs(first, sender, await receiveQuestion(first), { text: 'yes from me' });
			const result = await waiting;
			expect(Date.now() - started).toBeGreaterThanOrEqual(2900);
			expect(Date.now() - started).toBeLessThan(8000);
			expect(result).toMatchObject({ is_success: false, timed_out: true, sender: first, answer: 'yes from me' });
			expect(result.replies).toHaveLength(1);
			await new Promise((resolve) => setTimeout(resolve, 200));
			expect(proxy.openConnections).toBe(0);
		});
	});

	it('times out with no reply at all', async () => {
		const [sender, analyst] = [newMailbox('soc'), newMailbox('analyst')];
		const result = await sendAndWait(sender, analyst, {}, { timeoutMinutes: 0.05 });
		expect(result).toMatchObject({ is_success: false, timed_out: true, replies: [] });
		expect(result.answer).toBeUndefined();
		expect(result.sent_message_id).toMatch(/^<.+@.+>$/);
	});

	it('watches several folders', async () => {
		const [sender, analyst] = [newMailbox('soc'), newMailbox('analyst')];
		await openMailbox(sender, (client) => client.mailboxCreate('Replies'));
		const waiting = sendAndWait(sender, analyst, {}, { folders: 'INBOX, Replies' });
		const question = await receiveQuestion(analyst);
		// A server-side rule files the reply into "Replies": appended there directly.
		const reply = [
			`From: ${analyst}`,
			`To: ${sender}`,
			`Subject: Re: ${question.subject}`,
			`Message-ID: <filed-${Date.now()}@example.test>`,
			`In-Reply-To: ${question.messageId}`,
			`Date: ${new Date().toUTCString()}`,
			'',
			'Filed reply: approve',
			'',
		].join('\r\n');
		await appendMessages(sender, [reply], { folder: 'Replies' });
		expect(await waiting).toMatchObject({ is_success: true, answer: 'Filed reply: approve', folder: 'Replies' });
	});

	it('refuses a bad regex before sending, and fails with a clear error for a missing folder', async () => {
		const [sender, analyst] = [newMailbox('soc'), newMailbox('analyst')];
		await expect(sendAndWait(sender, analyst, { exclusionSubjectRegex: '(unclosed' })).rejects.toThrow(
			/Exclusion Subject Regex is not a valid regular expression/,
		);
		await expect(sendAndWait(sender, analyst, {}, { folders: 'INBOX, Nope' })).rejects.toThrow(
			/Folder "Nope" could not be opened/,
		);
		await waitForMessages(analyst, 1);
		await new Promise((resolve) => setTimeout(resolve, 500));
		// Only the second question went out.
		expect(await waitForMessages(analyst, 1)).toHaveLength(1);
	});
});

describe('waitForReply', () => {
	it('collects the reply to a message sent earlier, by its Message-ID without brackets', async () => {
		const [sender, analyst] = [newMailbox('soc'), newMailbox('analyst')];
		const sent = await runOperation(sender, {
			operation: 'send',
			recipients: analyst,
			subject: 'Earlier question',
			content: QUESTION,
			options: { contentType: 'text' },
		});
		const question = await receiveQuestion(analyst);
		await replyAs(analyst, sender, question, { text: '{{approve}}' });
		await delivered(sender, 1);

		const bare = String(sent.message_id).replace(/^<|>$/g, '');
		const result = await runOperation(sender, {
			operation: 'waitForReply',
			messageId: bare,
			recipients: analyst,
			options: { timeoutMinutes: 0.5 },
		});
		expect(result).toMatchObject({
			is_success: true,
			timed_out: false,
			sent_message_id: sent.message_id,
			answer: 'approve',
			sender: analyst,
		});
	});

	it('waits for a reply that comes later, from anyone when no recipients are given', async () => {
		const [sender, analyst] = [newMailbox('soc'), newMailbox('analyst')];
		const sent = await runOperation(sender, {
			operation: 'send',
			recipients: analyst,
			subject: 'Later question',
			content: QUESTION,
			options: { contentType: 'text' },
		});
		const waiting = runOperation(sender, {
			operation: 'waitForReply',
			messageId: sent.message_id,
			recipients: '',
			options: { timeoutMinutes: 0.5 },
		});
		await replyAs(analyst, sender, await receiveQuestion(analyst), { text: 'Sure, approved.' });
		expect(await waiting).toMatchObject({ is_success: true, answer: 'Sure, approved.' });
	});
});
