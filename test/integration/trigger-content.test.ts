import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

import nodemailer from 'nodemailer';

import { createSmtpTransport } from '../../nodes/mail';
import { APPLE_BODY, forwardedMail, GMAIL_BODY, ORIGINAL, OUTLOOK_BODY } from '../fixtures/forwarded';
import { jsonOf, triggerHarness } from '../helpers/pollContext';
import { fixtureMails, mailCorpus } from '../helpers/corpus';
import { accountFor, appendMessages, credentialsFor, newMailbox, waitForMessages } from '../helpers/servers';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

describe('Mailbox Trigger items', () => {
	/** Polls a mailbox holding every mail of `files`, over several cycles: one item each, with the server's bytes. */
	async function expectOneItemEach(files: string[], mailbox: string, maxEmailsPerCycle: number): Promise<void> {
		const address = newMailbox(mailbox);
		const uids = await appendMessages(
			address,
			files.map((file) => readFileSync(file)),
		);
		const stored = new Map(
			(await waitForMessages(address, files.length)).map((message) => [message.uid, message.source]),
		);
		const trigger = triggerHarness({
			credentials: credentialsFor(address),
			parameters: {
				maxEmailsPerCycle,
				attachOriginalEml: true,
				extractionRules: { rules: [{ name: 'ip', regex: '\\b\\d{1,3}(?:\\.\\d{1,3}){3}\\b' }] },
			},
		});
		const emitted: number[] = [];
		for (let poll = 0; poll < 5; poll++) {
			for (const item of await trigger.poll()) {
				emitted.push(Number(item.json.email_uid));
				// The server's bytes, unchanged, for every message however broken.
				expect(
					Buffer.from(item.binary!.original_eml.data, 'base64').equals(stored.get(Number(item.json.email_uid))!),
				).toBe(true);
				expect(typeof item.json.body).toBe('string');
				expect(Array.isArray(item.json.urls)).toBe(true);
			}
		}
		expect(emitted).toEqual(uids);
	}

	it('turns every fixture message into exactly one item', async () => {
		await expectOneItemEach(fixtureMails(), 'fixtures', 8);
	});

	mailCorpus.it('turns every message of the corpus into exactly one item', async () => {
		const files = mailCorpus.files();
		expect(files.length).toBeGreaterThanOrEqual(100);
		await expectOneItemEach(files, 'corpus', 40);
	});

	it('builds the item: addresses, ISO dates, text from HTML-only mail, attachments with hashes, urls, rules, environment, product and event fields', async () => {
		const address = newMailbox('item');
		const pdf = Buffer.from('%PDF-1.4 fake invoice 10.1.2.3\n');
		const raw = await new Promise<Buffer>((resolve, reject) => {
			nodemailer.createTransport({ streamTransport: true, buffer: true }).sendMail(
				{
					from: 'Alerting <alerts@corp.test>',
					to: ['Soc <soc@corp.test>', 'second@corp.test'],
					cc: 'cc@corp.test',
					replyTo: 'noreply@corp.test',
					subject: '[PROD] Suspicious login from 203.0.113.9',
					date: new Date('2024-06-04T12:34:56+02:00'),
					html: '<p>Login from <b>203.0.113.9</b> and 198.51.100.7. <a href="https://evil.test/phish?id=1">Verify</a></p>',
					attachments: [{ filename: 'invoice.pdf', content: pdf, contentType: 'application/pdf' }],
					headers: { 'X-Mailer': 'AlertBot 1.0' },
				},
				(error, info) => (error ? reject(error) : resolve(info.message as Buffer)),
			);
		});
		await appendMessages(address, [raw]);
		const trigger = triggerHarness({
			credentials: credentialsFor(address),
			parameters: {
				extractionRules: {
					rules: [
						{ name: 'ip', regex: '\\b\\d{1,3}(?:\\.\\d{1,3}){3}\\b' },
						{ name: 'domain', regex: 'https?://([^/]+)' },
					],
				},
				environmentRegex: '\\[(\\w+)\\]',
				productFieldName: 'product',
				eventFieldName: 'event',
				attachOriginalEml: true,
			},
		});
		const [item] = await trigger.poll();
		expect(item.json).toMatchObject({
			subject: '[PROD] Suspicious login from 203.0.113.9',
			from: 'alerts@corp.test',
			from_name: 'Alerting',
			to: ['soc@corp.test', 'second@corp.test'],
			cc: ['cc@corp.test'],
			reply_to: ['noreply@corp.test'],
			date: '2024-06-04T10:34:56.000Z',
			email_time: Date.parse('2024-06-04T10:34:56Z'),
			message_id: expect.stringMatching(/^<.+>$/),
			folder: 'INBOX',
			flags: expect.not.arrayContaining(['\\Seen']),
			headers: expect.objectContaining({ 'x-mailer': 'AlertBot 1.0' }),
			attachments: [
				{
					filename: 'invoice.pdf',
					contentType: 'application/pdf',
					size: pdf.length,
					md5: createHash('md5').update(pdf).digest('hex'),
					sha256: sha256(pdf),
				},
			],
			regex: { ip: ['203.0.113.9', '198.51.100.7'], domain: ['evil.test'] },
			regex_ip: '203.0.113.9',
			regex_ip_1: '203.0.113.9',
			regex_ip_2: '198.51.100.7',
			urls: ['https://evil.test/phish?id=1'],
			environment: 'PROD',
			product: 'Mail',
			event: `Monitored Mailbox ${address}`,
		});
		// HTML-only mail: the text body is the HTML rendered to text, link targets included (so rules see them).
		expect(item.json.body).toContain('Login from 203.0.113.9 and 198.51.100.7. Verify [https://evil.test/phish?id=1]');
		expect(item.json.html_body).toContain('<b>203.0.113.9</b>');
		expect(item.json.parse_error).toBeUndefined();
		expect(Buffer.from(item.binary!.attachment_0.data, 'base64').equals(pdf)).toBe(true);
		expect(item.binary!.attachment_0).toMatchObject({ fileName: 'invoice.pdf', mimeType: 'application/pdf' });
		expect(sha256(Buffer.from(item.binary!.original_eml.data, 'base64'))).toBe(sha256(raw));
	});

	it('gives the original subject, from and to of Gmail, Outlook and Apple Mail forwards delivered through Postfix', async () => {
		const address = newMailbox('forwards');
		const transport = createSmtpTransport(accountFor(newMailbox('reporter')));
		try {
			for (const [prefix, body] of [
				['Fwd:', GMAIL_BODY],
				['FW:', OUTLOOK_BODY],
				['Fwd:', APPLE_BODY],
			] as const) {
				await transport.sendMail({
					envelope: { from: 'reporter@corp.test', to: [address] },
					raw: forwardedMail(prefix, body, { to: address }),
				});
			}
		} finally {
			transport.close();
		}
		await waitForMessages(address, 3);
		const items = jsonOf(await triggerHarness({ credentials: credentialsFor(address), parameters: {} }).poll());
		expect(items).toHaveLength(3);
		for (const item of items) {
			expect(item.forwarded).toEqual(ORIGINAL);
			expect(item.last_email_sender).toBe('reporter@corp.test');
			expect(item.last_email_recipient).toBe(address);
		}
	});

	it('a rule like (a+)+$ against a 100 KB body of "a" followed by "!" does not stall the poll', async () => {
		const address = newMailbox('redos');
		await appendMessages(address, [
			[
				'From: x@corp.test',
				'To: soc@corp.test',
				'Subject: redos',
				'Content-Type: text/plain',
				'',
				`${'a'.repeat(100_000)}!`,
				'',
			].join('\r\n'),
		]);
		const trigger = triggerHarness({
			credentials: credentialsFor(address),
			parameters: {
				extractionRules: { rules: [{ name: 'evil', regex: '(a+)+$' }] },
				environmentRegex: '(a|aa)+$',
				environmentField: 'body',
			},
		});
		const started = Date.now();
		const [item] = await trigger.poll();
		expect(Date.now() - started).toBeLessThan(3000);
		expect(item.json.regex).toEqual({ evil: [] });
		expect(item.json.environment).toBe('Default Environment');
	});

	it('emits a mail whose body cannot be parsed, with parse_error and what could be read', async () => {
		const address = newMailbox('broken');
		// Deeper MIME nesting than the parser accepts: the headers still read, the body does not.
		const depth = 300;
		const parts: string[] = [];
		for (let i = 0; i < depth; i++) parts.push(`Content-Type: multipart/mixed; boundary="b${i}"`, '', `--b${i}`);
		const raw = [
			'From: deep@corp.test',
			'To: soc@corp.test',
			'Subject: Nested too deep',
			'MIME-Version: 1.0',
			...parts,
			'Content-Type: text/plain',
			'',
			'core',
			'',
		].join('\r\n');
		await appendMessages(address, [raw]);
		const trigger = triggerHarness({ credentials: credentialsFor(address), parameters: {} });
		const [item] = await trigger.poll();
		expect(item.json).toMatchObject({
			subject: 'Nested too deep',
			from: 'deep@corp.test',
			parse_error: expect.any(String),
		});
		expect(await trigger.poll()).toEqual([]);
	});
});
