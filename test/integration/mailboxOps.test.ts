import { simpleParser, type ParsedMail } from 'mailparser';

import { Email } from '../../nodes/Email/Email.node';
import { hideCapabilities, startFaultProxy, type FaultProxy } from '../helpers/faultProxy';
import { runNode } from '../helpers/nodeContext';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { writeMaildir } = require('../../bench/lib') as {
	writeMaildir: (info: unknown, address: string, count: number, contents: (index: number) => Buffer) => string;
};

import { appendMessages, credentialsFor, newMailbox, openMailbox, servers, waitForMessages } from '../helpers/servers';

function rawMail(
	subject: string,
	{
		id = `${subject.replace(/\W+/g, '-')}-${Math.random().toString(16).slice(2)}@example.test`,
		from = 'Reporter <reporter@example.test>',
		to = 'soc@example.test',
		extra = [] as string[],
		body = `Body of ${subject}`,
	} = {},
): string {
	return [
		`From: ${from}`,
		`To: ${to}`,
		`Subject: ${subject}`,
		`Date: ${new Date().toUTCString()}`,
		`Message-ID: <${id}>`,
		...extra,
		'MIME-Version: 1.0',
		'Content-Type: text/plain; charset=utf-8',
		'',
		body,
		'',
	].join('\r\n');
}

async function run(credentials: Record<string, unknown>, parameters: Record<string, unknown>, continueOnFail = false) {
	const [items] = await runNode(new Email(), {
		parameters: { folder: 'INBOX', messageId: '', emailUid: '', options: {}, ...parameters },
		credentials,
		continueOnFail,
	});
	return items;
}

/** Subjects and flags of the mail in a folder, in UID order. */
async function folderState(
	address: string,
	folder: string,
): Promise<Array<{ uid: number; subject: string; flags: string[] }>> {
	return openMailbox(address, async (client) => {
		const lock = await client.getMailboxLock(folder, { readOnly: true }).catch(() => undefined);
		if (!lock) return [];
		try {
			const found: Array<{ uid: number; subject: string; flags: string[] }> = [];
			if ((client.mailbox && typeof client.mailbox !== 'boolean' ? client.mailbox.exists : 0) === 0) return found;
			for await (const message of client.fetch('1:*', { uid: true, envelope: true, flags: true }))
				found.push({
					uid: message.uid,
					subject: message.envelope?.subject ?? '',
					flags: [...(message.flags ?? [])].filter((flag) => flag !== '\\Recent').sort(),
				});
			return found.sort((a, b) => a.uid - b.uid);
		} finally {
			lock.release();
		}
	});
}

const subjectsIn = async (address: string, folder: string) =>
	(await folderState(address, folder)).map((entry) => entry.subject);

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

