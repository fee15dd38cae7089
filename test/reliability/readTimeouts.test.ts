import { createServer, type Socket } from 'node:net';
import { readdirSync } from 'node:fs';

import type { IDataObject } from 'n8n-workflow';

import { DEFAULT_READ_TIMEOUT_SECONDS, timeBudget } from '../../nodes/mail';
import { Email } from '../../nodes/Email/Email.node';
import { startFaultProxy, type FaultProxy } from '../helpers/faultProxy';
import { mailWithAttachment } from '../helpers/mails';
import { runNode } from '../helpers/nodeContext';
import { appendMessages, credentialsFor, newMailbox, servers } from '../helpers/servers';
import { scratchFolders } from './seeded';

const BUDGET_SECONDS = 2;
// The budget, plus what a loaded machine adds before the timer's callback runs.
const LATEST_MS = BUDGET_SECONDS * 1000 + 2500;

/** Runs the Mailbox node once; the error message or the output item, and how long it took. */
async function timed(parameters: IDataObject, credentials: Record<string, unknown>) {
	const started = Date.now();
	const outcome = await runNode(new Email(), { parameters, credentials }).then(
		([items]) => ({ item: items[0], error: undefined as (Error & { description?: string }) | undefined }),
		(error: Error & { description?: string }) => ({ item: undefined, error }),
	);
	return { ...outcome, ms: Date.now() - started };
}

async function until(condition: () => boolean, timeoutMs = 3000) {
	const deadline = Date.now() + timeoutMs;
	while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
}

const TIMEOUT_MESSAGE = new RegExp(
	`did not finish answering within ${BUDGET_SECONDS} seconds, so the connection was closed: .*raise the option "Timeout Seconds"`,
);

