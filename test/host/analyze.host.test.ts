import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { executeWorkflow, importCredential, importWorkflow, mailboxNode, manualTrigger, n8nMajors, nodeOutput, prepareN8n } from '../helpers/n8n';
import { appendMessages, credentialsFor, newMailbox } from '../helpers/servers';
import { outlookMsg } from '../fixtures/outlookMsgs';
import { crlf, PHISH, report } from '../fixtures/phish';

jest.setTimeout(600_000);

/** A user's report with the phish attached as an Outlook .msg, as Outlook's "Report" button sends it. */
function msgReport(msg: Buffer): Buffer {
	return Buffer.from(
		crlf(['From: Reporter <reporter@corp.test>', 'To: soc@corp.test', 'Subject: Reported: payroll details', 'Message-ID: <msg-report@corp.test>', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="r"', '', '--r', 'Content-Type: text/plain', '', 'Phish attached.', '--r', 'Content-Type: application/vnd.ms-outlook; name="reported.msg"', 'Content-Disposition: attachment; filename="reported.msg"', 'Content-Transfer-Encoding: base64', '', msg.toString('base64'), '--r--', '']),
	);
}

describe.each(n8nMajors())('Analyze Email in a real n8n %i.x', (major) => {
	let setup: ReturnType<typeof prepareN8n>;
	let downloadPath: string;
	beforeAll(() => {
		setup = prepareN8n(major);
		downloadPath = mkdtempSync(path.join(tmpdir(), `mailbox-n8n${major}-analyze-`));
	});
	afterAll(() => {
		if (setup) rmSync(setup.userFolder, { recursive: true, force: true });
		if (downloadPath) rmSync(downloadPath, { recursive: true, force: true });
	});

	it('analyses a reported .msg handed on as binary (no credential) and a report in the mailbox, and branches on failed DMARC or a mismatched link', async () => {
		const { n8n, userFolder } = setup;
		const address = newMailbox('n8n-analyze');
		await appendMessages(address, [msgReport(outlookMsg('report-with-phish.msg')), report(PHISH)]);
		importCredential(n8n, userFolder, 'mailboxAnalyze01', credentialsFor(address));
		const options = { trustedAuthservIds: 'mx.corp.test', ownDomains: 'corp.test' };
		importWorkflow(n8n, userFolder, {
			id: 'mailboxAnalyze01',
			name: 'Analyze reports',
			active: false,
			nodes: [
				manualTrigger(),
				mailboxNode('Download', 'mailboxAnalyze01', { operation: 'downloadAttachments', folder: 'INBOX', downloadPath, messageId: 'msg-report@corp.test', options: { binaryOutput: true } }, [200, 0]),
				// A file from another node needs no mailbox: the node carries no credential.
				{ ...mailboxNode('Analyze .msg', 'unused', { operation: 'analyze', source: 'binary', binaryPropertyName: 'attachment_0', options }, [400, 0]), credentials: undefined },
				mailboxNode('Analyze report', 'mailboxAnalyze01', { operation: 'analyze', source: 'mailbox', folder: { __rl: true, mode: 'list', value: 'INBOX' }, messageId: 'report-1@corp.test', options }, [600, 0]),
				{
					id: 'suspicious',
					name: 'Suspicious?',
					type: 'n8n-nodes-base.if',
					typeVersion: 2.2,
					position: [800, 0],
					parameters: {
						conditions: {
							options: { caseSensitive: true, leftValue: '', typeValidation: 'loose', version: 2 },
							conditions: [{ id: 'c1', leftValue: "={{ ($json.original ?? $json.reporter).authentication.dmarc === 'fail' || ($json.original ?? $json.reporter).urls.some(url => url.mismatched) }}", rightValue: '', operator: { type: 'boolean', operation: 'true', singleValue: true } }],
							combinator: 'and',
						},
						looseTypeValidation: true,
						options: {},
					},
				},
				{ id: 'block', name: 'Block indicators', type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [1000, 0], parameters: {} },
			],
			connections: {
				Start: { main: [[{ node: 'Download', type: 'main', index: 0 }]] },
				Download: { main: [[{ node: 'Analyze .msg', type: 'main', index: 0 }]] },
				'Analyze .msg': { main: [[{ node: 'Analyze report', type: 'main', index: 0 }]] },
				'Analyze report': { main: [[{ node: 'Suspicious?', type: 'main', index: 0 }]] },
				'Suspicious?': { main: [[{ node: 'Block indicators', type: 'main', index: 0 }], []] },
			},
			settings: {},
		});
		const run = await executeWorkflow(n8n, userFolder, 'mailboxAnalyze01');
		const [fromMsg] = nodeOutput(run, 'Analyze .msg') as Array<{ messages: Array<{ via: string; subject: string }>; reporter: { from: string } }>;
		expect(fromMsg.messages.map(({ via, subject }) => ({ via, subject }))).toEqual([
			{ via: 'root', subject: 'FW: Action required: confirm your payroll details' },
			{ via: 'msg', subject: 'Action required: confirm your payroll details' },
		]);
		expect(fromMsg.reporter.from).toBe('grace@corp.test');
		const blocked = nodeOutput(run, 'Block indicators') as Array<{ original: { subject: string; authentication: { dmarc: string } }; iocs: { urls: string[] } }>;
		expect(blocked).toHaveLength(1);
		expect(blocked[0].original).toMatchObject({ subject: 'Urgent: verify your account', authentication: { dmarc: 'fail' } });
		expect(blocked[0].iocs.urls).toContain('https://login.evil.test/p?u=1');
	});
});
