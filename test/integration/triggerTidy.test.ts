import { startFaultProxy } from '../helpers/faultProxy';
import { jsonOf, triggerHarness } from '../helpers/pollContext';
import { appendMessages, credentialsFor, newMailbox, openMailbox, servers } from '../helpers/servers';

function rawMail(
	subject: string,
	{ from = 'Reporter <reporter@example.test>', body = `Body of ${subject}`, extra = [] as string[] } = {},
): string {
	return [
		`From: ${from}`,
		'To: soc@example.test',
		`Subject: ${subject}`,
		`Date: ${new Date().toUTCString()}`,
		`Message-ID: <${subject.replace(/\W+/g, '-')}-${Math.random().toString(16).slice(2)}@example.test>`,
		...extra,
		'MIME-Version: 1.0',
		'Content-Type: text/plain; charset=utf-8',
		'',
		body,
		'',
	].join('\r\n');
}

/** Subject -> flags (without \Recent) of each mail in a folder; empty when the folder does not exist. */
async function folder(address: string, name: string): Promise<Record<string, string[]>> {
	return openMailbox(address, async (client) => {
		const lock = await client.getMailboxLock(name, { readOnly: true }).catch(() => undefined);
		if (!lock) return {};
		try {
			const found: Record<string, string[]> = {};
			if ((client.mailbox && typeof client.mailbox !== 'boolean' ? client.mailbox.exists : 0) === 0) return found;
			for await (const message of client.fetch('1:*', { envelope: true, flags: true }))
				found[message.envelope?.subject ?? ''] = [...(message.flags ?? [])]
					.filter((flag) => flag !== '\\Recent')
					.sort();
			return found;
		} finally {
			lock.release();
		}
	});
}

const subjects = (items: Array<{ json: Record<string, unknown> }>) => items.map((item) => item.json.subject);

