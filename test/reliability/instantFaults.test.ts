import { MailboxWatcher, pollMailbox, prepareTrigger, type FolderCursors, type MailError } from '../../nodes/mail';
import { readSettings, type TriggerContext } from '../../nodes/shared/triggerItems';
import { startFaultProxy, type FaultProxy } from '../helpers/faultProxy';
import { activateInstant, until, type InstantHarness } from '../helpers/instantContext';
import { startPrivateDovecot, type PrivateDovecot } from './privateDovecot';
import { printTable } from './seeded';

const FALLBACK_SECONDS = 3;
const BURST = 200;
// A week of IDLE at one renewal every 25 minutes.
const WEEK_OF_RENEWALS = Math.ceil((7 * 24 * 60) / 25);

/** IDLE commands the client has sent through the proxy so far. */
function idleCommands(proxy: FaultProxy): number {
	return (proxy.clientText.match(/^\S+ IDLE\r$/gm) ?? []).length;
}

function rawMail(id: string, address: string): string {
	return [
		'From: Sensor <sensor@example.test>',
		`To: ${address}`,
		`Subject: ${id}`,
		`Date: ${new Date().toUTCString()}`,
		`Message-ID: <${id}@instant.test>`,
		'Content-Type: text/plain; charset=utf-8',
		'',
		`Alert ${id}`,
		'',
	].join('\r\n');
}

/** The trigger's defaults as the node reads them, with some changed: the mail module's own settings. */
function settings(overrides: Record<string, unknown>) {
	const defaults = { getNodeParameter: (_name: string, fallback: unknown) => fallback } as unknown as TriggerContext;
	return prepareTrigger({ ...readSettings(defaults), ...overrides });
}

