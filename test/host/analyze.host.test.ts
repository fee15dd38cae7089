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
import { outlookMsg } from '../fixtures/outlookMsgs';
import { crlf, PHISH, report } from '../fixtures/phish';
import { composeMail } from '../helpers/signalMail';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const demo = require('../../scripts/lib/demoMailbox');
const triage = JSON.parse(readFileSync(path.join(__dirname, '../../examples/phishing-triage.json'), 'utf8'));
const TRIAGE_NODES = ['Analyze reported mail', 'High severity?', 'Indicators to block', 'Lower severity: for review'];

jest.setTimeout(600_000);

/** A user's report with the phish attached as an Outlook .msg, as Outlook's "Report" button sends it. */
function msgReport(msg: Buffer): Buffer {
	return Buffer.from(
		crlf([
			'From: Reporter <reporter@corp.test>',
			'To: soc@corp.test',
			'Subject: Reported: payroll details',
			'Message-ID: <msg-report@corp.test>',
			'MIME-Version: 1.0',
			'Content-Type: multipart/mixed; boundary="r"',
			'',
			'--r',
			'Content-Type: text/plain',
			'',
			'Phish attached.',
			'--r',
			'Content-Type: application/vnd.ms-outlook; name="reported.msg"',
			'Content-Disposition: attachment; filename="reported.msg"',
			'Content-Transfer-Encoding: base64',
			'',
			msg.toString('base64'),
			'--r--',
			'',
		]),
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
				mailboxNode(
					'Download',
					'mailboxAnalyze01',
					{
						operation: 'downloadAttachments',
						folder: 'INBOX',
						downloadPath,
						messageId: 'msg-report@corp.test',
						options: { binaryOutput: true },
					},
					[200, 0],
				),
				// A file from another node needs no mailbox: the node carries no credential.
				{
					...mailboxNode(
						'Analyze .msg',
						'unused',
						{ operation: 'analyze', source: 'binary', binaryPropertyName: 'attachment_0', options },
						[400, 0],
					),
					credentials: undefined,
				},
				mailboxNode(
					'Analyze report',
					'mailboxAnalyze01',
					{
						operation: 'analyze',
						source: 'mailbox',
						folder: { __rl: true, mode: 'list', value: 'INBOX' },
						messageId: 'report-1@corp.test',
						options,
					},
					[600, 0],
				),
				{
					id: 'suspicious',
					name: 'Suspicious?',
					type: 'n8n-nodes-base.if',
					typeVersion: 2.2,
					position: [800, 0],
					parameters: {
						conditions: {
							options: { caseSensitive: true, leftValue: '', typeValidation: 'loose', version: 2 },
							conditions: [
								{
									id: 'c1',
									leftValue:
										"={{ ($json.original ?? $json.reporter).authentication.dmarc === 'fail' || ($json.original ?? $json.reporter).urls.some(url => url.mismatched) }}",
									rightValue: '',
									operator: { type: 'boolean', operation: 'true', singleValue: true },
								},
							],
							combinator: 'and',
						},
						looseTypeValidation: true,
						options: {},
					},
				},
				{
					id: 'block',
					name: 'Block indicators',
					type: 'n8n-nodes-base.noOp',
					typeVersion: 1,
					position: [1000, 0],
					parameters: {},
				},
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
		const [fromMsg] = nodeOutput(run, 'Analyze .msg') as Array<{
			messages: Array<{ via: string; subject: string }>;
			reporter: { from: string };
		}>;
		expect(fromMsg.messages.map(({ via, subject }) => ({ via, subject }))).toEqual([
			{ via: 'root', subject: 'FW: Action required: confirm your payroll details' },
			{ via: 'msg', subject: 'Action required: confirm your payroll details' },
		]);
		expect(fromMsg.reporter.from).toBe('grace@corp.test');
		const blocked = nodeOutput(run, 'Block indicators') as Array<{
			original: { subject: string; authentication: { dmarc: string } };
			iocs: { urls: string[] };
		}>;
		expect(blocked).toHaveLength(1);
		expect(blocked[0].original).toMatchObject({
			subject: 'Urgent: verify your account',
			authentication: { dmarc: 'fail' },
		});
		expect(blocked[0].iocs.urls).toContain('https://login.evil.test/p?u=1');
	});

	it('the triage example: the quishing report and the Safe-Links phish take the high-severity branch, a clean mail the other', async () => {
		const { n8n, userFolder } = setup;
		const address = newMailbox('n8n-triage');
		const reports = (await demo.demoMessages()).filter((message: { raw: Buffer }) =>
			/^Subject: Phishing report: /m.test(message.raw.toString('latin1')),
		);
		expect(reports).toHaveLength(2);
		const clean = await composeMail({
			from: 'Facilities <facilities@example.test>',
			to: 'soc@example.test',
			subject: 'Fire drill on Friday',
			messageId: '<drill@example.test>',
			text: 'The fire drill is at 10:00.',
		});
		await appendMessages(address, [...reports.map((message: { raw: Buffer }) => message.raw), clean]);
		const messageIds = [
			...reports.map((message: { raw: Buffer }) => /^Message-ID: (<[^>]+>)/im.exec(message.raw.toString('latin1'))![1]),
			'<drill@example.test>',
		];
		importCredential(n8n, userFolder, 'mailboxTriage01', credentialsFor(address));
		// The example's own nodes, as shipped; the mailbox trigger is replaced by the three mails' ids.
		const nodes = triage.nodes
			.filter((node: { name: string }) => TRIAGE_NODES.includes(node.name))
			.map((node: { name: string; credentials?: unknown }) =>
				node.credentials
					? { ...node, credentials: { emailCredentials: { id: 'mailboxTriage01', name: 'Mailbox mailboxTriage01' } } }
					: node,
			);
		const items = messageIds.map((messageId) => ({ folder: 'INBOX', message_id: messageId }));
		importWorkflow(n8n, userFolder, {
			id: 'mailboxTriage01',
			name: 'Triage by severity',
			active: false,
			nodes: [
				manualTrigger(),
				// A Set node and Split Out, not a Code node: n8n 1.x starts no code sandbox for an import.
				{
					id: 'mails',
					name: 'Reported mails',
					type: 'n8n-nodes-base.set',
					typeVersion: 3.4,
					position: [200, 0],
					parameters: { mode: 'raw', jsonOutput: JSON.stringify({ mails: items }), options: {} },
				},
				{
					id: 'each',
					name: 'Each mail',
					type: 'n8n-nodes-base.splitOut',
					typeVersion: 1,
					position: [300, 0],
					parameters: { fieldToSplitOut: 'mails', include: 'noOtherFields', options: {} },
				},
				...nodes,
			],
			connections: {
				Start: { main: [[{ node: 'Reported mails', type: 'main', index: 0 }]] },
				'Reported mails': { main: [[{ node: 'Each mail', type: 'main', index: 0 }]] },
				'Each mail': { main: [[{ node: 'Analyze reported mail', type: 'main', index: 0 }]] },
				'Analyze reported mail': triage.connections['Analyze reported mail'],
				'High severity?': triage.connections['High severity?'],
			},
			settings: {},
		});
		const run = await executeWorkflow(n8n, userFolder, 'mailboxTriage01');
		const high = nodeOutput(run, 'Indicators to block') as Array<{
			subject: string;
			max_severity: string;
			signals: Array<{ id: string }>;
			urls: string[];
		}>;
		expect(high.map((item) => item.subject).sort()).toEqual([
			'Action required: renew your MFA today',
			'Unusual sign-in to your account',
		]);
		const quishing = high.find((item) => item.subject.startsWith('Action required'))!;
		expect(quishing.signals.map((entry) => entry.id)).toContain('qr_code');
		expect(quishing.urls).toEqual(['https://mfa-renewal.example/enrol?u=erin']);
		const safeLinks = high.find((item) => item.subject.startsWith('Unusual'))!;
		expect(safeLinks.signals.map((entry) => entry.id)).toEqual(
			expect.arrayContaining(['rewritten_link', 'lookalike_domain']),
		);
		expect(safeLinks.urls).toEqual(['https://paypal-account-review.example/signin']);
		expect(nodeOutput(run, 'Lower severity: for review')).toEqual([
			{ subject: 'Fire drill on Friday', max_severity: 'none', signal_ids: [] },
		]);
	});
});
