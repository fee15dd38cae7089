import { rmSync } from 'node:fs';

import { simpleParser } from 'mailparser';

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
import { credentialsFor, newMailbox, waitForMessages } from '../helpers/servers';

jest.setTimeout(600_000);

describe.each(n8nMajors())('in a real n8n %i.x', (major) => {
	let setup: ReturnType<typeof prepareN8n>;

	beforeAll(() => {
		setup = prepareN8n(major);
	});

	afterAll(() => {
		if (setup) rmSync(setup.userFolder, { recursive: true, force: true });
	});

	it('runs Manual Trigger -> Mailbox ping -> Mailbox send, and the mail arrives', async () => {
		const { n8n, userFolder } = setup;
		const [sender, recipient] = [newMailbox('n8n-from'), newMailbox('n8n-to')];
		importCredential(n8n, userFolder, 'mailboxCred0001', credentialsFor(sender));
		const subject = `From n8n ${major}.x ${Date.now()}`;
		importWorkflow(n8n, userFolder, {
			id: 'mailboxFound001',
			name: 'Ping and send',
			active: false,
			nodes: [
				manualTrigger(),
				mailboxNode('Ping', 'mailboxCred0001', { operation: 'ping' }, [200, 0]),
				mailboxNode(
					'Send',
					'mailboxCred0001',
					{
						operation: 'send',
						recipients: recipient,
						subject,
						content: '=<p>ping ok: {{ $json.is_succeed }}</p>',
						options: {},
					},
					[400, 0],
				),
			],
			connections: {
				Start: { main: [[{ node: 'Ping', type: 'main', index: 0 }]] },
				Ping: { main: [[{ node: 'Send', type: 'main', index: 0 }]] },
			},
			settings: {},
		});
		const run = await executeWorkflow(n8n, userFolder, 'mailboxFound001');
		expect(nodeOutput(run, 'Ping')).toEqual([
			expect.objectContaining({
				is_succeed: true,
				imap: expect.objectContaining({ ok: true }),
				smtp: expect.objectContaining({ ok: true }),
			}),
		]);
		const [sent] = nodeOutput(run, 'Send');
		expect(sent).toMatchObject({ is_success: true, accepted: [recipient], rejected: [] });

		const [stored] = await waitForMessages(recipient, 1);
		const parsed = await simpleParser(stored.source);
		expect(parsed.subject).toBe(subject);
		expect(parsed.messageId).toBe(sent.message_id);
		expect(parsed.html).toContain('<p>ping ok: true</p>');
	});
});