describe('Mailbox Trigger (Instant) under network and server faults', () => {
	let dovecot: PrivateDovecot;
	let proxy: FaultProxy;

	beforeAll(async () => {
		dovecot = await startPrivateDovecot();
		proxy = await startFaultProxy(dovecot.ports.imap);
	}, 60_000);

	afterAll(async () => {
		await proxy?.close();
		await dovecot?.close();
	});

	it(`loses and repeats nothing through a dropped IDLE, a server restart, a quiet IDLE and a burst of ${BURST} during a reconnect, each recovered within the fallback interval`, async () => {
		const address = `instant-faults@example.test`;
		const trigger: InstantHarness = await activateInstant({
			credentials: dovecot.credentials(address, { imapPort: proxy.port }),
			parameters: { fallbackPollSeconds: FALLBACK_SECONDS, maxEmailsPerCycle: 10, scriptTimeoutSeconds: 10 },
		});
		const rows: Array<Record<string, string | number>> = [];
		const expected: string[] = [];
		const emittedIds = () => trigger.items.map((item) => String(item.subject));
		let next = 0;
		const batch = (count: number) => Array.from({ length: count }, () => `mail-${String(++next).padStart(3, '0')}`);
		const idleOnServer = () =>
			until('the trigger back in IDLE', 20_000, () => trigger.items.length === expected.length && proxy.idling === 1);

		try {
			await idleOnServer();
			const scenario = async (name: string, count: number, inject: (ids: string[]) => Promise<number>) => {
				const ids = batch(count);
				expected.push(...ids);
				const connectionsBefore = proxy.connections;
				// `inject` returns when the fault is over: recovery is counted from there.
				const healed = await inject(ids);
				const firstWait = await until(`${name}: first mail`, 60_000, () => emittedIds().includes(ids[0]));
				await until(`${name}: every mail`, 60_000, () => ids.every((id) => emittedIds().includes(id)));
				const recoveredMs = Date.now() - healed;
				rows.push({
					scenario: name,
					mails: count,
					firstEmitAfterFaultMs: firstWait,
					allEmittedAfterFaultMs: recoveredMs,
					newConnections: proxy.connections - connectionsBefore,
				});
				return { firstWait, recoveredMs };
			};

			const drop = await scenario('connection dropped during IDLE', 5, async (ids) => {
				proxy.cut();
				await dovecot.append(
					address,
					ids.map((id) => rawMail(id, address)),
				);
				return Date.now();
			});
			expect(drop.firstWait).toBeLessThan(FALLBACK_SECONDS * 1000);
			await idleOnServer();

			const restart = await scenario('Dovecot restarted', 5, async (ids) => {
				dovecot.stop();
				await dovecot.start();
				await dovecot.append(
					address,
					ids.map((id) => rawMail(id, address)),
				);
				return Date.now();
			});
			expect(restart.firstWait).toBeLessThan(FALLBACK_SECONDS * 1000 + 2000);
			await idleOnServer();

			const swallowedBefore = proxy.swallowed;
			proxy.quietIdle = true;
			const quiet = await scenario('IDLE gone quiet (EXISTS swallowed)', 5, async (ids) => {
				// Safety cycles run on the IDLE connection: mail appended just before one would be found
				// by it and announced outside IDLE. Append just after one, while a whole interval is ahead.
				const idles = idleCommands(proxy);
				await until(
					'IDLE resumed after a safety cycle',
					2 * FALLBACK_SECONDS * 1000,
					() => idleCommands(proxy) > idles,
				);
				await dovecot.append(
					address,
					ids.map((id) => rawMail(id, address)),
				);
				return Date.now();
			});
			// The notice was really swallowed: only the safety cycle can have found the mail.
			await until('the IDLE notice swallowed', 10_000, () => proxy.swallowed > swallowedBefore);
			proxy.quietIdle = false;
			expect(quiet.firstWait).toBeLessThan(FALLBACK_SECONDS * 1000 + 2000);
			await idleOnServer();

			const burst = await scenario(`burst of ${BURST} during a reconnect`, BURST, async (ids) => {
				proxy.down();
				await dovecot.append(
					address,
					ids.map((id) => rawMail(id, address)),
				);
				proxy.up();
				return Date.now();
			});
			expect(burst.firstWait).toBeLessThan(FALLBACK_SECONDS * 1000 + 2000);
			await idleOnServer();

			// Quiet afterwards: nothing more comes.
			await new Promise((resolve) => setTimeout(resolve, FALLBACK_SECONDS * 1000 + 500));
		} finally {
			await trigger.close();
		}

		const counts = new Map<string, number>();
		for (const id of emittedIds()) counts.set(id, (counts.get(id) ?? 0) + 1);
		const lost = expected.filter((id) => !counts.has(id));
		const repeated = [...counts].filter(([, count]) => count > 1).map(([id]) => id);
		const unseen = await dovecot.imap(address, async (client) => {
			await client.mailboxOpen('INBOX', { readOnly: true });
			return (await client.search({ seen: false }, { uid: true })) || [];
		});
		printTable(`Instant trigger faults (fallback ${FALLBACK_SECONDS} s)`, rows);
		printTable('Instant trigger fault totals', [
			{
				mails: expected.length,
				emittedOnce: [...counts.values()].filter((count) => count === 1).length,
				lost: lost.length,
				repeated: repeated.length,
				leftUnseen: unseen.length,
				errorsToN8n: trigger.errors.length,
			},
		]);
		expect(lost).toEqual([]);
		expect(repeated).toEqual([]);
		expect(emittedIds()).toEqual(expected);
		expect(unseen).toEqual([]);
		expect(trigger.errors).toEqual([]);
		await until('no session left on the server', 5000, () => dovecot.sessions(address) === 0);
	}, 240_000);

	it(`renews IDLE a week's worth of times (${WEEK_OF_RENEWALS}) on one connection: none leaked, mail still arrives in seconds`, async () => {
		const address = 'instant-week@example.test';
		const account = dovecot.account(address, { imapPort: proxy.port });
		const trigger = settings({ folders: 'INBOX' });
		let cursors: FolderCursors = {};
		const emitted: string[] = [];
		const watcher = new MailboxWatcher(account, {
			folders: ['INBOX'],
			fallbackPollMs: 600_000,
			idleRenewMs: 25,
			cycle: async () => {
				const result = await pollMailbox(account, cursors, trigger);
				cursors = result.cursors;
				emitted.push(...result.mails.map((mail) => String(mail.json.subject)));
				return false;
			},
			onFailure: (error) => {
				throw error;
			},
		});
		const connectionsBefore = proxy.connections;
		const idlesBefore = idleCommands(proxy);
		await watcher.start();
		try {
			const started = Date.now();
			await until('a week of renewals', 120_000, () => watcher.renewals >= WEEK_OF_RENEWALS);
			const weekMs = Date.now() - started;
			// One IDLE connection throughout, plus the one catch-up cycle's own connection.
			expect(watcher.connects).toBe(1);
			// Each renewal really ended the IDLE and issued a new one on the wire.
			expect(idleCommands(proxy) - idlesBefore).toBeGreaterThanOrEqual(WEEK_OF_RENEWALS);
			expect(dovecot.sessions(address)).toBe(1);
			const sent = Date.now();
			await dovecot.append(address, [rawMail('after-a-week', address)]);
			const latency = await until('mail after a week of renewals', 10_000, () => emitted.includes('after-a-week'));
			expect(latency).toBeLessThan(3000);
			printTable('A week of IDLE renewals', [
				{
					renewals: watcher.renewals,
					ms: weekMs,
					watcherConnects: watcher.connects,
					proxyConnections: proxy.connections - connectionsBefore,
					serverSessions: dovecot.sessions(address),
					mailLatencyMs: Date.now() - sent,
				},
			]);
		} finally {
			await watcher.close();
		}
		expect(watcher.openConnections).toBe(0);
		await until('no session left on the server', 5000, () => dovecot.sessions(address) === 0);
	}, 180_000);

	it('reports a connection it cannot restore (once), and has closed everything by then', async () => {
		const address = 'instant-gone@example.test';
		const account = dovecot.account(address, { imapPort: proxy.port });
		const failures: MailError[] = [];
		const watcher = new MailboxWatcher(account, {
			folders: ['INBOX'],
			fallbackPollMs: 500,
			firstBackoffMs: 100,
			maxBackoffMs: 400,
			giveUpMs: 2000,
			cycle: async () => false,
			onFailure: (error) => failures.push(error),
		});
		await watcher.start();
		proxy.down();
		try {
			const reported = await until('the failure reported', 10_000, () => failures.length > 0);
			expect(reported).toBeGreaterThanOrEqual(2000);
			await new Promise((resolve) => setTimeout(resolve, 1500));
			expect(failures).toHaveLength(1);
			expect(failures[0].message).toMatch(/^Folder "INBOX", still after [2-9] s of retrying: /);
			expect(failures[0].code).toMatch(/CONNECTION_REFUSED|CONNECTION_FAILED/);
			expect(watcher.openConnections).toBe(0);
			expect(dovecot.sessions(address)).toBe(0);
		} finally {
			proxy.up();
			await watcher.close();
		}
	}, 60_000);
});
