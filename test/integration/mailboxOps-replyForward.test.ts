import { delivered, folderState, rawMail, run } from '../helpers/mailboxOps';
import { appendMessages, credentialsFor, newMailbox, waitForMessages } from '../helpers/servers';

describe('Reply and Forward, delivered through Postfix and read back from Dovecot', () => {
	it('replies to Reply-To in the thread: one Re:, In-Reply-To, References chain, quoted original', async () => {
		const soc = newMailbox('soc');
		const reporter = newMailbox('reporter');
		const replyTo = newMailbox('replyto');
		await appendMessages(soc, [
			rawMail('RE: Re: Suspicious mail', {
				id: 'report@example.test',
				from: `Reporter <${reporter}>`,
				to: soc,
				extra: [
					`Reply-To: ${replyTo}`,
					'References: <first@example.test> <second@example.test>',
					'In-Reply-To: <second@example.test>',
				],
				body: 'Please check this one.',
			}),
		]);
		const [item] = await run(credentialsFor(soc), {
			operation: 'reply',
			messageId: 'report@example.test',
			content: 'Thanks, we are on it.',
			options: { contentType: 'text' },
		});
		expect(item.json).toMatchObject({
			found: true,
			is_success: true,
			in_reply_to: '<report@example.test>',
			accepted: [replyTo],
			rejected: [],
		});
		const [answer] = await delivered(replyTo);
		expect(answer.subject).toBe('Re: Suspicious mail');
		expect(answer.inReplyTo).toBe('<report@example.test>');
		expect(answer.references).toEqual(['<first@example.test>', '<second@example.test>', '<report@example.test>']);
		expect(answer.messageId).toBe(item.json.message_id);
		expect(answer.text).toMatch(
			/^Thanks, we are on it\.\n\nOn .+, Reporter <reporter-[^>]+> wrote:\n> Please check this one\./,
		);
		// Read with PEEK: the original is still unread.
		expect((await folderState(soc, 'INBOX'))[0].flags).toEqual([]);
	});

	it('replies to all: From, To and Cc without the mailbox itself and without duplicates', async () => {
		const soc = newMailbox('soc-all');
		const [reporter, colleague, lead] = [newMailbox('rep'), newMailbox('col'), newMailbox('lead')];
		await appendMessages(soc, [
			rawMail('Incident', {
				id: 'incident@example.test',
				from: reporter,
				to: `${soc}, ${colleague}, ${reporter.toUpperCase()}`,
				extra: [`Cc: ${lead}, ${soc.toUpperCase()}`],
			}),
		]);
		const [item] = await run(credentialsFor(soc), {
			operation: 'reply',
			emailUid: '1',
			content: '<p>Confirmed.</p>',
			options: { replyAll: true, quoteOriginal: false },
		});
		expect(item.json).toMatchObject({ found: true, is_success: true });
		expect((item.json.accepted as string[]).sort()).toEqual([reporter, colleague, lead].sort());
		const [answer] = await delivered(colleague);
		expect((answer.to as { value: Array<{ address: string }> }).value.map((entry) => entry.address)).toEqual([
			reporter,
			colleague,
		]);
		expect((answer.cc as { value: Array<{ address: string }> }).value.map((entry) => entry.address)).toEqual([lead]);
		expect(answer.subject).toBe('Re: Incident');
		expect(answer.references).toBe('<incident@example.test>');
		expect(answer.html).toContain('<p>Confirmed.</p>');
		expect(answer.text).not.toContain('wrote:');
		await delivered(reporter);
		await delivered(lead);
		const [missing] = await run(credentialsFor(soc), {
			operation: 'reply',
			messageId: 'nothing@example.test',
			content: 'x',
		});
		expect(missing.json).toMatchObject({ found: false, is_success: false, in_reply_to: '<nothing@example.test>' });
	});

	it("forwards as an attachment carrying the server's exact bytes, or inline with headers and attachments", async () => {
		const soc = newMailbox('soc-fwd');
		const vendor = newMailbox('vendor');
		const original = [
			'From: Phisher <ceo@evil.test>',
			`To: ${soc}`,
			'Subject: Urgent wire',
			'Message-ID: <phish@evil.test>',
			'Date: Tue, 01 Dec 2026 10:00:00 +0000',
			'MIME-Version: 1.0',
			'Content-Type: multipart/mixed; boundary="b"',
			'',
			'--b',
			'Content-Type: text/plain; charset=utf-8',
			'',
			'Pay now: http://evil.test/pay',
			'--b',
			'Content-Type: application/octet-stream; name="invoice.bin"',
			'Content-Disposition: attachment; filename="invoice.bin"',
			'Content-Transfer-Encoding: base64',
			'',
			Buffer.from([0, 1, 2, 250, 251]).toString('base64'),
			'--b--',
			'',
		].join('\r\n');
		await appendMessages(soc, [original]);
		const serverBytes = (await waitForMessages(soc, 1))[0].source;
		const [attached] = await run(credentialsFor(soc), {
			operation: 'forward',
			messageId: 'phish@evil.test',
			recipients: vendor,
			content: 'Please block this sender.',
		});
		expect(attached.json).toMatchObject({ found: true, is_success: true, accepted: [vendor] });
		const [first] = await delivered(vendor);
		expect(first.subject).toBe('Fwd: Urgent wire');
		const part = first.attachments.find((attachment) => attachment.contentType === 'message/rfc822');
		expect(part?.filename).toBe('Urgent wire.eml');
		expect(part?.content.equals(serverBytes)).toBe(true);

		const [inline] = await run(credentialsFor(soc), {
			operation: 'forward',
			emailUid: '1',
			recipients: vendor,
			content: 'FYI',
			options: { asAttachment: false, contentType: 'text' },
		});
		expect(inline.json).toMatchObject({ found: true, is_success: true });
		const second = (await delivered(vendor, 2))[1];
		expect(second.subject).toBe('Fwd: Urgent wire');
		expect(second.text).toMatch(
			/^FYI\n\n---------- Forwarded message ---------\nFrom: Phisher <ceo@evil.test>\nDate: Tue, 01 Dec 2026 10:00:00 GMT\nSubject: Urgent wire\nTo: soc-fwd-\S+\n\nPay now: http:\/\/evil.test\/pay/,
		);
		expect(second.attachments.map((attachment) => [attachment.filename, [...attachment.content]])).toEqual([
			['invoice.bin', [0, 1, 2, 250, 251]],
		]);
		expect((await folderState(soc, 'INBOX'))[0].flags).toEqual([]);
	});
});
