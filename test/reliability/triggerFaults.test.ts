import { startFaultProxy, type Fault, type FaultProxy } from '../helpers/faultProxy';
import { triggerHarness, type TriggerHarness } from '../helpers/pollContext';
import { startPrivateDovecot, type PrivateDovecot } from './privateDovecot';
import { printTable, seededRandom } from './seeded';

const SEED = Number(process.env.RELIABILITY_SEED || 20261130);
const STREAM = 200;
const BUDGET_SECONDS = 2;

function rawMail(index: number, address: string): string {
	const id = `stream-${String(index).padStart(3, '0')}@reliability.test`;
	return [
		'From: Sensor <sensor@example.test>',
		`To: ${address}`,
		`Subject: Alert ${index}`,
		`Date: ${new Date().toUTCString()}`,
		`Message-ID: <${id}>`,
		'MIME-Version: 1.0',
		'Content-Type: text/plain; charset=utf-8',
		'',
		`Alert number ${index}. ${'padding '.repeat(100 + index * 7)}`,
		'',
	].join('\r\n');
}

type Scenario =
	| 'drop during SEARCH'
	| 'drop during FETCH after N bytes'
	| 'drop during STORE \\Seen'
	| 'stall during FETCH'
	| 'stall at login'
	| 'connection refused'
	| 'Dovecot restart between polls'
	| 'Dovecot restart mid-FETCH'
	| 'UIDVALIDITY change';

const SCENARIOS: Scenario[] = ['drop during SEARCH', 'drop during FETCH after N bytes', 'drop during STORE \\Seen', 'stall during FETCH', 'stall at login', 'connection refused', 'Dovecot restart between polls', 'Dovecot restart mid-FETCH', 'UIDVALIDITY change'];

type Row = {
	round: number;
	scenario: string;
	delivered: number;
	faultedPoll: string;
	ms: number;
	recovered: string;
};

