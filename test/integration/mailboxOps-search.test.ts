import { startFaultProxy } from '../helpers/faultProxy';
import { folderState, rawMail, run, subjectsIn } from '../helpers/mailboxOps';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { writeMaildir } = require('../../bench/lib') as {
	writeMaildir: (info: unknown, address: string, count: number, contents: (index: number) => Buffer) => string;
};

import { appendMessages, credentialsFor, newMailbox, openMailbox, servers } from '../helpers/servers';

describe('Search Emails', () => {
	it('filters by sender, subject (non-ASCII, quotes), text, unread and Message-ID; newest first; limit after sorting', async () => {
		const address = newMailbox('search');
		const credentials = credentialsFor(address);
		await appendMessages(address, [
			rawMail('Invoice 1', { from: 'billing@vendor.test' }),
			rawMail('Grüße "quoted" aus Köln', { from: 'kollege@example.test' }),
			rawMail('Invoice 2', { from: 'billing@vendor.test', body: 'The password reset link is here' }),
			rawMail('Invoice 3', { from: 'billing@vendor.test', id: 'exact-id@example.test' }),
			rawMail('Other', { id: 'xexact-id@example.test' }),
		]);
		await appendMessages(address, [rawMail('Invoice 4 read', { from: 'billing@vendor.test' })], { flags: ['\\Seen'] });

		const all = await run(credentials, { operation: 'search', limit: 50 });
		expect(all.map((item) => item.json.subject)).toEqual([
			'Invoice 4 read',
			'Other',
			'Invoice 3',
			'Invoice 2',
			'Grüße "quoted" aus Köln',
			'Invoice 1',
		]);
		const newest2 = await run(credentials, { operation: 'search', from: 'billing@vendor.test', limit: 2 });
		expect(newest2.map((item) => item.json.subject)).toEqual(['Invoice 4 read', 'Invoice 3']);
		const oldest2 = await run(credentials, {
			operation: 'search',
			from: 'billing@vendor.test',
			limit: 2,
			options: { newestFirst: false },
		});
		expect(oldest2.map((item) => item.json.subject)).toEqual(['Invoice 1', 'Invoice 2']);
		expect(
			(await run(credentials, { operation: 'search', subject: 'Grüße "quoted"', limit: 50 })).map(
				(item) => item.json.subject,
			),
		).toEqual(['Grüße "quoted" aus Köln']);
		expect((await run(credentials, { operation: 'search', subject: 'Köln', limit: 50 })).length).toBe(1);
		expect(
			(await run(credentials, { operation: 'search', text: 'password reset', limit: 50 })).map(
				(item) => item.json.subject,
			),
		).toEqual(['Invoice 2']);
		expect(
			(await run(credentials, { operation: 'search', from: 'billing', unreadOnly: true, limit: 50 })).map(
				(item) => item.json.subject,
			),
		).toEqual(['Invoice 3', 'Invoice 2', 'Invoice 1']);
		const byId = await run(credentials, { operation: 'search', messageId: 'exact-id@example.test', limit: 50 });
		expect(byId.map((item) => item.json.subject)).toEqual(['Invoice 3']);
		expect(byId[0].json).toMatchObject({
			message_id: '<exact-id@example.test>',
			folder: 'INBOX',
			from: 'billing@vendor.test',
			to: ['soc@example.test'],
			flags: expect.not.arrayContaining(['\\Seen']),
			has_attachments: false,
		});
		expect(byId[0].json.body).toBeUndefined();
		expect(await run(credentials, { operation: 'search', subject: 'no such subject', limit: 50 })).toEqual([]);
		const since = await run(credentials, {
			operation: 'search',
			since: new Date(Date.now() - 60_000).toISOString(),
			before: new Date(Date.now() + 60_000).toISOString(),
			limit: 50,
		});
		expect(since.length).toBe(6);
		expect(
			await run(credentials, { operation: 'search', before: new Date(Date.now() - 3600_000).toISOString(), limit: 50 }),
		).toEqual([]);
		// Searching changed no flag.
		expect((await folderState(address, 'INBOX')).map((entry) => entry.flags)).toEqual([[], [], [], [], [], ['\\Seen']]);
	});

	it('includes body and attachment metadata when asked, and refuses a filter with a line break', async () => {
		const address = newMailbox('search-body');
		const credentials = credentialsFor(address);
		const withAttachment = [
			'From: a@example.test',
			'To: soc@example.test',
			'Subject: With file',
			'Message-ID: <file@example.test>',
			'MIME-Version: 1.0',
			'Content-Type: multipart/mixed; boundary="b"',
			'',
			'--b',
			'Content-Type: text/plain',
			'',
			'See attached',
			'--b',
			'Content-Type: application/pdf; name="report.pdf"',
			'Content-Disposition: attachment; filename="report.pdf"',
			'Content-Transfer-Encoding: base64',
			'',
			Buffer.from('%PDF-1.4').toString('base64'),
			'--b--',
			'',
		].join('\r\n');
		await appendMessages(address, [withAttachment]);
		const [item] = await run(credentials, { operation: 'search', limit: 50, options: { includeBody: true } });
		expect(item.json).toMatchObject({
			subject: 'With file',
			has_attachments: true,
			body: expect.stringContaining('See attached'),
			attachments: [expect.objectContaining({ filename: 'report.pdf', contentType: 'application/pdf', size: 8 })],
		});
		await expect(run(credentials, { operation: 'search', subject: 'x\r\nA1 DELETE INBOX', limit: 50 })).rejects.toThrow(
			/Subject filter contains a line break/,
		);
		await expect(run(credentials, { operation: 'search', from: 'x\ny', limit: 50 })).rejects.toThrow(
			/From filter contains a line break/,
		);
		expect(await subjectsIn(address, 'INBOX')).toEqual(['With file']);
	});

	it('costs one SEARCH and one FETCH however many mails match', async () => {
		const address = newMailbox('search-count');
		await appendMessages(
			address,
			Array.from({ length: 120 }, (_, i) => rawMail(`Count ${i}`)),
		);
		const proxy = await startFaultProxy(servers().ports.imap);
		try {
			const items = await run(credentialsFor(address, { imapPort: proxy.port, imapSecurity: 'none' }), {
				operation: 'search',
				subject: 'Count',
				limit: 100,
			});
			expect(items.length).toBe(100);
			expect(items[0].json.subject).toBe('Count 119');
			const commands = proxy.clientText
				.split('\r\n')
				.map((line) => line.split(' ').slice(1, 3).join(' ').toUpperCase());
			expect(commands.filter((command) => /^UID SEARCH|^SEARCH/.test(command))).toHaveLength(1);
			expect(commands.filter((command) => /^UID FETCH|^FETCH/.test(command))).toHaveLength(1);
		} finally {
			await proxy.close();
		}
	});

	it('searches a 10,000-mail folder in one SEARCH and one FETCH (measured)', async () => {
		const address = newMailbox('search-10k');
		const size = 10_000;
		writeMaildir(servers(), address, size, (index) =>
			Buffer.from(
				rawMail(`Alert ${index}`, {
					from: `sensor-${index % 100}@example.test`,
					id: `alert-${index}@example.test`,
					body: `Alert body ${index} ${index % 250 === 0 ? 'ransomware' : 'routine'}`,
				}),
			),
		);
		// Dovecot indexes the new Maildir files on the first SELECT; that is set-up, not search.
		expect(await openMailbox(address, async (client) => (await client.mailboxOpen('INBOX')).exists)).toBe(size);
		const proxy = await startFaultProxy(servers().ports.imap);
		const credentials = credentialsFor(address, { imapPort: proxy.port, imapSecurity: 'none' });
		const timings: Record<string, number> = {};
		try {
			const cases: Array<[string, Record<string, unknown>, number, string]> = [
				['newest 50 of all 10,000', { limit: 50 }, 50, 'Alert 9999'],
				['newest 50 of 10,000 matching a subject', { subject: 'Alert', limit: 50 }, 50, 'Alert 9999'],
				['from one sender (100 match), limit 500', { from: 'sensor-7@example.test', limit: 500 }, 100, 'Alert 9907'],
				[
					'body text (40 match), with bodies',
					{ text: 'ransomware', limit: 50, options: { includeBody: true } },
					40,
					'Alert 9750',
				],
				['oldest 1000 of all', { limit: 1000, options: { newestFirst: false } }, 1000, 'Alert 0'],
			];
			for (const [name, parameters, count, first] of cases) {
				const before = proxy.clientText.length;
				const started = Date.now();
				const items = await run(credentials, { operation: 'search', ...parameters });
				timings[name] = Date.now() - started;
				expect(items.length).toBe(count);
				expect(items[0].json.subject).toBe(first);
				const commands = proxy.clientText
					.slice(before)
					.split('\r\n')
					.map((line) => line.split(' ').slice(1, 3).join(' ').toUpperCase());
				expect(commands.filter((command) => /^(UID )?SEARCH/.test(command))).toHaveLength(1);
				expect(commands.filter((command) => /^(UID )?FETCH/.test(command))).toHaveLength(1);
			}
		} finally {
			await proxy.close();
		}
		console.log(
			`Search Emails over a ${size.toLocaleString('en')}-mail folder (ms, login included):\n${Object.entries(timings)
				.map(([name, ms]) => `  ${name}: ${ms}`)
				.join('\n')}`,
		);
		for (const ms of Object.values(timings)) expect(ms).toBeLessThan(10_000);
	}, 180_000);
});
