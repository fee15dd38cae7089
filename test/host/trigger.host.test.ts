import { rmSync } from 'node:fs';

import { importCredential, importWorkflow, n8nMajors, prepareN8n, storedExecutions, waitFor } from '../helpers/n8n';
import { appendMessages, credentialsFor, newMailbox } from '../helpers/servers';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const host = require('../../scripts/lib/n8nHost.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const processes = require('../../scripts/lib/processes.js');

jest.setTimeout(600_000);

function rawMail(subject: string): string {
	return [
		`From: reporter@example.test`,
		'To: soc@example.test',
		`Subject: ${subject}`,
		`Date: ${new Date().toUTCString()}`,
		'Content-Type: text/plain',
		'',
		`Report ${subject}`,
		'',
	].join('\r\n');
}

describe.each(n8nMajors())('Mailbox Trigger in a real n8n %i.x under n8n start', (major) => {
	let setup: ReturnType<typeof prepareN8n>;

	beforeAll(() => {
		setup = prepareN8n(major);
	});

	afterAll(() => {
		if (setup) rmSync(setup.userFolder, { recursive: true, force: true });
	});

	it('turns each mail into exactly one emitted item across executions, polls on its schedule', async () => {
		const { n8n, userFolder } = setup;
		const address = newMailbox(`n8n${major}-trigger`);
		importCredential(n8n, userFolder, 'mailboxTrig0001', credentialsFor(address));
		const workflowId = `mailboxTrigWf${major}1`;
		importWorkflow(n8n, userFolder, {
			id: workflowId,
			name: 'Mailbox alerts',
			active: false,
			nodes: [
				{
					id: 'mailbox-trigger',
					name: 'Mailbox Trigger',
					type: 'n8n-nodes-mailbox.emailTrigger',
					typeVersion: 1,
					position: [0, 0],
					parameters: { pollTimes: { item: [{ mode: 'everyMinute' }] }, folders: 'INBOX', maxEmailsPerCycle: 10 },
					credentials: { emailCredentials: { id: 'mailboxTrig0001', name: 'Mailbox mailboxTrig0001' } },
				},
			],
			connections: {},
			settings: { saveDataSuccessExecution: 'all' },
		});
		if (major === 1) host.n8nCli(n8n, userFolder, ['update:workflow', `--id=${workflowId}`, '--active=true']);
		else host.n8nCli(n8n, userFolder, ['publish:workflow', `--id=${workflowId}`]);

		const before = ['Before start 1', 'Before start 2'].map((subject) => `${subject} (${major}.x)`);
		await appendMessages(address, before.map(rawMail));
		const child = await host.startN8n(n8n, userFolder);
		try {
			// Activation polls once: the mail already waiting.
			await waitFor(
				'the first execution',
				90_000,
				() => storedExecutions(n8n, userFolder, workflowId),
				(runs) => runs.length >= 1,
			);
			const later = `Arrived later (${major}.x)`;
			await appendMessages(address, [rawMail(later)]);
			// The next scheduled poll (every minute) picks up the new mail, and only it.
			const runs = await waitFor(
				'an execution with the later mail',
				150_000,
				() => storedExecutions(n8n, userFolder, workflowId),
				(list) => list.some((run) => run.subjects.includes(later)),
			);
			await new Promise((resolve) => setTimeout(resolve, 2000));
			const all = storedExecutions(n8n, userFolder, workflowId);
			expect(runs.every((run) => run.mode === 'trigger')).toBe(true);
			expect(all.every((run) => run.status === 'success')).toBe(true);
			expect(all.flatMap((run) => run.subjects).sort()).toEqual([...before, later].sort());
		} finally {
			await processes.stopChild(child);
			await new Promise((resolve) => setTimeout(resolve, 2000));
		}
	});
});
