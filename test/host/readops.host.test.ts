import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import {
	executeWorkflow,
	importCredential,
	importWorkflow,
	mailboxNode,
	manualTrigger,
	n8nMajors,
	nodeOutput,
	prepareN8n,
} from '../helpers/n8n';
import { appendMessages, credentialsFor, newMailbox } from '../helpers/servers';
import { seenFlags } from '../integration/readops.helpers';

jest.setTimeout(600_000);

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

describe.each(n8nMajors())('in a real n8n %i.x', (major) => {
	let setup: ReturnType<typeof prepareN8n>;
	let downloadPath: string;

	beforeAll(() => {
		setup = prepareN8n(major);
		downloadPath = mkdtempSync(path.join(tmpdir(), `mailbox-n8n${major}-files-`));
	});

	afterAll(() => {
		if (setup) rmSync(setup.userFolder, { recursive: true, force: true });
		if (downloadPath) rmSync(downloadPath, { recursive: true, force: true });
	});

	it('runs Get EML File and Download Attachments on a real message: bytes exact, files on disk, still unread', async () => {
		const { n8n, userFolder } = setup;
		const address = newMailbox('n8n-read');
		const messageId = `<host-${major}-${Date.now()}@example.test>`;
		const pdf = Buffer.from('%PDF-1.4 invoice bytes');
		const raw = Buffer.from(
			[
				'From: attacker@example.test',
				'To: soc@example.test',
				'Subject: Rechnung überfällig',
				`Message-ID: ${messageId}`,
				'MIME-Version: 1.0',
				'Content-Type: multipart/mixed; boundary="b1"',
				'',
				'--b1',
				'Content-Type: text/plain; charset=utf-8',
				'',
				'see attachment',
				'--b1',
				'Content-Type: application/pdf',
				"Content-Disposition: attachment; filename*=utf-8''..%2F..%2FRechnung%20%C3%BCberf%C3%A4llig.pdf",
				'Content-Transfer-Encoding: base64',
				'',
				pdf.toString('base64'),
				'--b1--',
				'',
			].join('\r\n'),
		);
		await appendMessages(address, [raw]);
		importCredential(n8n, userFolder, 'mailboxRead0001', credentialsFor(address));
		importWorkflow(n8n, userFolder, {
			id: 'mailboxRead0001',
			name: 'Read operations',
			active: false,
			nodes: [
				manualTrigger(),
				mailboxNode(
					'Get EML',
					'mailboxRead0001',
					{
						operation: 'getEml',
						folder: { __rl: true, mode: 'list', value: 'INBOX' },
						messageId: messageId.slice(1, -1),
					},
					[200, 0],
				),
				mailboxNode(
					'Download',
					'mailboxRead0001',
					{
						operation: 'downloadAttachments',
						folder: { __rl: true, mode: 'name', value: 'INBOX' },
						downloadPath,
						messageId: '={{ $json.message_id }}',
						options: {},
					},
					[400, 0],
				),
				// A workflow written by hand, as SPEC words it: the folder as a plain string.
				mailboxNode(
					'Get EML by UID',
					'mailboxRead0001',
					{ operation: 'getEml', folder: 'INBOX', emailUid: '1', base64Encode: false },
					[600, 0],
				),
			],
			connections: {
				Start: { main: [[{ node: 'Get EML', type: 'main', index: 0 }]] },
				'Get EML': { main: [[{ node: 'Download', type: 'main', index: 0 }]] },
				Download: { main: [[{ node: 'Get EML by UID', type: 'main', index: 0 }]] },
			},
			settings: {},
		});
		const run = await executeWorkflow(n8n, userFolder, 'mailboxRead0001');
		const [eml] = nodeOutput(run, 'Get EML');
		expect(eml).toMatchObject({ found: true, message_id: messageId, folder: 'INBOX', size: raw.length });
		expect(sha256(Buffer.from(eml.eml_base64 as string, 'base64'))).toBe(sha256(raw));

		const [download] = nodeOutput(run, 'Download');
		const expectedPath = path.join(downloadPath, 'Rechnung überfällig.pdf');
		expect(download.attachments_local_paths).toBe(expectedPath);
		expect(download.attachments).toEqual([
			{
				path: expectedPath,
				filename: 'Rechnung überfällig.pdf',
				contentType: 'application/pdf',
				size: pdf.length,
				sha256: sha256(pdf),
				email_uid: 1,
				message_id: messageId,
			},
		]);
		expect(readFileSync(expectedPath).equals(pdf)).toBe(true);
		const [byUid] = nodeOutput(run, 'Get EML by UID');
		expect(byUid).toMatchObject({ found: true, message_id: messageId, folder: 'INBOX', email_uid: 1 });
		expect(sha256(Buffer.from(byUid.eml as string, 'utf8'))).toBe(sha256(raw));
		expect(await seenFlags(address, 'INBOX')).toEqual([false]);
	});
});
