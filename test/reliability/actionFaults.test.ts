import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';

import type { IDataObject } from 'n8n-workflow';

import { Email } from '../../nodes/Email/Email.node';
import { startFaultProxy } from '../helpers/faultProxy';
import { mailWithAttachment } from '../helpers/mails';
import { runNode } from '../helpers/nodeContext';
import { receiveQuestion, replyAs } from '../helpers/replies';
import { appendMessages, credentialsFor, newMailbox, servers, waitForMessages } from '../helpers/servers';
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
		const cutPoints = [1, 200, random.int(1_000, 100_000), random.int(100_000, Math.floor(size / 2)), random.int(Math.floor(size / 2), size - 100), size - 20];
		const proxy = await startFaultProxy(servers().ports.imap);
		const rows: Array<Record<string, string | number>> = [];
		try {
			const credentials = credentialsFor(address, { imapPort: proxy.port, imapSecurity: 'none' });
			for (const bytes of cutPoints) {
				const directory = scratch.make('mailbox-drop-');
				proxy.arm({ dropAfter: { after: /UID FETCH/i, bytes } });
				const download = await runEmail({ operation: 'downloadAttachments', folder: 'INBOX', downloadPath: directory, messageId, subjectFilter: '', emailUid: '', onlyUnread: false, options: {} }, credentials).then(
					() => 'succeeded',
					(error: Error) => error.message,
				);
				const files = readdirSync(directory);
				proxy.arm({ dropAfter: { after: /UID FETCH/i, bytes } });
				const eml = await runEmail({ operation: 'getEml', folder: 'INBOX', messageId, emailUid: '', base64Encode: true }, credentials).then(
					(items) => `answered found: ${String(items[0].json.found)}`,
					(error: Error) => error.message,
				);
				rows.push({ cutAfterBytes: bytes, download: download.slice(0, 60), filesLeft: files.length, getEml: eml.slice(0, 60) });
				expect(download).toMatch(/connection to the IMAP server .* was lost in the middle of the operation/);
				expect(files).toEqual([]);
				expect(eml).toMatch(/connection to the IMAP server .* was lost in the middle of the operation/);
			}
			// The same operations through a healthy connection: the whole file, byte-exact.
			const directory = scratch.make('mailbox-drop-');
			const [item] = await runEmail({ operation: 'downloadAttachments', folder: 'INBOX', downloadPath: directory, messageId, subjectFilter: '', emailUid: '', onlyUnread: false, options: {} }, credentials);
			expect((item.json.attachments as Array<{ size: number }>)[0].size).toBe(payload.length);
			expect(readdirSync(directory)).toEqual(['report.bin']);
		} finally {
			await proxy.close();
		}
		printTable(`Download Attachments / Get EML File with the connection cut mid-transfer (message ${size} bytes)`, rows);
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