describe('read operations against a server that stops answering', () => {
	const scratch = scratchFolders();
	let proxy: FaultProxy;
	beforeAll(async () => {
		proxy = await startFaultProxy(servers().ports.imap);
	});
	afterAll(async () => {
		await proxy.close();
		scratch.removeAll();
	});
	afterEach(() => proxy.disarm());

	it('Download Attachments stalled mid-FETCH fails with TIMEOUT within its budget, closes the session and leaves no file', async () => {
		const address = newMailbox('stalldl');
		const messageId = `<stall-${Date.now()}@example.test>`;
		await appendMessages(address, [
			mailWithAttachment('capture.pcap', Buffer.alloc(300_000, 7), messageId, 'evidence'),
		]);
		const credentials = credentialsFor(address, { imapPort: proxy.port, imapSecurity: 'none' });
		const directory = scratch.make('mailbox-stall-');
		const parameters = {
			operation: 'downloadAttachments',
			folder: 'INBOX',
			downloadPath: directory,
			messageId,
			subjectFilter: '',
			emailUid: '',
			onlyUnread: false,
			options: { timeoutSeconds: BUDGET_SECONDS },
		};

		proxy.arm({ stallOn: /UID FETCH/i });
		const stalled = await timed(parameters, credentials);
		expect(proxy.fired).toBeGreaterThanOrEqual(1);
		expect(stalled.error?.message).toMatch(TIMEOUT_MESSAGE);
		expect(stalled.error?.description).toBe('Reason code: TIMEOUT (IMAP)');
		expect(stalled.ms).toBeGreaterThanOrEqual(BUDGET_SECONDS * 1000 - 50);
		expect(stalled.ms).toBeLessThan(LATEST_MS);
		await until(() => proxy.openConnections === 0);
		expect(proxy.openConnections).toBe(0);
		expect(readdirSync(directory)).toEqual([]);

		// The same call on a healthy connection, under the same budget: the whole file.
		const healthy = await timed(parameters, credentials);
		expect(healthy.error).toBeUndefined();
		expect(readdirSync(directory)).toEqual(['capture.pcap']);
	});

	it.each([
		[
			'search',
			/UID SEARCH|SEARCH/i,
			{
				operation: 'search',
				folder: 'INBOX',
				from: '',
				to: '',
				subject: 'stall',
				text: '',
				since: '',
				before: '',
				unreadOnly: false,
				messageId: '',
				limit: 50,
			},
		],
		[
			'move',
			/UID MOVE|UID COPY/i,
			{
				operation: 'move',
				folder: 'INBOX',
				emailUid: '',
				destinationFolder: 'Archive',
				options: { createFolder: true },
			},
		],
		['setFlags', /UID STORE/i, { operation: 'setFlags', folder: 'INBOX', emailUid: '', markAs: 'read' }],
	])('%s against a server that stops answering fails with TIMEOUT within its budget', async (_name, stallOn, base) => {
		const address = newMailbox(`stall${_name.toLowerCase()}`);
		const messageId = `<stall-${_name}-${Date.now()}@example.test>`;
		await appendMessages(address, [mailWithAttachment('note.txt', Buffer.from('stall'), messageId, 'stall')]);
		const credentials = credentialsFor(address, { imapPort: proxy.port, imapSecurity: 'none' });
		const parameters = {
			...base,
			messageId,
			options: { ...((base as IDataObject).options as IDataObject), timeoutSeconds: BUDGET_SECONDS },
		};

		proxy.arm({ stallOn });
		const stalled = await timed(parameters, credentials);
		expect(proxy.fired).toBeGreaterThanOrEqual(1);
		expect(stalled.error?.message).toMatch(TIMEOUT_MESSAGE);
		expect(stalled.ms).toBeLessThan(LATEST_MS);
		await until(() => proxy.openConnections === 0);
		expect(proxy.openConnections).toBe(0);
	});

	it('Get EML File stalled at login fails with TIMEOUT within its budget', async () => {
		const address = newMailbox('stalleml');
		const messageId = `<stall-eml-${Date.now()}@example.test>`;
		await appendMessages(address, [
			mailWithAttachment('capture.pcap', Buffer.alloc(300_000, 7), messageId, 'evidence'),
		]);
		const credentials = credentialsFor(address, { imapPort: proxy.port, imapSecurity: 'none' });
		const parameters = {
			operation: 'getEml',
			folder: 'INBOX',
			messageId,
			emailUid: '',
			base64Encode: true,
			options: { timeoutSeconds: BUDGET_SECONDS },
		};

		proxy.arm({ stallOn: /LOGIN|AUTHENTICATE/i });
		const stalled = await timed(parameters, credentials);
		expect(stalled.error?.message).toMatch(TIMEOUT_MESSAGE);
		expect(stalled.ms).toBeLessThan(LATEST_MS);
		await until(() => proxy.openConnections === 0);
		expect(proxy.openConnections).toBe(0);

		const healthy = await timed(parameters, credentials);
		expect(healthy.item?.json).toMatchObject({ found: true, message_id: messageId });
	});

	it('Get EML File against a server that accepts the connection and never greets fails with TIMEOUT within its budget', async () => {
		const sockets = new Set<Socket>();
		const silent = createServer((socket) => sockets.add(socket));
		await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
		try {
			const port = (silent.address() as { port: number }).port;
			const stalled = await timed(
				{
					operation: 'getEml',
					folder: 'INBOX',
					messageId: '<x@example.test>',
					emailUid: '',
					base64Encode: true,
					options: { timeoutSeconds: BUDGET_SECONDS },
				},
				credentialsFor(newMailbox('silent'), { imapPort: port, imapSecurity: 'none' }),
			);
			expect(stalled.error?.message).toMatch(/timeout|did not (finish )?answer/i);
			expect(stalled.error?.description).toBe('Reason code: TIMEOUT (IMAP)');
			expect(stalled.ms).toBeLessThan(LATEST_MS);
		} finally {
			for (const socket of sockets) socket.destroy();
			await new Promise((resolve) => silent.close(resolve));
		}
	});

	it('Wait for Reply whose search stalls opens a new connection after Server Timeout Seconds and still finds the reply', async () => {
		const [soc, analyst] = [newMailbox('stallsoc'), newMailbox('stallanalyst')];
		const question = `<question-${Date.now()}@example.test>`;
		await appendMessages(soc, [
			[
				`From: ${analyst}`,
				`To: ${soc}`,
				'Subject: Re: block?',
				`In-Reply-To: ${question}`,
				`References: ${question}`,
				`Message-ID: <reply-${Date.now()}@example.test>`,
				'',
				'{{approve}}',
				'',
			].join('\r\n'),
		]);
		proxy.arm({ stallOn: /UID SEARCH/i });
		const connectionsBefore = proxy.connections;
		const result = await timed(
			{
				operation: 'waitForReply',
				messageId: question,
				recipients: analyst,
				exclusionSubjectRegex: '',
				exclusionBodyRegex: '',
				options: { timeoutMinutes: 1, pollSeconds: 30, serverTimeoutSeconds: BUDGET_SECONDS },
			},
			credentialsFor(soc, { imapPort: proxy.port, imapSecurity: 'none' }),
		);
		expect(proxy.fired).toBeGreaterThanOrEqual(1);
		expect(result.item?.json).toMatchObject({ is_success: true, timed_out: false, answer: 'approve' });
		expect(proxy.connections - connectionsBefore).toBe(2);
		expect(result.ms).toBeGreaterThanOrEqual(BUDGET_SECONDS * 1000 - 50);
		expect(result.ms).toBeLessThan(LATEST_MS + 2000);
	});

	it('Wait for Reply whose first login stalls fails with TIMEOUT naming Server Timeout Seconds', async () => {
		proxy.arm({ stallOn: /LOGIN|AUTHENTICATE/i });
		const result = await timed(
			{
				operation: 'waitForReply',
				messageId: '<q@example.test>',
				recipients: '',
				exclusionSubjectRegex: '',
				exclusionBodyRegex: '',
				options: { timeoutMinutes: 1, serverTimeoutSeconds: BUDGET_SECONDS },
			},
			credentialsFor(newMailbox('stallwait'), { imapPort: proxy.port, imapSecurity: 'none' }),
		);
		expect(result.error?.message).toMatch(
			/did not finish answering within 2 seconds, so the connection was closed: .*raise the option "Server Timeout Seconds"/,
		);
		expect(result.ms).toBeLessThan(LATEST_MS);
	});

	it('a budget that is not a positive number is refused, naming the option; unset is the default', async () => {
		const refused = await timed(
			{
				operation: 'getEml',
				folder: 'INBOX',
				messageId: '<x@example.test>',
				emailUid: '',
				base64Encode: true,
				options: { timeoutSeconds: 0 },
			},
			credentialsFor(newMailbox('budget')),
		);
		expect(refused.error?.message).toBe('The option "Timeout Seconds" must be a number of seconds above 0, e.g. 120.');
		expect(timeBudget(undefined, 'x').timeoutMs).toBe(DEFAULT_READ_TIMEOUT_SECONDS * 1000);
		expect(DEFAULT_READ_TIMEOUT_SECONDS).toBe(120);
	});
});
