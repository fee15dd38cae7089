import { simpleParser } from 'mailparser';

import { Email } from '../../nodes/Email/Email.node';
import { startGmailLike, type GmailLike } from '../helpers/gmailLike';
import { plainMail } from '../helpers/mails';
import { binaryItem, runNode } from '../helpers/nodeContext';
import { appendMessages, credentialsFor, newMailbox, openMailbox } from '../helpers/servers';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { TEST_QUOTA } = require('../../scripts/lib/mailServers.js') as {
	TEST_QUOTA: { storageKb: number; messages: number };
};

const rawMail = (
	subject: string,
	id = `${subject.replace(/\W+/g, '-')}-${Math.random().toString(16).slice(2)}@example.test`,
	body?: string,
) => plainMail(subject, id, body);

async function run(
	credentials: Record<string, unknown>,
	parameters: Record<string, unknown>,
	extra: { items?: ReturnType<typeof binaryItem>[]; continueOnFail?: boolean } = {},
) {
	const [items] = await runNode(new Email(), {
		parameters: { folder: 'INBOX', messageId: '', emailUid: '', options: {}, ...parameters },
		credentials,
		...extra,
	});
	return items;
}

const failure = (promise: Promise<unknown>) =>
	promise.then(
		() => 'succeeded',
		(error: Error) => error.message,
	);

/** UID, flags and bytes of each mail in a folder. */
async function folderMail(address: string, folder: string) {
	return openMailbox(address, async (client) => {
		const lock = await client.getMailboxLock(folder, { readOnly: true });
		try {
			const mail: Array<{ uid: number; flags: string[]; source: Buffer; internalDate: Date }> = [];
			if ((client.mailbox as { exists: number }).exists === 0) return mail;
			for await (const message of client.fetch('1:*', { uid: true, flags: true, source: true, internalDate: true })) {
				mail.push({
					uid: message.uid,
					flags: [...(message.flags ?? [])].filter((flag) => flag !== '\\Recent').sort(),
					source: message.source as Buffer,
					internalDate: new Date(message.internalDate as Date),
				});
			}
			return mail;
		} finally {
			lock.release();
		}
	});
}

