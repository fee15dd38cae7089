import { createHash } from 'node:crypto';

import { simpleParser, type AddressObject } from 'mailparser';

import { Email } from '../../nodes/Email/Email.node';
import { binaryItem, runNode } from '../helpers/nodeContext';
import { credentialsFor, newMailbox, openMailbox, servers, waitForMessages } from '../helpers/servers';

const addresses = (field: AddressObject | AddressObject[] | undefined) =>
	(Array.isArray(field) ? field : field ? [field] : []).flatMap((entry) => entry.value.map((v) => v.address));

async function send(
	sender: string,
	parameters: Record<string, unknown>,
	extra: {
		items?: Parameters<typeof runNode>[1]['items'];
		continueOnFail?: boolean;
		credentials?: Record<string, unknown>;
	} = {},
) {
	const [items] = await runNode(new Email(), {
		parameters: { operation: 'send', cc: '', bcc: '', options: {}, ...parameters },
		credentials: extra.credentials ?? credentialsFor(sender),
		items: extra.items,
		continueOnFail: extra.continueOnFail,
	});
	return items;
}

describe('send', () => {
	it('delivers subject, html and text bodies, To and Cc exactly', async () => {
		const [sender, to1, to2, cc] = [newMailbox('from'), newMailbox('to'), newMailbox('to'), newMailbox('cc')];
		const subject = 'Incident 4711: Verdächtige Anmeldung ✓';
		const [item] = await send(sender, {
			recipients: ` ${to1} ,${to2}  `,
			cc,
			subject,
			content: '<p>Hello <b>analyst</b></p><p>Second paragraph</p>',
		});
		expect(item.json).toMatchObject({ is_success: true, rejected: [] });
		expect(item.json.accepted).toEqual(expect.arrayContaining([to1, to2, cc]));
		expect(item.json.message_id).toMatch(/^<.+@.+>$/);

		const [stored] = await waitForMessages(to1, 1);
		const parsed = await simpleParser(stored.source);
		expect(parsed.subject).toBe(subject);
		expect(parsed.html).toContain('<p>Hello <b>analyst</b></p>');
		expect(parsed.text).toContain('Hello analyst');
		expect(parsed.text).toContain('Second paragraph');
		expect(addresses(parsed.to)).toEqual([to1, to2]);
		expect(addresses(parsed.cc)).toEqual([cc]);
		expect(addresses(parsed.from)).toEqual([sender]);
		expect(parsed.messageId).toBe(item.json.message_id);
		await waitForMessages(to2, 1);
		await waitForMessages(cc, 1);
	});

	it('sends plain text when contentType is text', async () => {
		const [sender, to] = [newMailbox('from'), newMailbox('to')];
		await send(sender, {
			recipients: to,
			subject: 'plain',
			content: 'line one\nline <two>',
			options: { contentType: 'text' },
		});
		const parsed = await simpleParser((await waitForMessages(to, 1))[0].source);
		expect(parsed.html).toBe(false);
		expect(parsed.text?.trim()).toBe('line one\nline <two>');
	});

	it('delivers to Bcc without any header showing it', async () => {
		const [sender, to, bcc] = [newMailbox('from'), newMailbox('to'), newMailbox('bcc')];
		await send(sender, { recipients: to, bcc, subject: 'bcc check', content: 'hi' });
		const [bccCopy] = await waitForMessages(bcc, 1);
		const [toCopy] = await waitForMessages(to, 1);
		for (const copy of [bccCopy, toCopy]) {
			const headerBlock = copy.source.toString('utf8').split(/\r?\n\r?\n/)[0];
			expect(headerBlock).not.toMatch(/^bcc:/im);
			expect(headerBlock).not.toContain(bcc);
		}
	});

	it('attaches binary properties byte-identical, with name and type', async () => {
		const [sender, to] = [newMailbox('from'), newMailbox('to')];
		const pdf = Buffer.concat([
			Buffer.from('%PDF-1.4\n'),
			Buffer.from(Array.from({ length: 50000 }, (_, i) => (i * 31) % 256)),
		]);
		const item = binaryItem('report', pdf, 'case report.pdf', 'application/pdf');
		item.binary!.logo = binaryItem('logo', Buffer.from('GIF89a-bytes'), 'logo.gif', 'image/gif').binary!.logo;
		await send(
			sender,
			{ recipients: to, subject: 'with files', content: 'see attached', options: { attachments: 'report, logo' } },
			{ items: [item] },
		);
		const parsed = await simpleParser((await waitForMessages(to, 1))[0].source);
		expect(parsed.attachments.map((a) => a.filename)).toEqual(['case report.pdf', 'logo.gif']);
		const [report] = parsed.attachments;
		expect(report.contentType).toBe('application/pdf');
		expect(createHash('sha256').update(report.content).digest('hex')).toBe(
			createHash('sha256').update(pdf).digest('hex'),
		);
	});

	it('threads a reply with In-Reply-To and References, and sets Reply-To, From name and custom headers', async () => {
		const [sender, to, replyTo] = [newMailbox('from'), newMailbox('to'), newMailbox('replies')];
		await send(sender, {
			recipients: to,
			subject: 'Re: case',
			content: 'answer',
			options: {
				inReplyTo: 'original-123@example.org',
				replyTo,
				fromName: 'SOC Bot',
				headers: { header: [{ name: 'X-Case-ID', value: 'CASE-42' }] },
			},
		});
		const parsed = await simpleParser((await waitForMessages(to, 1))[0].source);
		expect(parsed.inReplyTo).toBe('<original-123@example.org>');
		expect(parsed.references).toBe('<original-123@example.org>');
		expect(addresses(parsed.replyTo)).toEqual([replyTo]);
		expect((parsed.from as AddressObject).value[0]).toEqual({ name: 'SOC Bot', address: sender });
		expect(parsed.headers.get('x-case-id')).toBe('CASE-42');
	});

	it('delivers mail for foreign domains to the local catch-all only', async () => {
		const sender = newMailbox('from');
		const subject = `foreign ${Date.now()} ${Math.random()}`;
		const [item] = await send(sender, {
			recipients: 'someone@foreign-domain.example.com',
			subject,
			content: 'stays local',
		});
		expect(item.json.accepted).toEqual(['someone@foreign-domain.example.com']);
		const deadline = Date.now() + 15000;
		let found = 0;
		while (!found && Date.now() < deadline) {
			found = await openMailbox(`catchall@${servers().domain}`, async (client) => {
				const lock = await client.getMailboxLock('INBOX');
				try {
					const uids = await client.search({ subject }, { uid: true });
					return uids ? uids.length : 0;
				} finally {
					lock.release();
				}
			});
			if (!found) await new Promise((resolve) => setTimeout(resolve, 200));
		}
		expect(found).toBe(1);
	});

	it('sends many items of one execution over shared connections, outputs in item order', async () => {
		const sender = newMailbox('from');
		const recipients = Array.from({ length: 12 }, () => newMailbox('bulk'));
		const items = recipients.map((recipient, index) => ({ json: { recipient, index } }));
		const [[...outputs]] = await runNode(new Email(), {
			parameters: { operation: 'send', recipients: '', cc: '', bcc: '', subject: 'bulk', content: 'hi', options: {} },
			credentials: credentialsFor(sender),
			items,
			// Each item's recipient comes from its own json, as an expression would give it.
			perItem: (name, itemIndex) =>
				name === 'recipients' ? recipients[itemIndex] : name === 'subject' ? `bulk ${itemIndex}` : undefined,
		});
		expect(outputs.map((output) => output.pairedItem)).toEqual(recipients.map((_, item) => ({ item })));
		expect(outputs.map((output) => output.json.accepted)).toEqual(recipients.map((recipient) => [recipient]));
		expect(new Set(outputs.map((output) => output.json.message_id)).size).toBe(recipients.length);
		for (const [index, recipient] of recipients.entries()) {
			const parsed = await simpleParser((await waitForMessages(recipient, 1))[0].source);
			expect(parsed.subject).toBe(`bulk ${index}`);
		}
	});

	it('reports a bad item in place with continueOnFail while the others are sent', async () => {
		const sender = newMailbox('from');
		const recipients = [newMailbox('bulk'), 'broken@', newMailbox('bulk')];
		const [outputs] = await runNode(new Email(), {
			parameters: { operation: 'send', recipients: '', cc: '', bcc: '', subject: 'mixed', content: 'hi', options: {} },
			credentials: credentialsFor(sender),
			items: recipients.map(() => ({ json: {} })),
			continueOnFail: true,
			perItem: (name, itemIndex) => (name === 'recipients' ? recipients[itemIndex] : undefined),
		});
		expect(outputs[0].json.is_success).toBe(true);
		expect(outputs[1]).toEqual({
			json: { error: expect.stringMatching(/invalid email address: "broken@"/) },
			pairedItem: { item: 1 },
		});
		expect(outputs[2].json.is_success).toBe(true);
		await waitForMessages(recipients[0], 1);
		await waitForMessages(recipients[2], 1);
	});

	describe('refuses bad input before anything is sent', () => {
		// The SMTP port points at nothing: a connection attempt would fail differently.
		const offline = (user: string) => credentialsFor(user, { smtpPort: 1 });

		it.each([
			['CR/LF in the subject', { subject: 'hello\r\nBcc: victim@example.test' }, /Subject contains a line break/],
			[
				'LF in a header value',
				{ options: { headers: { header: [{ name: 'X-A', value: 'a\nBcc: x@example.test' }] } } },
				/Header "X-A" contains a line break/,
			],
			[
				'a reserved header',
				{ options: { headers: { header: [{ name: 'Bcc', value: 'x@example.test' }] } } },
				/set by the node itself/,
			],
			[
				'an invalid recipient',
				{ recipients: 'not-an-address' },
				/Recipients has an invalid email address: "not-an-address"/,
			],
			['an invalid cc', { cc: 'ok@example.test, broken@' }, /CC has an invalid email address/],
			['LF in the recipients', { recipients: 'a@example.test\nb@example.test' }, /Recipients contains a line break/],
			['CR/LF in From Name', { options: { fromName: 'Bot\r\nX-Evil: 1' } }, /From Name contains a line break/],
			['a missing binary property', { options: { attachments: 'nope' } }, /no binary property "nope"/],
		])('%s', async (_title, override, message) => {
			const user = newMailbox('bad');
			const parameters = { recipients: newMailbox('to'), subject: 'x', content: 'y', ...override };
			await expect(send(user, parameters, { credentials: offline(user) })).rejects.toThrow(message);
		});

		it('returns the error as an item with continueOnFail', async () => {
			const user = newMailbox('bad');
			const items = await send(
				user,
				{ recipients: 'nope', subject: 'x', content: 'y' },
				{ credentials: offline(user), continueOnFail: true },
			);
			expect(items).toEqual([
				{ json: { error: expect.stringMatching(/invalid email address/) }, pairedItem: { item: 0 } },
			]);
		});
	});

	it('keeps the password out of the error when the login fails', async () => {
		const user = newMailbox('from');
		const password = 'Sup3r-Secret-Pass';
		const error = await send(
			user,
			{ recipients: newMailbox('to'), subject: 'x', content: 'y' },
			{ credentials: credentialsFor(user, { password }) },
		).catch((e: Error) => e);
		expect(error).toBeInstanceOf(Error);
		expect((error as Error).message).toMatch(/SMTP server .* rejected the login/);
		expect(
			JSON.stringify({
				message: (error as Error).message,
				description: (error as { description?: string }).description,
			}),
		).not.toContain(password);
	});
});
