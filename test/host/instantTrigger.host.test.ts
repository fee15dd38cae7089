import { rmSync } from 'node:fs';

import { importCredential, importWorkflow, n8nMajors, prepareN8n, storedExecutions, waitFor } from '../helpers/n8n';
import { appendMessages, credentialsFor, imapSessions, newMailbox } from '../helpers/servers';
import { N8nRest } from '../queue/cluster';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const host = require('../../scripts/lib/n8nHost.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const processes = require('../../scripts/lib/processes.js');

jest.setTimeout(600_000);

const NODE_NAME = 'Mailbox Trigger (Instant)';

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

describe.each(n8nMajors())('Mailbox Trigger (Instant) in a real n8n %i.x under n8n start', (major) => {
	let setup: ReturnType<typeof prepareN8n>;

	beforeAll(() => {
		setup = prepareN8n(major);
	});

	afterAll(() => {
		if (setup) rmSync(setup.userFolder, { recursive: true, force: true });
	});

	it('activated: each mail becomes exactly one execution within seconds; deactivated: no connection left open', async () => {
		const { n8n, userFolder } = setup;
		const address = newMailbox(`n8n${major}-instant`);
		importCredential(n8n, userFolder, 'mailboxInst0001', credentialsFor(address));
		const workflowId = `mailboxInstWf${major}1`;
		importWorkflow(n8n, userFolder, {
			id: workflowId,
			name: 'Mailbox alerts (instant)',
			active: false,
			nodes: [
				{
					id: 'mailbox-instant-trigger',
					name: NODE_NAME,
					type: 'n8n-nodes-mailbox.emailInstantTrigger',
					typeVersion: 1,
					position: [0, 0],
					// The safety check is far away: only IDLE can bring mail in within seconds.
					parameters: { folders: 'INBOX', maxEmailsPerCycle: 10, fallbackPollSeconds: 300 },
					credentials: { emailCredentials: { id: 'mailboxInst0001', name: 'Mailbox mailboxInst0001' } },
				},
			],
			connections: {},
			settings: { saveDataSuccessExecution: 'all' },
		});
		if (major === 1) host.n8nCli(n8n, userFolder, ['update:workflow', `--id=${workflowId}`, '--active=true']);
		else host.n8nCli(n8n, userFolder, ['publish:workflow', `--id=${workflowId}`]);

		const before = ['Waiting 1', 'Waiting 2'].map((subject) => `${subject} (${major}.x)`);
		await appendMessages(address, before.map(rawMail));
		const port = await processes.freePort();
		const child = await host.startN8n(n8n, userFolder, { port });
		const executions = () => storedExecutions(n8n, userFolder, workflowId, NODE_NAME);
		try {
			// Activation catches up from the (empty) cursor: the mail already waiting.
			await waitFor(
				'the mail waiting at activation',
				60_000,
				executions,
				(runs) => runs.flatMap((run) => run.subjects).length >= 2,
			);
			expect(imapSessions(address)).toBe(1);

			const later = [1, 2, 3].map((n) => `Arrived later ${n} (${major}.x)`);
			const latencies: number[] = [];
			for (const subject of later) {
				const delivered = Date.now();
				await appendMessages(address, [rawMail(subject)]);
				const runs = await waitFor(`an execution with "${subject}"`, 30_000, executions, (list) =>
					list.some((run) => run.subjects.includes(subject)),
				);
				latencies.push(
					(runs.find((run) => run.subjects.includes(subject)) as { startedAt: number }).startedAt - delivered,
				);
			}
			console.log(`n8n ${major}.x: delivery to execution start ${latencies.map((ms) => `${ms} ms`).join(', ')}`);
			expect(Math.max(...latencies)).toBeLessThan(5000);

			await new Promise((resolve) => setTimeout(resolve, 2000));
			const all = executions();
			expect(all.every((run) => run.mode === 'trigger' && run.status === 'success')).toBe(true);
			expect(all.flatMap((run) => run.subjects).sort()).toEqual([...before, ...later].sort());

			const rest = new N8nRest(`http://127.0.0.1:${port}`);
			await rest.login();
			await rest.deactivate(workflowId);
			await waitFor(
				'every IMAP session closed after deactivation',
				15_000,
				() => imapSessions(address),
				(sessions) => sessions === 0,
			);
			// Inactive: new mail stays where it is.
			await appendMessages(address, [rawMail(`While inactive (${major}.x)`)]);
			await new Promise((resolve) => setTimeout(resolve, 3000));
			expect(executions()).toHaveLength(all.length);
		} finally {
			await processes.stopChild(child);
			await new Promise((resolve) => setTimeout(resolve, 2000));
		}
	});
});