describe('folder operations against Dovecot', () => {
	it('lists folders with special use, subscription and status; a \\Noselect parent has no status', async () => {
		const address = newMailbox('list');
		const credentials = credentialsFor(address);
		await appendMessages(address, [rawMail('one'), rawMail('two')]);
		await appendMessages(address, [rawMail('read')], { flags: ['\\Seen'] });
		// Dovecot (Maildir) lists the parent of a nested folder created alone as \Noselect.
		await openMailbox(address, async (client) => {
			await client.mailboxCreate('Cases');
			await client.mailboxCreate('Cases/2026-117');
			await client.mailboxUnsubscribe('Cases/2026-117');
			// Deleting a folder that has children leaves it \Noselect (RFC 3501 6.3.4).
			await client.mailboxDelete('Cases');
		});
		const folders = await run(credentials, { operation: 'listFolders' });
		const byPath = new Map(folders.map((item) => [item.json.path, item.json]));
		expect(byPath.get('INBOX')).toMatchObject({
			name: 'INBOX',
			delimiter: '/',
			special_use: null,
			subscribed: true,
			messages: 3,
			unseen: 2,
			uid_next: 4,
		});
		expect(byPath.get('INBOX')?.size).toBeGreaterThan(300);
		expect(byPath.get('Trash')).toMatchObject({
			special_use: '\\Trash',
			subscribed: true,
			messages: 0,
			unseen: 0,
			size: 0,
		});
		expect(byPath.get('Sent')).toMatchObject({ special_use: '\\Sent' });
		expect(byPath.get('Cases/2026-117')).toMatchObject({ name: '2026-117', subscribed: false, messages: 0 });
		const parent = byPath.get('Cases');
		expect(parent).toEqual({
			path: 'Cases',
			name: 'Cases',
			delimiter: '/',
			special_use: null,
			subscribed: expect.any(Boolean),
		});
		for (const item of folders) expect(item.pairedItem).toEqual({ item: 0 });

		const subscribed = await run(credentials, {
			operation: 'listFolders',
			options: { subscribedOnly: true, withStatus: false },
		});
		expect(
			subscribed
				.map((item) => item.json.path)
				.filter((path) => path !== 'Cases')
				.sort(),
		).toEqual(['Archive', 'INBOX', 'Sent', 'Trash']);
		expect(subscribed[0].json).not.toHaveProperty('messages');
	});

	it('creates (saying whether it existed), renames, and deletes folders, refusing with a reason', async () => {
		const address = newMailbox('manage');
		const credentials = credentialsFor(address);
		expect((await run(credentials, { operation: 'createFolder', path: 'Cases/Open' }))[0].json).toEqual({
			path: 'Cases/Open',
			created: true,
		});
		expect((await run(credentials, { operation: 'createFolder', path: 'Cases/Open' }))[0].json).toEqual({
			path: 'Cases/Open',
			created: false,
		});
		expect(
			(await run(credentials, { operation: 'renameFolder', path: 'Cases/Open', newPath: 'Cases/Closed' }))[0].json,
		).toEqual({ path: 'Cases/Open', new_path: 'Cases/Closed' });
		expect(await failure(run(credentials, { operation: 'renameFolder', path: 'Nope', newPath: 'Other' }))).toMatch(
			/Folder "Nope" does not exist/,
		);

		expect(
			await failure(run(credentials, { operation: 'deleteFolder', path: 'inbox', options: { force: true } })),
		).toMatch(/INBOX is never deleted/);
		expect(await failure(run(credentials, { operation: 'deleteFolder', path: 'Trash' }))).toMatch(
			/Folder "Trash" is the server's \\Trash folder.*Force/,
		);
		expect(await failure(run(credentials, { operation: 'deleteFolder', path: 'Cases' }))).toMatch(
			/Folder "Cases" has 1 child folder\(s\) \(Cases\/Closed\).*Force/,
		);
		await appendMessages(address, [rawMail('evidence')], { folder: 'Cases/Closed' });
		expect(await failure(run(credentials, { operation: 'deleteFolder', path: 'Cases/Closed' }))).toMatch(
			/Folder "Cases\/Closed" holds 1 mail\(s\).*Force/,
		);
		expect(await failure(run(credentials, { operation: 'deleteFolder', path: 'Missing' }))).toMatch(
			/Folder "Missing" does not exist/,
		);

		expect(
			(await run(credentials, { operation: 'deleteFolder', path: 'Cases', options: { force: true } }))[0].json,
		).toEqual({ path: 'Cases', deleted: true });
		expect(
			(await run(credentials, { operation: 'deleteFolder', path: 'Trash', options: { force: true } }))[0].json,
		).toEqual({ path: 'Trash', deleted: true });
		const left = (await run(credentials, { operation: 'listFolders', options: { withStatus: false } })).map(
			(item) => item.json.path,
		);
		expect(left.filter((path) => String(path).startsWith('Cases'))).toEqual([]);
		// continueOnFail: the refusal is the item's error, the next item still runs.
		const items = await run(credentials, { operation: 'deleteFolder', path: 'INBOX' }, { continueOnFail: true });
		expect(items[0].json.error).toMatch(/INBOX is never deleted/);
	});

	it('copies a picked mail (COPYUID), creates the folder on request, never copies it twice, and says found: false', async () => {
		const address = newMailbox('copy');
		const credentials = credentialsFor(address);
		const id = 'evidence-1@example.test';
		await appendMessages(address, [rawMail('other'), rawMail('evidence', id)]);
		expect(await failure(run(credentials, { operation: 'copy', messageId: id, destinationFolder: 'Case-7' }))).toMatch(
			/Destination Folder "Case-7" does not exist.*Create Folder/,
		);
		const [copied] = await run(credentials, {
			operation: 'copy',
			messageId: `<${id}>`,
			destinationFolder: 'Case-7',
			options: { createFolder: true },
		});
		expect(copied.json).toEqual({ found: true, copied: true, message_id: `<${id}>`, new_email_uid: 1 });
		const [again] = await run(credentials, {
			operation: 'copy',
			emailUid: '2',
			destinationFolder: { mode: 'list', value: 'Case-7' },
		});
		expect(again.json).toEqual({ found: true, copied: false, message_id: `<${id}>`, new_email_uid: 1 });
		const [other] = await run(credentials, { operation: 'copy', emailUid: '1', destinationFolder: 'Case-7' });
		expect(other.json).toMatchObject({ copied: true, new_email_uid: 2 });
		expect(
			(await run(credentials, { operation: 'copy', messageId: 'gone@example.test', destinationFolder: 'Case-7' }))[0]
				.json,
		).toEqual({ found: false, copied: false, message_id: '<gone@example.test>', new_email_uid: null });
		const [inbox, target] = [await folderMail(address, 'INBOX'), await folderMail(address, 'Case-7')];
		expect(inbox).toHaveLength(2);
		expect(target.map((mail) => mail.source.toString())).toEqual([
			inbox[1].source.toString(),
			inbox[0].source.toString(),
		]);
	});

	it('appends an .eml byte for byte with flags and date, into a folder it creates', async () => {
		const address = newMailbox('append');
		const credentials = credentialsFor(address);
		// Bytes a composer would never produce: bare LF inside, trailing spaces, 8-bit text.
		const eml = Buffer.from(
			`${rawMail('restored original', 'restored@example.test', 'line one  \r\nGrüße aus Köln\r\n')}`,
			'utf8',
		);
		const items = [binaryItem('mail', eml, 'restored.eml', 'message/rfc822')];
		const [appended] = await run(
			credentials,
			{
				operation: 'append',
				folder: 'Restored',
				source: 'binary',
				binaryPropertyName: 'mail',
				options: { flags: '\\Seen, $Restored', date: '2026-11-30T08:15:00Z' },
			},
			{ items },
		);
		expect(appended.json).toEqual({
			appended: true,
			folder: 'Restored',
			email_uid: 1,
			message_id: '<restored@example.test>',
		});
		const [stored] = await folderMail(address, 'Restored');
		expect(stored.source.equals(eml)).toBe(true);
		expect(stored.flags).toEqual(['$Restored', '\\Seen']);
		expect(stored.internalDate.toISOString()).toBe('2026-11-30T08:15:00.000Z');
		expect(
			await failure(run(credentials, { operation: 'append', source: 'binary', binaryPropertyName: 'nope' }, { items })),
		).toMatch(/no binary property "nope"/);
		expect(
			await failure(
				run(
					credentials,
					{ operation: 'append', source: 'binary', binaryPropertyName: 'mail', options: { flags: 'two words' } },
					{ items },
				),
			),
		).toMatch(/Flags: "two words" is not an IMAP flag/);
	});

	it('saves a draft: a composed mail, not sent, in Drafts with \\Draft, Bcc kept', async () => {
		const address = newMailbox('draft');
		const credentials = credentialsFor(address);
		const parameters = {
			operation: 'append',
			folder: { mode: 'name', value: 'Drafts' },
			source: 'compose',
			recipients: 'user@corp.example',
			cc: '',
			bcc: 'lead@corp.example',
			subject: 'Your reported mail was phishing',
			content: '<p>Thanks for reporting. We blocked the sender.</p>',
			options: { flags: '\\Draft, \\Seen', fromName: 'SOC' },
		};
		const [draft] = await run(credentials, parameters);
		expect(draft.json).toMatchObject({ appended: true, folder: 'Drafts', email_uid: 1 });
		expect(draft.json.message_id).toMatch(/^<.+@.+>$/);
		const [stored] = await folderMail(address, 'Drafts');
		expect(stored.flags).toEqual(['\\Draft', '\\Seen']);
		const parsed = await simpleParser(stored.source);
		expect(parsed.messageId).toBe(draft.json.message_id);
		expect(parsed.from?.value).toEqual([{ name: 'SOC', address }]);
		expect(parsed.subject).toBe('Your reported mail was phishing');
		expect((parsed.bcc as { text: string }).text).toBe('lead@corp.example');
		expect(parsed.text?.trim()).toBe('Thanks for reporting. We blocked the sender.');
		expect(await failure(run(credentials, { ...parameters, recipients: 'not an address' }))).toMatch(/Recipients/);
	});

	it('reads the quota Dovecot enforces: storage in bytes and messages, used and limit', async () => {
		const address = newMailbox('quota');
		const credentials = credentialsFor(address);
		const [empty] = await run(credentials, { operation: 'getQuota' });
		expect(empty.json).toEqual({
			folder: 'INBOX',
			quota_root: 'User quota',
			storage_used: 0,
			storage_limit: TEST_QUOTA.storageKb * 1024,
			messages_used: 0,
			messages_limit: TEST_QUOTA.messages,
		});
		await appendMessages(address, [rawMail('a', 'a@example.test', 'x'.repeat(5000)), rawMail('b')]);
		await appendMessages(address, [rawMail('c')], { folder: 'Archive' });
		const [used] = await run(credentials, { operation: 'getQuota', folder: { mode: 'list', value: 'Archive' } });
		expect(used.json).toMatchObject({
			folder: 'Archive',
			messages_used: 3,
			storage_limit: TEST_QUOTA.storageKb * 1024,
		});
		// Counted in KiB by IMAP: the 5 KB mail alone is at least 4 KiB.
		expect(used.json.storage_used).toBeGreaterThanOrEqual(5 * 1024);
		expect(await failure(run(credentials, { operation: 'getQuota', folder: 'Nope' }))).toMatch(
			/Folder "Nope" does not exist: pick an existing folder to read its quota/,
		);
	});

	it('searches by keyword; labels and Gmail Query say they need Gmail', async () => {
		const address = newMailbox('keyword');
		const credentials = credentialsFor(address);
		await appendMessages(address, [rawMail('tagged')], { flags: ['$Phishing'] });
		await appendMessages(address, [rawMail('plain')]);
		expect(
			(await run(credentials, { operation: 'search', limit: 50, options: { keyword: '$Phishing' } })).map(
				(item) => item.json.subject,
			),
		).toEqual(['tagged']);
		expect(
			await failure(run(credentials, { operation: 'search', limit: 50, options: { keyword: 'two words' } })),
		).toMatch(/Keyword: "two words" is not a valid IMAP keyword/);
		expect(
			await failure(run(credentials, { operation: 'search', limit: 50, options: { gmailQuery: 'is:unread' } })),
		).toMatch(/Gmail Query works only on Gmail/);
		expect(
			await failure(run(credentials, { operation: 'labels', emailUid: '1', addLabels: 'Case', removeLabels: '' })),
		).toMatch(/Labels exist only on Gmail/);
	});
});