describe('Move, Delete and Mark', () => {
	it('moves one mail by Message-ID or UID, says its new UID, and answers found: false for a mail not there', async () => {
		const address = newMailbox('move');
		const credentials = credentialsFor(address);
		await appendMessages(address, [
			rawMail('Keep'),
			rawMail('Handled', { id: 'handled@example.test' }),
			rawMail('By UID'),
		]);
		await appendMessages(address, [rawMail('Already there')], { folder: 'Processed' });
		const [moved] = await run(credentials, {
			operation: 'move',
			messageId: 'handled@example.test',
			destinationFolder: { __rl: true, mode: 'list', value: 'Processed' },
		});
		expect(moved.json).toEqual({
			found: true,
			moved: true,
			message_id: '<handled@example.test>',
			from_folder: 'INBOX',
			to_folder: 'Processed',
			new_email_uid: 2,
		});
		expect(await subjectsIn(address, 'INBOX')).toEqual(['Keep', 'By UID']);
		expect(await subjectsIn(address, 'Processed')).toEqual(['Already there', 'Handled']);
		const [byUid] = await run(credentials, { operation: 'move', emailUid: '3', destinationFolder: 'Processed' });
		expect(byUid.json).toMatchObject({ found: true, moved: true, new_email_uid: 3 });
		const [missing] = await run(credentials, {
			operation: 'move',
			messageId: 'handled@example.test',
			destinationFolder: 'Processed',
		});
		expect(missing.json).toEqual({
			found: false,
			moved: false,
			message_id: '<handled@example.test>',
			from_folder: 'INBOX',
			to_folder: 'Processed',
			new_email_uid: null,
		});
		await expect(run(credentials, { operation: 'move', emailUid: '1', destinationFolder: 'Nowhere' })).rejects.toThrow(
			/Destination Folder "Nowhere" does not exist.*Create Folder/,
		);
		const [created] = await run(credentials, {
			operation: 'move',
			emailUid: '1',
			destinationFolder: 'Cases/2026',
			options: { createFolder: true },
		});
		expect(created.json).toMatchObject({ found: true, moved: true, to_folder: 'Cases/2026' });
		expect(await subjectsIn(address, 'Cases/2026')).toEqual(['Keep']);
		expect(await subjectsIn(address, 'INBOX')).toEqual([]);
	});

	it('deletes to the \\Trash folder, or for good without touching another mail flagged \\Deleted', async () => {
		const address = newMailbox('delete');
		const credentials = credentialsFor(address);
		await appendMessages(address, [
			rawMail('Phish 1', { id: 'phish-1@example.test' }),
			rawMail('Phish 2', { id: 'phish-2@example.test' }),
		]);
		await appendMessages(address, [rawMail('Someone else deleted this')], { flags: ['\\Deleted'] });
		const [trashed] = await run(credentials, { operation: 'delete', messageId: '<phish-1@example.test>' });
		expect(trashed.json).toEqual({
			found: true,
			deleted: true,
			message_id: '<phish-1@example.test>',
			to_folder: 'Trash',
		});
		expect(await subjectsIn(address, 'Trash')).toEqual(['Phish 1']);
		const [gone] = await run(credentials, {
			operation: 'delete',
			messageId: 'phish-2@example.test',
			options: { permanent: true },
		});
		expect(gone.json).toEqual({ found: true, deleted: true, message_id: '<phish-2@example.test>', to_folder: null });
		expect(await folderState(address, 'INBOX')).toEqual([
			{ uid: 3, subject: 'Someone else deleted this', flags: ['\\Deleted'] },
		]);
		const [again] = await run(credentials, {
			operation: 'delete',
			messageId: 'phish-2@example.test',
			options: { permanent: true },
		});
		expect(again.json).toEqual({ found: false, deleted: false, message_id: '<phish-2@example.test>', to_folder: null });
		await expect(run(credentials, { operation: 'delete', folder: 'Trash', emailUid: '1' })).rejects.toThrow(
			/already in the trash folder.*Permanent/,
		);
		const [failed] = await run(credentials, { operation: 'delete' }, true);
		expect(failed.json.error).toMatch(/Neither Message ID nor Email UID/);
	});

	it('marks read, unread, flagged and unflagged, adds and removes keywords, and says the flags after', async () => {
		const address = newMailbox('flags');
		const credentials = credentialsFor(address);
		await appendMessages(address, [rawMail('Mark me', { id: 'mark@example.test' }), rawMail('Leave me')]);
		const mark = async (markAs: string, options = {}) =>
			(await run(credentials, { operation: 'setFlags', messageId: 'mark@example.test', markAs, options }))[0].json;
		expect(await mark('read', { addKeywords: '$Phishing, Triaged' })).toEqual({
			found: true,
			message_id: '<mark@example.test>',
			flags: expect.arrayContaining(['\\Seen', '$Phishing', 'Triaged']),
		});
		expect(((await mark('flagged', { removeKeywords: 'Triaged' })).flags as string[]).sort()).toEqual([
			'$Phishing',
			'\\Flagged',
			'\\Seen',
		]);
		expect(((await mark('unread')).flags as string[]).sort()).toEqual(['$Phishing', '\\Flagged']);
		expect((await mark('unflagged', { removeKeywords: '$Phishing' })).flags).toEqual([]);
		await expect(mark('read', { addKeywords: 'two words' })).rejects.toThrow(/"two words" is not a valid IMAP keyword/);
		const [missing] = await run(credentials, { operation: 'setFlags', emailUid: '99', markAs: 'read' });
		expect(missing.json).toEqual({ found: false, message_id: '', flags: [] });
		expect((await folderState(address, 'INBOX')).map((entry) => entry.flags)).toEqual([[], []]);
	});
});

