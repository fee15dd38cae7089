import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';

import { importCredential, importWorkflow, n8nMajors, prepareN8n, type N8nHost } from '../helpers/n8n';
import { appendMessages, credentialsFor, newMailbox } from '../helpers/servers';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const host = require('../../scripts/lib/n8nHost.js');

jest.setTimeout(600_000);

interface StoredExecution {
	id: number;
	mode: string;
	status: string;
	subjects: string[];
}

/**
 * The executions n8n stored for a workflow, read from its sqlite database with n8n's own sqlite3
 * and flatted modules, run by n8n's own Node (24 for n8n 2.x).
 */
function storedExecutions(n8n: N8nHost, userFolder: string, workflowId: string): StoredExecution[] {
	const script = `
		const sqlite3 = require(${JSON.stringify(join(n8n.folder, 'node_modules', 'sqlite3'))});
		const { parse } = require(${JSON.stringify(join(n8n.folder, 'node_modules', 'flatted'))});
		const db = new sqlite3.Database(${JSON.stringify(join(userFolder, '.n8n', 'database.sqlite'))}, sqlite3.OPEN_READONLY);
		db.all('SELECT e.id, e.mode, e.status, d.data FROM execution_entity e JOIN execution_data d ON d."executionId" = e.id WHERE e."workflowId" = ? ORDER BY e.id', [${JSON.stringify(workflowId)}], (error, rows) => {
			if (error) throw error;
			const out = rows.map((row) => {
				const run = parse(row.data).resultData.runData['Mailbox Trigger'] || [];
				const items = run[0] && run[0].data ? run[0].data.main[0] : [];
				return { id: row.id, mode: row.mode, status: row.status, subjects: items.map((item) => item.json.subject) };
			});
			process.stdout.write(JSON.stringify(out));
			db.close();
		});`;
	const result = spawnSync('node', ['-e', script], { env: host.n8nEnv(n8n, userFolder), encoding: 'utf8' });
	if (result.status !== 0) throw new Error(`reading n8n's database failed: ${result.stderr}`);
	return JSON.parse(result.stdout) as StoredExecution[];
}

async function waitFor<T>(what: string, timeoutMs: number, read: () => T, done: (value: T) => boolean): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = read();
		if (done(value)) return value;
		if (Date.now() > deadline) throw new Error(`${what}: gave up after ${timeoutMs} ms, last seen ${JSON.stringify(value)}`);
		await new Promise((resolve) => setTimeout(resolve, 1000));
	}
}

function rawMail(subject: string): string {
	return [`From: reporter@example.test`, 'To: soc@example.test', `Subject: ${subject}`, `Date: ${new Date().toUTCString()}`, 'Content-Type: text/plain', '', `Report ${subject}`, ''].join('\r\n');
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
			await waitFor('the first execution', 90_000, () => storedExecutions(n8n, userFolder, workflowId), (runs) => runs.length >= 1);
			const later = `Arrived later (${major}.x)`;
			await appendMessages(address, [rawMail(later)]);
			// The next scheduled poll (every minute) picks up the new mail, and only it.
			const runs = await waitFor('an execution with the later mail', 150_000, () => storedExecutions(n8n, userFolder, workflowId), (list) => list.some((run) => run.subjects.includes(later)));
			await new Promise((resolve) => setTimeout(resolve, 2000));
			const all = storedExecutions(n8n, userFolder, workflowId);
			expect(runs.every((run) => run.mode === 'trigger')).toBe(true);
			expect(all.every((run) => run.status === 'success')).toBe(true);
			expect(all.flatMap((run) => run.subjects).sort()).toEqual([...before, later].sort());
		} finally {
			host.stopN8n(child);
			await new Promise((resolve) => setTimeout(resolve, 2000));
		}
	});
});
