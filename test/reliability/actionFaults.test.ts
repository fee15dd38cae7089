import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';

import type { IDataObject } from 'n8n-workflow';

import { Email } from '../../nodes/Email/Email.node';
import { downloadAttachments } from '../../nodes/mail';
import { hideCapabilities, startFaultProxy, type Fault } from '../helpers/faultProxy';
import { mailWithAttachment } from '../helpers/mails';
import { runNode } from '../helpers/nodeContext';
import { receiveQuestion, replyAs } from '../helpers/replies';
import {
	accountFor,
	appendMessages,
	credentialsFor,
	newMailbox,
	openMailbox,
	servers,
	waitForMessages,
} from '../helpers/servers';
import { printTable, scratchFolders, seededRandom } from './seeded';

const SEED = Number(process.env.RELIABILITY_SEED || 20261130);

async function runEmail(parameters: IDataObject, credentials: Record<string, unknown>) {
	const [items] = await runNode(new Email(), { parameters, credentials });
	return items;
}

describe('actions under a connection dropped mid-transfer', () => {
	const scratch = scratchFolders();
	afterAll(() => scratch.removeAll());

	it('Download Attachments and Get EML File fail with a clear error and leave no file under its final name', async () => {
		const address = newMailbox('dropdl');
		const payload = randomBytes(600_000);
		const messageId = `<big-${Date.now()}@example.test>`;
		const raw = mailWithAttachment('report.bin', payload, messageId);
		await appendMessages(address, [raw]);
		const size = Buffer.byteLength(raw);
		const random = seededRandom(SEED);
		// From the first byte of the answer to a few bytes short of the end.
		const cutPoints = [
			1,
			200,
			random.int(1_000, 100_000),
			random.int(100_000, Math.floor(size / 2)),
			random.int(Math.floor(size / 2), size - 100),
			size - 20,
		];
		const proxy = await startFaultProxy(servers().ports.imap);
		const rows: Array<Record<string, string | number>> = [];
		try {
			const credentials = credentialsFor(address, { imapPort: proxy.port, imapSecurity: 'none' });
			for (const bytes of cutPoints) {
				const directory = scratch.make('mailbox-drop-');
				proxy.arm({ dropAfter: { after: /UID FETCH/i, bytes } });
				const download = await runEmail(
					{
						operation: 'downloadAttachments',
						folder: 'INBOX',
						downloadPath: directory,
						messageId,
						subjectFilter: '',
						emailUid: '',
						onlyUnread: false,
						options: {},
					},
					credentials,
				).then(
					() => 'succeeded',
					(error: Error) => error.message,
				);
				const files = readdirSync(directory);
				proxy.arm({ dropAfter: { after: /UID FETCH/i, bytes } });
				const eml = await runEmail(
					{ operation: 'getEml', folder: 'INBOX', messageId, emailUid: '', base64Encode: true },
					credentials,
				).then(
					(items) => `answered found: ${String(items[0].json.found)}`,
					(error: Error) => error.message,
				);
				rows.push({
					cutAfterBytes: bytes,
					download: download.slice(0, 60),
					filesLeft: files.length,
					getEml: eml.slice(0, 60),
				});
				expect(download).toMatch(/connection to the IMAP server .* was lost in the middle of the operation/);
				expect(files).toEqual([]);
				expect(eml).toMatch(/connection to the IMAP server .* was lost in the middle of the operation/);
			}
			// The same operations through a healthy connection: the whole file, byte-exact.
			const directory = scratch.make('mailbox-drop-');
			const [item] = await runEmail(
				{
					operation: 'downloadAttachments',
					folder: 'INBOX',
					downloadPath: directory,
					messageId,
					subjectFilter: '',
					emailUid: '',
					onlyUnread: false,
					options: {},
				},
				credentials,
			);
			expect((item.json.attachments as Array<{ size: number }>)[0].size).toBe(payload.length);
			expect(readdirSync(directory)).toEqual(['report.bin']);
		} finally {
			await proxy.close();
		}
		printTable(
			`Download Attachments / Get EML File with the connection cut mid-transfer (message ${size} bytes)`,
			rows,
		);
	});

	it('Download Attachments of a mail too large to hold (streamed part by part) leaves no file when cut', async () => {
		const address = newMailbox('dropstream');
		const payload = randomBytes(600_000);
		await appendMessages(address, [mailWithAttachment('report.bin', payload, `<stream-${Date.now()}@example.test>`)]);
		const proxy = await startFaultProxy(servers().ports.imap);
		const random = seededRandom(SEED + 1);
		try {
			const account = accountFor(address, { imapPort: proxy.port, imapSecurity: 'none' });
			const run = (directory: string) =>
				downloadAttachments(account, {
					folder: 'INBOX',
					downloadPath: directory,
					filter: { uids: '1' },
					wholeMailLimitBytes: 0,
				});
			// Cut in the part's answer: after the BODYSTRUCTURE, somewhere in the 800 KB of base64.
			for (const bytes of [1, random.int(1_000, 400_000), random.int(400_000, 790_000)]) {
				const directory = scratch.make('mailbox-dropstream-');
				proxy.arm({ dropAfter: { after: /BODY\.PEEK\[2\]/i, bytes } });
				await expect(run(directory)).rejects.toThrow(/was lost in the middle of the operation/);
				expect(readdirSync(directory)).toEqual([]);
			}
			const directory = scratch.make('mailbox-dropstream-');
			const { attachments } = await run(directory);
			expect(attachments.map((file) => [file.filename, file.size])).toEqual([['report.bin', payload.length]]);
			expect(readdirSync(directory)).toEqual(['report.bin']);
		} finally {
			await proxy.close();
		}
	});

	it('Send Email and Wait survives its IMAP connection dropped in the middle of reading the reply, and still answers', async () => {
		const [sender, analyst] = [newMailbox('soc'), newMailbox('analyst')];
		const proxy = await startFaultProxy(servers().ports.imap);
		try {
			const waiting = runEmail(
				{
					operation: 'sendAndWait',
					recipients: analyst,
					cc: '',
					bcc: '',
					subject: 'Approve block?',
					content: 'Reply {{approve}} or {{deny}}.',
					exclusionSubjectRegex: '',
					exclusionBodyRegex: '',
					options: { contentType: 'text', timeoutMinutes: 1, pollSeconds: 2 },
				},
				credentialsFor(sender, { imapPort: proxy.port, imapSecurity: 'none' }),
			);
			const question = await receiveQuestion(analyst);
			// The reply's FETCH is cut after 300 bytes: the wait must reconnect and read it again.
			proxy.arm({ dropAfter: { after: /UID FETCH/i, bytes: 300 } });
			await replyAs(analyst, sender, question, { text: '{{approve}}' });
			await waitForMessages(sender, 1);
			const [result] = await waiting;
			expect(result.json).toMatchObject({ is_success: true, answer: 'approve' });
			expect(proxy.fired).toBe(1);
			expect(proxy.connections).toBeGreaterThanOrEqual(2);
		} finally {
			await proxy.close();
		}
	});
});

