import { createSmtpTransport } from '../../nodes/mail';
import { startFaultProxy } from '../helpers/faultProxy';
import { jsonOf, triggerHarness } from '../helpers/pollContext';
import {
	accountFor,
	appendMessages,
	credentialsFor,
	newMailbox,
	openMailbox,
	servers,
	waitForMessages,
} from '../helpers/servers';

const DAY = 24 * 60 * 60 * 1000;

// `date: null` leaves the Date header out (undefined would take the default).
function rawMail(
	subject: string,
	{ date = new Date().toUTCString() as string | null, body = `Body of ${subject}`, to = 'soc@example.test' } = {},
): string {
	return [
		'From: Reporter <reporter@example.test>',
		`To: ${to}`,
		`Subject: ${subject}`,
		...(date === null ? [] : [`Date: ${date}`]),
		`Message-ID: <${subject.replace(/\W+/g, '-')}-${Math.random().toString(16).slice(2)}@example.test>`,
		'MIME-Version: 1.0',
		'Content-Type: text/plain; charset=utf-8',
		'',
		body,
		'',
	].join('\r\n');
}

function harnessFor(address: string, parameters: Record<string, unknown> = {}) {
	return triggerHarness({
		credentials: credentialsFor(address),
		parameters: { unreadOnly: true, markAsRead: true, ...parameters },
	});
}

const subjects = (items: Array<{ json: Record<string, unknown> }>) => items.map((item) => item.json.subject);

async function flagsOf(address: string, folder = 'INBOX'): Promise<Map<string, string[]>> {
	const stored = await waitForMessages(address, 0, { folder });
	const { simpleParser } = await import('mailparser');
	const result = new Map<string, string[]>();
	for (const message of stored) result.set((await simpleParser(message.source)).subject ?? '', [...message.flags]);
	return result;
}