describe('Mailbox Trigger additions: move after the cycle, exclusions, permitted senders, extra headers', () => {
	it('moves emitted mail to Move to Folder (created when missing), read, and emits it once', async () => {
		const address = newMailbox('tidy-move');
		await appendMessages(address, [rawMail('Report 1'), rawMail('Report 2')]);
		const trigger = triggerHarness({ credentials: credentialsFor(address), parameters: { moveToFolder: 'Processed' } });
		const items = jsonOf(await trigger.poll());
		expect(items.map((item) => item.subject)).toEqual(['Report 1', 'Report 2']);
		// The items say where the mail is now: the next node finds it by folder and UID.
		const processed = await openMailbox(address, async (client) =>
			String((await client.mailboxOpen('Processed', { readOnly: true })).uidValidity),
		);
		expect(items.map((item) => [item.folder, item.email_uid, item.uid_validity])).toEqual([
			['Processed', 1, processed],
			['Processed', 2, processed],
		]);
		expect(await folder(address, 'INBOX')).toEqual({});
		expect(await folder(address, 'Processed')).toEqual({ 'Report 1': ['\\Seen'], 'Report 2': ['\\Seen'] });
		await appendMessages(address, [rawMail('Report 3')]);
		expect(subjects(await trigger.poll())).toEqual(['Report 3']);
		expect(await trigger.poll()).toEqual([]);
		expect(Object.keys(await folder(address, 'Processed'))).toEqual(['Report 1', 'Report 2', 'Report 3']);
		// A manual "test step" changes nothing.
		await appendMessages(address, [rawMail('Report 4')]);
		expect(subjects(await trigger.poll('manual'))).toEqual(['Report 4']);
		expect(await folder(address, 'INBOX')).toEqual({ 'Report 4': [] });
		// Moving into a folder the trigger reads would emit the mail again.
		const loop = triggerHarness({
			credentials: credentialsFor(address),
			parameters: { folders: 'INBOX, Processed', moveToFolder: 'Processed' },
		});
		await expect(loop.poll()).rejects.toThrow(/Move to Folder "Processed" is also one of the Folders/);
		await expect(
			triggerHarness({ credentials: credentialsFor(address), parameters: { moveToFolder: 'inbox' } }).poll(),
		).rejects.toThrow(/Move to Folder "inbox" is also one of the Folders/);
	});

	it('leaves excluded mail and mail from other senders exactly as it was, passes it, and emits the rest', async () => {
		const address = newMailbox('tidy-filter');
		await appendMessages(address, [
			rawMail('Automatic reply: away', { from: 'colleague@example.test' }),
			rawMail('Phish report', { from: 'Employee <employee@corp.test>' }),
			rawMail('Newsletter', { from: 'news@corp.test', body: 'To unsubscribe click here' }),
			rawMail('From outside', { from: 'someone@elsewhere.test' }),
			rawMail('Direct report', { from: 'reporter@example.test' }),
		]);
		await appendMessages(address, [rawMail('Flagged one', { from: 'x@elsewhere.test' })], { flags: ['\\Flagged'] });
		const trigger = triggerHarness({
			credentials: credentialsFor(address),
			parameters: {
				moveToFolder: 'Processed',
				excludeSubjectRegex: '(?i)^automatic reply',
				excludeBodyRegex: 'unsubscribe',
				permittedSenders: '@corp.test, Reporter@Example.test, colleague@example.test',
			},
		});
		expect(subjects(await trigger.poll())).toEqual(['Phish report', 'Direct report']);
		expect(await folder(address, 'INBOX')).toEqual({
			'Automatic reply: away': [],
			Newsletter: [],
			'From outside': [],
			'Flagged one': ['\\Flagged'],
		});
		expect(Object.keys(await folder(address, 'Processed'))).toEqual(['Phish report', 'Direct report']);
		// The cursor has passed them: still unread, never emitted.
		expect(await trigger.poll()).toEqual([]);
		expect((trigger.staticData.cursors as Record<string, { lastUid: number }>).INBOX.lastUid).toBe(6);
		// A manual "test step" shows the newest mail the filters admit, not the newest mail.
		await appendMessages(address, [
			rawMail('Newest permitted', { from: 'employee@corp.test' }),
			rawMail('Newest of all', { from: 'someone@elsewhere.test' }),
		]);
		expect(subjects(await trigger.poll('manual'))).toEqual(['Newest permitted']);
		await expect(
			triggerHarness({ credentials: credentialsFor(address), parameters: { excludeBodyRegex: '(a' } }).poll(),
		).rejects.toThrow(/Exclude Body Regex is not a valid regular expression/);
		await expect(
			triggerHarness({ credentials: credentialsFor(address), parameters: { permittedSenders: 'corp.test' } }).poll(),
		).rejects.toThrow(/Permitted Senders: "corp.test" is neither/);
	});

	it('does not count excluded mail against Max Emails Per Cycle', async () => {
		const address = newMailbox('tidy-max');
		const away = (index: number) => rawMail(`Automatic reply ${index}`);
		await appendMessages(address, [
			away(1),
			away(2),
			away(3),
			rawMail('Report A'),
			away(4),
			rawMail('Report B'),
			rawMail('Report C'),
		]);
		const trigger = triggerHarness({
			credentials: credentialsFor(address),
			parameters: { maxEmailsPerCycle: 2, excludeSubjectRegex: '^Automatic reply' },
		});
		expect(subjects(await trigger.poll())).toEqual(['Report A', 'Report B']);
		expect(subjects(await trigger.poll())).toEqual(['Report C']);
		expect(await trigger.poll()).toEqual([]);
		expect(
			Object.entries(await folder(address, 'INBOX'))
				.filter(([, flags]) => flags.includes('\\Seen'))
				.map(([subject]) => subject),
		).toEqual(['Report A', 'Report B', 'Report C']);
	});

	it('outputs Headers To Extract as extra_headers: one value, several values, or null', async () => {
		const address = newMailbox('tidy-headers');
		await appendMessages(address, [
			rawMail('With headers', { extra: ['X-Mailer: PhishTool 1.0', 'X-Tag: one', 'X-Tag: two'] }),
		]);
		const [item] = jsonOf(
			await triggerHarness({
				credentials: credentialsFor(address),
				parameters: { headersToExtract: 'X-Mailer, x-tag, X-Missing, x-mailer' },
			}).poll(),
		);
		// Keyed as written (the first spelling of a name), matched whatever the case.
		expect(item.extra_headers).toEqual({ 'X-Mailer': 'PhishTool 1.0', 'x-tag': ['one', 'two'], 'X-Missing': null });
		await appendMessages(address, [rawMail('Without option')]);
		const [plain] = jsonOf(
			await triggerHarness({ credentials: credentialsFor(address), parameters: {} }).poll('manual'),
		);
		expect(plain.extra_headers).toBeUndefined();
	});

	it('a move cut by a dropped connection: the items are still emitted, the move is done next cycle, nothing twice', async () => {
		const address = newMailbox('tidy-cut');
		await appendMessages(address, [rawMail('Cut 1'), rawMail('Cut 2')]);
		const proxy = await startFaultProxy(servers().ports.imap);
		try {
			const trigger = triggerHarness({
				credentials: credentialsFor(address, { imapPort: proxy.port, imapSecurity: 'none' }),
				parameters: { moveToFolder: 'Processed' },
			});
			proxy.arm({ cutOn: /UID MOVE/i });
			expect(subjects(await trigger.poll())).toEqual(['Cut 1', 'Cut 2']);
			expect(trigger.warnings.join(' ')).toMatch(/connection/i);
			expect((trigger.staticData.cursors as Record<string, { unmoved?: number[] }>).INBOX.unmoved).toEqual([1, 2]);
			expect(Object.keys(await folder(address, 'INBOX'))).toEqual(['Cut 1', 'Cut 2']);
			await appendMessages(address, [rawMail('Cut 3')]);
			expect(subjects(await trigger.poll())).toEqual(['Cut 3']);
			expect(await folder(address, 'INBOX')).toEqual({});
			expect(Object.keys(await folder(address, 'Processed'))).toEqual(['Cut 1', 'Cut 2', 'Cut 3']);
			expect((trigger.staticData.cursors as Record<string, { unmoved?: number[] }>).INBOX.unmoved).toBeUndefined();
		} finally {
			await proxy.close();
		}
	});
});
