import { ImapSessions } from '../../nodes/mail';
import { startFaultProxy, type FaultProxy } from '../helpers/faultProxy';
import { triggerHarness } from '../helpers/pollContext';
import { accountFor, appendMessages, credentialsFor, imapSessions, newMailbox, servers } from '../helpers/servers';

function rawMail(subject: string, to: string): string {
	return [
		`From: Reporter <reporter@example.test>`,
		`To: ${to}`,
		`Subject: ${subject}`,
		`Date: ${new Date().toUTCString()}`,
		`Message-ID: <${subject.replace(/\W+/g, '-')}-${Date.now()}@example.test>`,
		'Content-Type: text/plain',
		'',
		`Body of ${subject}`,
		'',
	].join('\r\n');
}

const subjects = (items: Array<{ json: Record<string, unknown> }>) => items.map((item) => item.json.subject);

async function until(what: string, timeoutMs: number, done: () => boolean): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!done()) {
		if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
}

describe('Mailbox Trigger keeps its IMAP session between polls', () => {
	let proxy: FaultProxy;

	beforeEach(async () => {
		proxy = await startFaultProxy(servers().ports.imap);
	});

	afterEach(async () => {
		await proxy.close();
	});

	const viaProxy = (address: string) => credentialsFor(address, { imapPort: proxy.port, imapSecurity: 'none' });

	it('logs in once for five polls, still sees each new mail, and leaves one session open in between', async () => {
		const address = newMailbox('kept');
		const trigger = triggerHarness({
			credentials: viaProxy(address),
			parameters: { unreadOnly: true, markAsRead: true },
		});
		for (let poll = 1; poll <= 5; poll++) {
			await appendMessages(address, [rawMail(`Kept ${poll}`, address)]);
			expect(subjects(await trigger.poll())).toEqual([`Kept ${poll}`]);
			expect(imapSessions(address)).toBe(1);
		}
		expect(await trigger.poll()).toEqual([]);
		expect(proxy.connections).toBe(1);
	});

	it('keeps the session past its socket timeout: it waits in IDLE between polls', async () => {
		const address = newMailbox('idle-kept');
		// Script Timeout Seconds is the poll's budget and its connection's socket timeout: 2 s here.
		const trigger = triggerHarness({
			credentials: viaProxy(address),
			parameters: { unreadOnly: false, markAsRead: false, scriptTimeoutSeconds: 2 },
		});
		await appendMessages(address, [rawMail('Before the quiet', address)]);
		expect(subjects(await trigger.poll())).toEqual(['Before the quiet']);
		await new Promise((resolve) => setTimeout(resolve, 5000));
		expect(proxy.idling).toBe(1);
		await appendMessages(address, [rawMail('After the quiet', address)]);
		expect(subjects(await trigger.poll())).toEqual(['After the quiet']);
		expect(proxy.connections).toBe(1);
	});

	it('logs in again when the server dropped the kept session, and loses and repeats nothing', async () => {
		const address = newMailbox('dropped');
		const trigger = triggerHarness({
			credentials: viaProxy(address),
			parameters: { unreadOnly: false, markAsRead: false },
		});
		await appendMessages(address, [rawMail('Before the drop', address)]);
		expect(subjects(await trigger.poll())).toEqual(['Before the drop']);
		proxy.cut();
		await appendMessages(address, [rawMail('After the drop', address)]);
		expect(subjects(await trigger.poll())).toEqual(['After the drop']);
		expect(await trigger.poll()).toEqual([]);
		expect(proxy.connections).toBe(2);
	});

	it('never shares a session: another workflow gets its own, and a changed credential logs in as the new user', async () => {
		const first = newMailbox('owner-a');
		const second = newMailbox('owner-b');
		await appendMessages(first, [rawMail('For A', first)]);
		await appendMessages(second, [rawMail('For B', second)]);
		const parameters = { unreadOnly: false, markAsRead: false };
		const workflowId = `workflow-sessions-${Date.now()}`;
		expect(subjects(await triggerHarness({ credentials: viaProxy(first), parameters, workflowId }).poll())).toEqual([
			'For A',
		]);
		// Another workflow on the same mailbox: a session of its own.
		expect(subjects(await triggerHarness({ credentials: viaProxy(first), parameters }).poll())).toEqual(['For A']);
		expect(proxy.connections).toBe(2);
		// The same workflow, its credential switched to another mailbox: never the first user's session.
		expect(subjects(await triggerHarness({ credentials: viaProxy(second), parameters, workflowId }).poll())).toEqual([
			'For B',
		]);
		expect(proxy.connections).toBe(3);
		await until("the first workflow's old session logged out", 5000, () => imapSessions(first) === 1);
	});

	it('logs a kept session out once its time is over, or when its owner closes it', async () => {
		const address = newMailbox('expiry');
		const sessions = new ImapSessions({ firstKeepMs: 500, maxKeepMs: 500 });
		await sessions.use('trigger-expires', accountFor(address), async (client) => await client.noop());
		expect(imapSessions(address)).toBe(1);
		await until('the session logged out after its time', 5000, () => imapSessions(address) === 0);

		const closing = new ImapSessions();
		await closing.use('trigger-closed', accountFor(address), async (client) => await client.noop());
		expect(imapSessions(address)).toBe(1);
		await closing.close('trigger-closed');
		await until('the session logged out on close', 5000, () => imapSessions(address) === 0);
	});
});