describe('Mailbox Trigger delivery: every matching mail exactly once', () => {
	it('drains a backlog of 25 as 10, 10, 5 in arrival order, with no repeats', async () => {
		const address = newMailbox('backlog');
		const names = Array.from({ length: 25 }, (_, i) => `Backlog ${String(i + 1).padStart(2, '0')}`);
		await appendMessages(
			address,
			names.map((name) => rawMail(name)),
		);
		const trigger = harnessFor(address);
		const batches = [await trigger.poll(), await trigger.poll(), await trigger.poll(), await trigger.poll()];
		expect(batches.map((batch) => batch.length)).toEqual([10, 10, 5, 0]);
		expect(batches.flatMap(subjects)).toEqual(names);
		const cursor = (trigger.staticData.cursors as Record<string, { lastUid: number; uidValidity: string }>).INBOX;
		expect(cursor.lastUid).toBe(25);
		expect(typeof cursor.uidValidity).toBe('string');
	});

	it('skips a poll that n8n starts while the last one of the same trigger still runs, so nothing is emitted twice', async () => {
		const address = newMailbox('overlap');
		const names = ['Overlap 1', 'Overlap 2', 'Overlap 3'];
		await appendMessages(
			address,
			names.map((name) => rawMail(name)),
		);
		// Unread Only off: only the cursor keeps the second poll from emitting the same mail.
		const trigger = harnessFor(address, { unreadOnly: false, markAsRead: false });
		const [first, second] = await Promise.all([trigger.poll(), trigger.poll()]);
		expect([first, second].map(subjects)).toEqual([names, []]);
		expect(trigger.warnings.join(' ')).toMatch(
			/previous poll of "Mailbox Trigger" is still running; this one is skipped/,
		);
		expect(await trigger.poll()).toEqual([]);
		// Another workflow's trigger on the same mailbox is not held back.
		expect(subjects(await harnessFor(address, { unreadOnly: false, markAsRead: false }).poll())).toEqual(names);
	});

	it('picks up mail delivered through Postfix between polls', async () => {
		const address = newMailbox('arrivals');
		await appendMessages(address, [rawMail('Before 1'), rawMail('Before 2')]);
		const trigger = harnessFor(address);
		expect(subjects(await trigger.poll())).toEqual(['Before 1', 'Before 2']);
		const transport = createSmtpTransport(accountFor(newMailbox('sender')));
		try {
			for (const subject of ['Between 1', 'Between 2', 'Between 3']) {
				await transport.sendMail({
					envelope: { from: 'sender@example.test', to: [address] },
					raw: rawMail(subject, { to: address }),
				});
			}
		} finally {
			transport.close();
		}
		await waitForMessages(address, 5);
		expect(subjects(await trigger.poll())).toEqual(['Between 1', 'Between 2', 'Between 3']);
		expect(await trigger.poll()).toEqual([]);
	});

	it('skips read mail with unreadOnly, takes it without', async () => {
		const address = newMailbox('unread');
		await appendMessages(address, [rawMail('Read 1')], { flags: ['\\Seen'] });
		await appendMessages(address, [rawMail('Unread 1')]);
		await appendMessages(address, [rawMail('Read 2')], { flags: ['\\Seen'] });
		expect(subjects(await harnessFor(address, { markAsRead: false }).poll())).toEqual(['Unread 1']);
		expect(subjects(await harnessFor(address, { unreadOnly: false, markAsRead: false }).poll())).toEqual([
			'Read 1',
			'Unread 1',
			'Read 2',
		]);
	});

	it('sets \\Seen on the server only with markAsRead, and only on what was emitted', async () => {
		const address = newMailbox('seen');
		await appendMessages(
			address,
			['A', 'B', 'C'].map((name) => rawMail(`Seen ${name}`)),
		);
		const peek = harnessFor(address, { markAsRead: false, maxEmailsPerCycle: 2 });
		expect(subjects(await peek.poll())).toEqual(['Seen A', 'Seen B']);
		let flags = await flagsOf(address);
		expect([...flags.values()].every((list) => !list.includes('\\Seen'))).toBe(true);
		// markAsRead off still never repeats: the cursor, not the flag, remembers.
		expect(subjects(await peek.poll())).toEqual(['Seen C']);
		expect(await peek.poll()).toEqual([]);

		const marking = harnessFor(address, { markAsRead: true, unreadOnly: true, maxEmailsPerCycle: 2 });
		expect(subjects(await marking.poll())).toEqual(['Seen A', 'Seen B']);
		flags = await flagsOf(address);
		expect(flags.get('Seen A')).toContain('\\Seen');
		expect(flags.get('Seen B')).toContain('\\Seen');
		expect(flags.get('Seen C')).not.toContain('\\Seen');
	});

	it('keeps one cursor per folder', async () => {
		const address = newMailbox('folders');
		await appendMessages(address, [rawMail('Inbox 1'), rawMail('Inbox 2')]);
		await appendMessages(address, [rawMail('Reports 1')], { folder: 'Reports' });
		const trigger = harnessFor(address, { folders: 'INBOX, Reports' });
		expect(subjects(await trigger.poll())).toEqual(['Inbox 1', 'Inbox 2', 'Reports 1']);
		await appendMessages(address, [rawMail('Reports 2'), rawMail('Reports 3')], { folder: 'Reports' });
		await appendMessages(address, [rawMail('Inbox 3')]);
		const second = await trigger.poll();
		expect(subjects(second)).toEqual(['Inbox 3', 'Reports 2', 'Reports 3']);
		expect(second.map((item) => item.json.folder)).toEqual(['INBOX', 'Reports', 'Reports']);
		expect(trigger.staticData.cursors).toEqual({
			INBOX: { uidValidity: expect.any(String), lastUid: 3 },
			Reports: { uidValidity: expect.any(String), lastUid: 3 },
		});
		expect(await trigger.poll()).toEqual([]);
	});

	it('handles a UIDVALIDITY change (folder recreated) without loss or flood', async () => {
		const address = newMailbox('uidvalidity');
		await appendMessages(address, [rawMail('Old life 1'), rawMail('Old life 2'), rawMail('Old life 3')], {
			folder: 'Phish',
		});
		const trigger = harnessFor(address, { folders: 'Phish', unreadOnly: false, markAsRead: false });
		expect(subjects(await trigger.poll())).toHaveLength(3);
		const before = (trigger.staticData.cursors as Record<string, { uidValidity: string }>).Phish.uidValidity;

		await openMailbox(address, async (client) => {
			await client.mailboxDelete('Phish');
			await client.mailboxCreate('Phish');
		});
		// Restored from an archive: an old one (outside the window) and two recent ones.
		await appendMessages(address, [rawMail('Restored long ago')], {
			folder: 'Phish',
			date: new Date(Date.now() - 40 * DAY),
		});
		await appendMessages(address, [rawMail('New life 1'), rawMail('New life 2')], { folder: 'Phish' });
		const after = await trigger.poll();
		expect(subjects(after)).toEqual(['New life 1', 'New life 2']);
		const cursor = (trigger.staticData.cursors as Record<string, { uidValidity: string; lastUid: number }>).Phish;
		expect(cursor.uidValidity).not.toBe(before);
		expect(after[0].json.uid_validity).toBe(cursor.uidValidity);
		expect(await trigger.poll()).toEqual([]);
	});

	it('emits mail with a years-old, missing or garbage Date header once, dated by arrival when unreadable', async () => {
		const address = newMailbox('dates');
		await appendMessages(address, [
			rawMail('Backdated', { date: 'Tue, 01 Jan 2009 10:00:00 +0000' }),
			rawMail('No date', { date: null }),
			rawMail('Garbage date', { date: 'the day after tomorrow, 99:99' }),
		]);
		const trigger = harnessFor(address);
		const items = jsonOf(await trigger.poll());
		expect(items.map((item) => item.subject)).toEqual(['Backdated', 'No date', 'Garbage date']);
		expect(items[0].date).toBe('2009-01-01T10:00:00.000Z');
		for (const item of items.slice(1)) {
			expect(Math.abs(Date.parse(String(item.date)) - Date.now())).toBeLessThan(5 * 60_000);
			expect(item.date).toBe(item.received_date);
		}
		expect(await trigger.poll()).toEqual([]);
	});

	it('does not emit mail that arrived before the offset window, counted in days of the server zone', async () => {
		const address = newMailbox('window');
		const startOfYesterday = new Date(
			Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate() - 1),
		);
		await appendMessages(address, [rawMail('Arrived 10 days ago')], { date: new Date(Date.now() - 10 * DAY) });
		// The day boundary itself (Dovecot runs in UTC here): just before yesterday is out, just after is in.
		await appendMessages(address, [rawMail('Day before yesterday 23:30 UTC')], {
			date: new Date(startOfYesterday.getTime() - 30 * 60_000),
		});
		await appendMessages(address, [rawMail('Yesterday 00:30 UTC')], {
			date: new Date(startOfYesterday.getTime() + 30 * 60_000),
		});
		await appendMessages(address, [rawMail('Arrived now', { date: 'Mon, 01 Jan 2001 00:00:00 +0000' })]);
		expect(subjects(await harnessFor(address, { offsetDays: 1, serverTimeZone: 'UTC' }).poll())).toEqual([
			'Yesterday 00:30 UTC',
			'Arrived now',
		]);
		expect(
			subjects(await harnessFor(address, { offsetDays: 5, serverTimeZone: 'UTC', markAsRead: false }).poll()),
		).toEqual(['Day before yesterday 23:30 UTC']);
	});

	it('test step (manual) returns the newest matching mail and changes no flag and no cursor', async () => {
		const address = newMailbox('manual');
		await appendMessages(address, [rawMail('Manual 1'), rawMail('Manual 2'), rawMail('Manual 3')]);
		const trigger = harnessFor(address);
		expect(subjects(await trigger.poll('manual'))).toEqual(['Manual 3']);
		expect(trigger.staticData).toEqual({});
		expect([...(await flagsOf(address)).values()].every((list) => !list.includes('\\Seen'))).toBe(true);
		expect(subjects(await trigger.poll())).toEqual(['Manual 1', 'Manual 2', 'Manual 3']);
	});

	it('a connection dropped after the fetch loses and repeats nothing', async () => {
		const address = newMailbox('dropstore');
		await appendMessages(address, [rawMail('Drop 1'), rawMail('Drop 2'), rawMail('Drop 3')]);
		const proxy = await startFaultProxy(servers().ports.imap, { cutOn: /UID STORE/i });
		try {
			const credentials = credentialsFor(address, { imapPort: proxy.port, imapSecurity: 'none' });
			const trigger = triggerHarness({ credentials, parameters: { unreadOnly: true, markAsRead: true } });
			expect(subjects(await trigger.poll())).toEqual(['Drop 1', 'Drop 2', 'Drop 3']);
			expect(proxy.cuts).toBe(1);
			// Same static data, a healthy connection: nothing again, although \Seen never reached the server.
			const healthy = triggerHarness({
				credentials: credentialsFor(address),
				parameters: trigger.parameters,
				staticData: trigger.staticData,
			});
			await appendMessages(address, [rawMail('Drop 4')]);
			expect(subjects(await healthy.poll())).toEqual(['Drop 4']);
		} finally {
			await proxy.close();
		}
	});

	it('a connection dropped during the fetch fails the poll visibly and the next poll emits everything once', async () => {
		const address = newMailbox('dropfetch');
		await appendMessages(address, [rawMail('Fetch 1'), rawMail('Fetch 2')]);
		const proxy = await startFaultProxy(servers().ports.imap, { cutOn: /UID FETCH/i });
		try {
			const credentials = credentialsFor(address, { imapPort: proxy.port, imapSecurity: 'none' });
			const trigger = triggerHarness({ credentials, parameters: { unreadOnly: true, markAsRead: true } });
			await expect(trigger.poll()).rejects.toThrow(/closed the connection|Folder "INBOX"/);
			const healthy = triggerHarness({
				credentials: credentialsFor(address),
				parameters: trigger.parameters,
				staticData: trigger.staticData,
			});
			expect(subjects(await healthy.poll())).toEqual(['Fetch 1', 'Fetch 2']);
			expect(await healthy.poll()).toEqual([]);
		} finally {
			await proxy.close();
		}
	});

	it('fails the poll with a NodeOperationError that says why when login or connection fails', async () => {
		const address = newMailbox('failing');
		const wrongPassword = triggerHarness({
			credentials: credentialsFor(address, { password: 'not-the-password' }),
			parameters: {},
		});
		await expect(wrongPassword.poll()).rejects.toMatchObject({
			name: 'NodeOperationError',
			message: expect.stringMatching(/rejected the login/),
		});
		const nothingThere = triggerHarness({
			credentials: credentialsFor(address, { imapPort: servers().ports.imaps + 7 }),
			parameters: {},
		});
		await expect(nothingThere.poll()).rejects.toThrow(/Nothing accepts connections/);
		const missingFolder = triggerHarness({
			credentials: credentialsFor(address),
			parameters: { folders: 'NoSuchFolder' },
		});
		await expect(missingFolder.poll()).rejects.toThrow(/Folder "NoSuchFolder"/);
		const badRule = triggerHarness({
			credentials: credentialsFor(address),
			parameters: { extractionRules: { rules: [{ name: 'ip', regex: '(' }] } },
		});
		await expect(badRule.poll()).rejects.toThrow(/Extraction Rules/);
		const badJson = triggerHarness({
			credentials: credentialsFor(address),
			parameters: { forwardedEmailRegexes: '{"subject": ' },
		});
		await expect(badJson.poll()).rejects.toThrow(/Forwarded Email Regexes/);
	});
});