describe('labels and Gmail Query on a Gmail-like server (X-GM-EXT-1 over TLS)', () => {
	let gmail: GmailLike;
	beforeAll(async () => {
		gmail = await startGmailLike();
	});
	afterAll(async () => gmail?.close());

	it('adds and removes labels with X-GM-LABELS and answers the labels after; FLAGS stay free of them', async () => {
		const address = newMailbox('gmail');
		const credentials = credentialsFor(address, { imapPort: gmail.port });
		await appendMessages(address, [rawMail('suspicious', 'sus@example.test')]);
		const [first] = await run(credentials, {
			operation: 'labels',
			messageId: 'sus@example.test',
			addLabels: 'Phishing, Cases/2026 117, Grüße',
			removeLabels: '',
		});
		expect(first.json).toEqual({
			found: true,
			message_id: '<sus@example.test>',
			labels: ['Cases/2026 117', 'Grüße', 'Phishing'],
		});
		const [second] = await run(credentials, {
			operation: 'labels',
			emailUid: '1',
			addLabels: '\\Important',
			removeLabels: 'Phishing',
		});
		expect(second.json.labels).toEqual(['Cases/2026 117', 'Grüße', '\\Important']);
		// Gmail's wire syntax: UID STORE +X-GM-LABELS / -X-GM-LABELS with astrings, UID FETCH X-GM-LABELS.
		expect(
			gmail.commands.some((line) => /UID STORE 1 \+X-GM-LABELS \(Phishing "Cases\/2026 117" Gr&APwA3w-e\)/.test(line)),
		).toBe(true);
		expect(gmail.commands.some((line) => /UID STORE 1 -X-GM-LABELS \(Phishing\)/.test(line))).toBe(true);
		expect(gmail.commands.some((line) => /UID FETCH 1 \(.*X-GM-LABELS/.test(line))).toBe(true);
		const [found] = await run(credentials, { operation: 'search', limit: 50 });
		expect(found.json.flags).toEqual([]);
		expect(
			(
				await run(credentials, {
					operation: 'labels',
					messageId: 'gone@example.test',
					addLabels: 'X',
					removeLabels: '',
				})
			)[0].json,
		).toEqual({ found: false, message_id: '<gone@example.test>', labels: [] });
	});

	it('searches with Gmail Query (X-GM-RAW) combined with the other filters', async () => {
		const address = newMailbox('gmraw');
		const credentials = credentialsFor(address, { imapPort: gmail.port });
		await appendMessages(address, [
			rawMail('invoice overdue', 'inv-1@example.test'),
			rawMail('lunch', 'lunch@example.test'),
			rawMail('invoice paid', 'inv-2@example.test'),
		]);
		await run(credentials, {
			operation: 'labels',
			messageId: 'inv-2@example.test',
			addLabels: 'Finance',
			removeLabels: '',
		});
		const subjects = async (gmailQuery: string, extra: Record<string, unknown> = {}) =>
			(await run(credentials, { operation: 'search', limit: 50, ...extra, options: { gmailQuery } })).map(
				(item) => item.json.subject,
			);
		expect(await subjects('subject:invoice')).toEqual(['invoice paid', 'invoice overdue']);
		expect(await subjects('subject:invoice -label:Finance')).toEqual(['invoice overdue']);
		expect(await subjects('label:Finance')).toEqual(['invoice paid']);
		expect(await subjects('invoice', { subject: 'overdue' })).toEqual(['invoice overdue']);
		expect(gmail.commands.some((line) => /UID SEARCH .*X-GM-RAW "subject:invoice -label:Finance"/.test(line))).toBe(
			true,
		);
		expect(await failure(subjects('has:drive'))).toMatch(/refused the search \(check the Gmail Query syntax\)/);
	});
});
