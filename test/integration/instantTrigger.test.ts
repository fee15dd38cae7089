import { MailboxWatcher } from '../../nodes/mail';
import { activateInstant, testStep, until, type InstantHarness } from '../helpers/instantContext';
import { startFaultProxy } from '../helpers/faultProxy';
import {
	accountFor,
	appendMessages,
	credentialsFor,
	imapSessions,
	newMailbox,
	openMailbox,
	servers,
	waitForMessages,
} from '../helpers/servers';

function rawMail(subject: string, to = 'soc@example.test'): string {
	return [
		'From: Reporter <reporter@example.test>',
		`To: ${to}`,
		`Subject: ${subject}`,
		`Date: ${new Date().toUTCString()}`,
		`Message-ID: <${subject.replace(/\W+/g, '-')}-${Math.random().toString(16).slice(2)}@example.test>`,
		'Content-Type: text/plain; charset=utf-8',
		'',
		`Body of ${subject}`,
		'',
	].join('\r\n');
}

const subjects = (harness: InstantHarness) => harness.items.map((item) => item.subject);

async function seenFlags(address: string): Promise<boolean[]> {
	return (await waitForMessages(address, 0)).map((message) => message.flags.has('\\Seen'));
}

describe('Mailbox Trigger (Instant): new mail becomes an emit within seconds, exactly once', () => {
	const active: InstantHarness[] = [];
	const activate = async (
		address: string,
		parameters: Record<string, unknown> = {},
		staticData?: Record<string, unknown>,
	) => {
		const harness = await activateInstant({
			credentials: credentialsFor(address),
			parameters: { fallbackPollSeconds: 300, ...parameters },
			staticData: staticData as never,
		});
		active.push(harness);
		return harness;
	};
	afterEach(async () => {
		await Promise.all(active.splice(0).map(async (harness) => await harness.close()));
	});

	it('emits mail waiting at activation, then each new mail within seconds through IDLE, once, marked read', async () => {
		const address = newMailbox('instant');
		await appendMessages(address, [rawMail('Waiting 1'), rawMail('Waiting 2')]);
		const trigger = await activate(address);
		await until('the waiting mail', 10_000, () => trigger.items.length >= 2);
		expect(subjects(trigger)).toEqual(['Waiting 1', 'Waiting 2']);

		const latencies: number[] = [];
		for (const subject of ['New 1', 'New 2', 'New 3']) {
			const sent = Date.now();
			await appendMessages(address, [rawMail(subject)]);
			await until(subject, 10_000, () => subjects(trigger).includes(subject));
			latencies.push(Date.now() - sent);
		}
		// fallbackPollSeconds is 300: only IDLE can have brought these in seconds.
		expect(Math.max(...latencies)).toBeLessThan(3000);
		await new Promise((resolve) => setTimeout(resolve, 500));
		expect(subjects(trigger)).toEqual(['Waiting 1', 'Waiting 2', 'New 1', 'New 2', 'New 3']);
		expect(trigger.errors).toEqual([]);
		expect(await seenFlags(address)).toEqual([true, true, true, true, true]);
		const cursor = (trigger.saved.cursors as Record<string, { lastUid: number }>).INBOX;
		expect(cursor.lastUid).toBe(5);
	});

	it('drains a burst of 35 in arrival order, 10 a cycle, with no repeat', async () => {
		const address = newMailbox('instant-burst');
		const trigger = await activate(address, { maxEmailsPerCycle: 10 });
		const names = Array.from({ length: 35 }, (_, i) => `Burst ${String(i + 1).padStart(2, '0')}`);
		await appendMessages(
			address,
			names.map((name) => rawMail(name)),
		);
		await until('the burst', 20_000, () => trigger.items.length >= 35);
		await new Promise((resolve) => setTimeout(resolve, 500));
		expect(subjects(trigger)).toEqual(names);
		expect(Math.max(...trigger.emissions.map((emission) => emission.items.length))).toBeLessThanOrEqual(10);
	});

	it('runs its cycles on the watching connection: one login for the catch-up, a burst, single mails and a move', async () => {
		const address = newMailbox('instant-one-login');
		const proxy = await startFaultProxy(servers().ports.imap);
		try {
			await appendMessages(address, [rawMail('Waiting')]);
			const harness = await activateInstant({
				credentials: credentialsFor(address, { imapPort: proxy.port, imapSecurity: 'none' }),
				parameters: { fallbackPollSeconds: 300, maxEmailsPerCycle: 5, moveToFolder: 'Handled' },
			});
			active.push(harness);
			await until('the waiting mail', 10_000, () => harness.items.length >= 1);
			const burst = Array.from({ length: 12 }, (_, i) => `Burst ${String(i + 1).padStart(2, '0')}`);
			await appendMessages(
				address,
				burst.map((name) => rawMail(name)),
			);
			await until('the burst', 15_000, () => harness.items.length >= 13);
			for (const subject of ['Single 1', 'Single 2']) {
				const sent = Date.now();
				await appendMessages(address, [rawMail(subject)]);
				await until(subject, 10_000, () => subjects(harness).includes(subject));
				// Still IDLE on the watched folder after cycles that selected it read-write and moved mail away.
				expect(Date.now() - sent).toBeLessThan(3000);
			}
			await new Promise((resolve) => setTimeout(resolve, 500));
			expect(subjects(harness)).toEqual(['Waiting', ...burst, 'Single 1', 'Single 2']);
			expect(harness.errors).toEqual([]);
			expect(proxy.connections).toBe(1);
			expect((await waitForMessages(address, 15, { folder: 'Handled' })).length).toBe(15);
		} finally {
			await proxy.close();
		}
	});

	it('continues from the saved cursor after a deactivation: nothing repeated, nothing lost', async () => {
		const address = newMailbox('instant-restart');
		const first = await activate(address, { markAsRead: false, unreadOnly: false });
		await appendMessages(address, [rawMail('Before 1'), rawMail('Before 2')]);
		await until('the first mails', 10_000, () => first.items.length >= 2);
		await first.close();
		// Delivered while the workflow was inactive.
		await appendMessages(address, [rawMail('While off')]);
		const second = await activate(address, { markAsRead: false, unreadOnly: false }, first.saved);
		await until('the mail delivered while inactive', 10_000, () => second.items.length >= 1);
		await appendMessages(address, [rawMail('After')]);
		await until('the mail after', 10_000, () => second.items.length >= 2);
		await new Promise((resolve) => setTimeout(resolve, 500));
		expect(subjects(first)).toEqual(['Before 1', 'Before 2']);
		expect(subjects(second)).toEqual(['While off', 'After']);
		expect(await seenFlags(address)).toEqual([false, false, false, false]);
	});

	it('watches every folder on its own connection, and closes them all on deactivation', async () => {
		const address = newMailbox('instant-folders');
		await appendMessages(address, [rawMail('Seed')], { folder: 'Alerts' });
		const trigger = await activate(address, { folders: 'INBOX, Alerts' });
		await until('the seed mail', 10_000, () => trigger.items.length >= 1);
		await appendMessages(address, [rawMail('In alerts')], { folder: 'Alerts' });
		await appendMessages(address, [rawMail('In inbox')]);
		await until('both folders', 10_000, () => trigger.items.length >= 3);
		expect(trigger.items.map((item) => [item.folder, item.subject]).sort()).toEqual([
			['Alerts', 'In alerts'],
			['Alerts', 'Seed'],
			['INBOX', 'In inbox'],
		]);
		expect(Object.keys(trigger.saved.cursors as object).sort()).toEqual(['Alerts', 'INBOX']);
		expect(imapSessions(address)).toBe(2);
		await trigger.close();
		await until('every session closed on the server', 5000, () => imapSessions(address) === 0);
	});

	it('a manual test step shows the newest matching mail and changes nothing', async () => {
		const address = newMailbox('instant-manual');
		await appendMessages(address, [rawMail('Older'), rawMail('Newest')]);
		const step = await testStep({ credentials: credentialsFor(address), parameters: {} });
		expect(subjects(step)).toEqual(['Newest']);
		expect(step.saved).toEqual({});
		expect(await seenFlags(address)).toEqual([false, false]);
		expect(imapSessions(address)).toBe(0);

		const empty = newMailbox('instant-manual-empty');
		await expect(testStep({ credentials: credentialsFor(empty), parameters: {} })).rejects.toThrow(
			/No mail in INBOX matches/,
		);
	});

	it('fails activation visibly for a folder that does not exist, leaving no connection open', async () => {
		const address = newMailbox('instant-missing');
		await expect(activate(address, { folders: 'INBOX, Nope' })).rejects.toThrow(
			/Folder "Nope".*cannot be opened.*Folders parameter/,
		);
		await until('every session closed on the server', 5000, () => imapSessions(address) === 0);
	});

	it('reports a folder deleted while watched to n8n (emitError) and closes its connections', async () => {
		const address = newMailbox('instant-deleted');
		await appendMessages(address, [rawMail('Seed')], { folder: 'Doomed' });
		const trigger = await activate(address, { folders: 'INBOX, Doomed' });
		await until('the seed mail', 10_000, () => trigger.items.length >= 1);
		await openMailbox(address, async (client) => {
			await client.mailboxDelete('Doomed');
		});
		await until('the error handed to n8n', 15_000, () => trigger.errors.length > 0);
		expect(trigger.errors).toHaveLength(1);
		expect(trigger.errors[0].message).toMatch(/Folder "Doomed"/);
		await until('every session closed on the server', 5000, () => imapSessions(address) === 0);
	});

	it('never runs two cycles of a folder at once: requests during a cycle become one more cycle after it', async () => {
		const address = newMailbox('instant-serial');
		let running = 0;
		let most = 0;
		let cycles = 0;
		const watcher = new MailboxWatcher(accountFor(address), {
			folders: ['INBOX'],
			fallbackPollMs: 600_000,
			cycle: async () => {
				running++;
				most = Math.max(most, running);
				cycles++;
				await new Promise((resolve) => setTimeout(resolve, 300));
				running--;
				return false;
			},
			onFailure: (error) => {
				throw error;
			},
		});
		await watcher.start();
		try {
			// The catch-up cycle after connecting is under way; ten more requests arrive meanwhile.
			await until('the catch-up cycle', 5000, () => cycles === 1);
			for (let i = 0; i < 10; i++) watcher.requestCycle('INBOX');
			await until('the coalesced cycle', 5000, () => cycles === 2 && running === 0);
			await new Promise((resolve) => setTimeout(resolve, 500));
			expect({ most, cycles }).toEqual({ most: 1, cycles: 2 });
		} finally {
			await watcher.close();
		}
	});
});