/*
 * Move Email on a server without MOVE (UID COPY, \Deleted, UID EXPUNGE), each move cut at a random
 * step, then run again as n8n's Retry On Fail would: a cut while the server answers the COPY leaves
 * unknown whether the copy was made, so the retry looks for the Message-ID in the target first.
 * Every mail must end in the target exactly once and nowhere else.
 */
describe('Move Email without MOVE, cut at random steps and retried', () => {
	const MAILS = 40;

	it(`moves each of ${MAILS} mails exactly once: no duplicate in the target, none left`, async () => {
		const address = newMailbox('movecut');
		const ids = Array.from({ length: MAILS }, (_, i) => `<cut-${String(i + 1).padStart(2, '0')}@reliability.test>`);
		await appendMessages(
			address,
			ids.map((id, i) =>
				[
					'From: sensor@example.test',
					`To: ${address}`,
					`Subject: alert ${i + 1}`,
					`Message-ID: ${id}`,
					'',
					`alert ${i + 1}`,
					'',
				].join('\r\n'),
			),
		);
		const random = seededRandom(SEED + 7);
		const proxy = await startFaultProxy(servers().ports.imap, { rewriteAnswer: hideCapabilities('MOVE') });
		const rows: Array<Record<string, string | number>> = [];
		try {
			const credentials = credentialsFor(address, { imapPort: proxy.port, imapSecurity: 'none' });
			const faults: Array<(r: typeof random) => [string, Fault]> = [
				() => ['cut on UID COPY', { cutOn: /UID COPY/i }],
				(r) =>
					((bytes) => [`drop ${bytes} bytes into the COPY answer`, { dropAfter: { after: /UID COPY/i, bytes } }])(
						r.int(1, 60),
					),
				() => ['cut on STORE \\Deleted', { cutOn: /\\Deleted/i }],
				() => ['cut on UID EXPUNGE', { cutOn: /UID EXPUNGE/i }],
				(r) =>
					((bytes) => [`drop ${bytes} bytes into the EXPUNGE answer`, { dropAfter: { after: /UID EXPUNGE/i, bytes } }])(
						r.int(1, 40),
					),
			];
			for (const id of ids) {
				const [label, fault] = random.pick(faults)(random);
				proxy.arm(fault);
				const move = () =>
					runEmail(
						{
							operation: 'move',
							folder: 'INBOX',
							messageId: id,
							emailUid: '',
							destinationFolder: 'Evidence',
							options: { createFolder: true },
						},
						credentials,
					);
				const first = await move().then(
					(items) => `moved ${String(items[0].json.moved)}`,
					(error: Error) => error.message.replace(/127\.0\.0\.1:\d+/, 'proxy').slice(0, 60),
				);
				proxy.disarm();
				const [retried] = await move();
				rows.push({
					id,
					fault: label,
					first,
					retry: `found ${String(retried.json.found)}, moved ${String(retried.json.moved)}`,
				});
			}
		} finally {
			await proxy.close();
		}
		const idsIn = (folder: string) =>
			openMailbox(address, async (client) => {
				const mailbox = await client.mailboxOpen(folder, { readOnly: true });
				const found: string[] = [];
				if (mailbox.exists > 0)
					for await (const message of client.fetch('1:*', { envelope: true }))
						found.push(message.envelope?.messageId ?? '');
				return found;
			});
		const [inbox, evidence] = [await idsIn('INBOX'), await idsIn('Evidence')];
		printTable(`Move Email without MOVE, cut and retried, seed ${SEED}`, rows);
		printTable('Move Email without MOVE: totals', [
			{
				mails: MAILS,
				faultsFired: proxy.fired,
				leftInInbox: inbox.length,
				inTarget: new Set(evidence).size,
				duplicatesInTarget: evidence.length - new Set(evidence).size,
			},
		]);
		expect(proxy.fired).toBeGreaterThanOrEqual(MAILS / 2);
		expect(inbox).toEqual([]);
		expect([...evidence].sort()).toEqual(ids);
	}, 170_000);
});