describe('Mailbox Trigger under network and server faults', () => {
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

	it(`emits each of ${STREAM} mails exactly once through seeded faults (seed ${SEED}), and the poll after each fault recovers`, async () => {
		const random = seededRandom(SEED);
		const address = `stream-${SEED}@example.test`;
		const emitted = new Map<string, number>();
		const rows: Row[] = [];
		let trigger: TriggerHarness = triggerHarness({
			credentials: dovecot.credentials(address, { imapPort: proxy.port }),
			parameters: { unreadOnly: true, markAsRead: true, maxEmailsPerCycle: 10, scriptTimeoutSeconds: BUDGET_SECONDS },
		});
		const poll = async () => {
			const started = Date.now();
			const warnings = trigger.warnings.length;
			try {
				const items = await trigger.poll();
				for (const item of items) {
					const id = String(item.json.message_id);
					emitted.set(id, (emitted.get(id) ?? 0) + 1);
				}
				// Mail built before a cut is emitted, and the cut logged as a warning.
				return { ok: true, items: items.length, ms: Date.now() - started, error: trigger.warnings.slice(warnings).join(' ') };
			} catch (error) {
				return { ok: false, items: 0, ms: Date.now() - started, error: (error as Error).message };
			}
		};

		// Every fault three times, in a seeded order, with healthy rounds in between.
		const plan = random.shuffle([...SCENARIOS, ...SCENARIOS, ...SCENARIOS, 'none', 'none', 'none', 'none'] as Array<Scenario | 'none'>);
		let delivered = 0;
		for (const [round, scenario] of plan.entries()) {
			const batch = round === plan.length - 1 ? STREAM - delivered : Math.min(STREAM - delivered, random.int(4, 9));
			await dovecot.append(address, Array.from({ length: batch }, (_, i) => rawMail(delivered + i + 1, address)));
			delivered += batch;

			let fault: Fault | undefined;
			if (scenario === 'drop during SEARCH') fault = { cutOn: /UID SEARCH/i };
			if (scenario === 'drop during FETCH after N bytes') fault = { dropAfter: { after: /UID FETCH/i, bytes: random.int(1, 12_000) } };
			if (scenario === 'drop during STORE \\Seen') fault = { cutOn: /UID STORE/i };
			if (scenario === 'stall during FETCH') fault = { stallOn: /UID FETCH/i };
			if (scenario === 'stall at login') fault = { stallOn: /LOGIN|AUTHENTICATE/i };
			if (fault) proxy.arm(fault);
			if (scenario === 'connection refused') proxy.down();
			if (scenario === 'Dovecot restart between polls') dovecot.stop();
			if (scenario === 'UIDVALIDITY change') dovecot.changeUidValidity(address, 'INBOX');

			let faulted;
			if (scenario === 'Dovecot restart mid-FETCH') {
				// The FETCH is held at the proxy, Dovecot goes down under it and comes back.
				proxy.arm({ stallOn: /UID FETCH/i });
				const polling = poll();
				while (proxy.armed) await new Promise((resolve) => setTimeout(resolve, 10));
				dovecot.stop();
				await dovecot.start();
				faulted = await polling;
			} else {
				faulted = await poll();
			}
			proxy.disarm();
			proxy.up();
			if (scenario === 'Dovecot restart between polls') await dovecot.start();
			// A poll stuck on a silent server is cut at its budget plus grace, never hangs.
			expect(faulted.ms).toBeLessThan(BUDGET_SECONDS * 2 * 1000 + 3000);

			const recovery = await poll();
			expect(recovery).toMatchObject({ ok: true });
			rows.push({
				round: round + 1,
				scenario,
				delivered,
				faultedPoll: faulted.ok ? `ok, ${faulted.items} items${faulted.error ? ', warned' : ''}` : `failed: ${faulted.error.slice(0, 70)}`,
				ms: faulted.ms,
				recovered: `ok, ${recovery.items} items`,
			});
			// n8n builds a new trigger instance when a workflow is re-activated; state lives in static data only.
			trigger = triggerHarness({ credentials: dovecot.credentials(address, { imapPort: proxy.port }), parameters: trigger.parameters, staticData: trigger.staticData });
		}
		// Drain the backlog with a healthy connection.
		for (let i = 0; i < STREAM / 10 + 2; i++) expect(await poll()).toMatchObject({ ok: true });

		const counts = [...emitted.values()];
		const expected = Array.from({ length: STREAM }, (_, i) => `<stream-${String(i + 1).padStart(3, '0')}@reliability.test>`);
		const lost = expected.filter((id) => !emitted.has(id));
		const repeated = [...emitted].filter(([, count]) => count > 1).map(([id]) => id);
		const unknown = [...emitted.keys()].filter((id) => !expected.includes(id));
		const unseen = await dovecot.imap(address, async (client) => {
			await client.mailboxOpen('INBOX', { readOnly: true });
			return (await client.search({ seen: false }, { uid: true })) || [];
		});

		printTable(`Trigger fault stream, seed ${SEED}: ${rows.length} rounds, ${plan.filter((s) => s !== 'none').length} faults`, rows);
		const summary = Object.fromEntries(
			SCENARIOS.map((scenario) => [scenario, rows.filter((row) => row.scenario === scenario).length]),
		);
		printTable('Trigger fault totals', [
			{ mails: STREAM, emittedOnce: counts.filter((count) => count === 1).length, lost: lost.length, repeated: repeated.length, unknown: unknown.length, leftUnseenOnServer: unseen.length, faults: Object.values(summary).reduce((a, b) => a + b, 0), proxyFired: proxy.fired },
		]);

		expect(Object.values(summary).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(20);
		expect(lost).toEqual([]);
		expect(repeated).toEqual([]);
		expect(unknown).toEqual([]);
		// \Seen kept from the server by a dropped STORE is set on a later cycle.
		expect(unseen).toEqual([]);
	}, 170_000);
});