describe('on a server without MOVE and UIDPLUS (capabilities hidden by a proxy)', () => {
	let proxy: FaultProxy;
	afterEach(async () => proxy?.close());

	const sentCommands = () =>
		proxy.clientText.split('\r\n').map((line) => line.split(' ').slice(1).join(' ').toUpperCase());

	it('without MOVE: moves by UID COPY, \\Deleted and UID EXPUNGE of that UID only; other \\Deleted mail stays', async () => {
		proxy = await startFaultProxy(servers().ports.imap, { rewriteAnswer: hideCapabilities('MOVE') });
		const address = newMailbox('nomove');
		const credentials = credentialsFor(address, { imapPort: proxy.port, imapSecurity: 'none' });
		await appendMessages(address, [rawMail('Move me', { id: 'move-me@example.test' })]);
		await appendMessages(address, [rawMail('Deleted by someone else')], { flags: ['\\Deleted'] });
		const [moved] = await run(credentials, {
			operation: 'move',
			messageId: 'move-me@example.test',
			destinationFolder: 'Archive',
		});
		expect(moved.json).toMatchObject({ found: true, moved: true, to_folder: 'Archive', new_email_uid: 1 });
		expect(await subjectsIn(address, 'Archive')).toEqual(['Move me']);
		expect(await folderState(address, 'INBOX')).toEqual([
			{ uid: 2, subject: 'Deleted by someone else', flags: ['\\Deleted'] },
		]);
		const commands = sentCommands();
		expect(commands.some((command) => command.startsWith('UID MOVE'))).toBe(false);
		expect(commands.some((command) => command.startsWith('UID COPY 1 '))).toBe(true);
		expect(commands).toContain('UID EXPUNGE 1');
		expect(commands).not.toContain('EXPUNGE');
	});

	it('without MOVE and UIDPLUS: move and permanent delete refuse and change nothing; delete to trash still works', async () => {
		proxy = await startFaultProxy(servers().ports.imap, { rewriteAnswer: hideCapabilities('MOVE', 'UIDPLUS') });
		const address = newMailbox('nouidplus');
		const credentials = credentialsFor(address, { imapPort: proxy.port, imapSecurity: 'none' });
		await appendMessages(address, [rawMail('Target', { id: 'target@example.test' })]);
		await appendMessages(address, [rawMail('Deleted by someone else')], { flags: ['\\Deleted'] });
		const before = await folderState(address, 'INBOX');
		await expect(
			run(credentials, { operation: 'delete', messageId: 'target@example.test', options: { permanent: true } }),
		).rejects.toThrow(/does not support UIDPLUS.*plain EXPUNGE.*Nothing was changed/);
		await expect(
			run(credentials, { operation: 'move', messageId: 'target@example.test', destinationFolder: 'Archive' }),
		).rejects.toThrow(/does not support UIDPLUS.*Nothing was changed/);
		await expect(run(credentials, { operation: 'delete', messageId: 'target@example.test' })).rejects.toThrow(
			/UIDPLUS/,
		);
		expect(await folderState(address, 'INBOX')).toEqual(before);
		expect(await subjectsIn(address, 'Archive')).toEqual([]);
		const commands = sentCommands();
		expect(commands.filter((command) => /^(UID )?(EXPUNGE|COPY|MOVE|STORE)/.test(command))).toEqual([]);
	});

	it('with MOVE but no UIDPLUS: moves and deletes to trash by UID MOVE; a permanent delete still refuses', async () => {
		proxy = await startFaultProxy(servers().ports.imap, { rewriteAnswer: hideCapabilities('UIDPLUS') });
		const address = newMailbox('moveonly');
		const credentials = credentialsFor(address, { imapPort: proxy.port, imapSecurity: 'none' });
		await appendMessages(address, [
			rawMail('One', { id: 'one@example.test' }),
			rawMail('Two', { id: 'two@example.test' }),
		]);
		const [moved] = await run(credentials, { operation: 'delete', messageId: 'one@example.test' });
		expect(moved.json).toMatchObject({ found: true, deleted: true, to_folder: 'Trash' });
		await expect(
			run(credentials, { operation: 'delete', messageId: 'two@example.test', options: { permanent: true } }),
		).rejects.toThrow(/UIDPLUS/);
		expect(await subjectsIn(address, 'INBOX')).toEqual(['Two']);
		expect(sentCommands().some((command) => command.startsWith('UID MOVE'))).toBe(true);
	});
});

async function delivered(address: string, count = 1): Promise<ParsedMail[]> {
	const messages = await waitForMessages(address, count);
	return Promise.all(messages.map((message) => simpleParser(message.source)));
}

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
