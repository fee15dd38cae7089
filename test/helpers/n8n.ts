import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const host = require('../../scripts/lib/n8nHost.js');

export interface N8nHost {
	folder: string;
	bin: string;
	version: string;
	major: number;
}

export interface RunData {
	data: {
		resultData: {
			runData: Record<
				string,
				Array<{ data?: { main: Array<Array<{ json: Record<string, unknown> }>> }; error?: { message: string } }>
			>;
			error?: { message: string };
		};
	};
}

/** The n8n majors the host tests run against: both by default. */
export function n8nMajors(): number[] {
	return (process.env.MAILBOX_N8N_MAJORS ?? '1,2').split(',').map(Number).filter(Boolean);
}

/** A fresh n8n user folder with this package linked in, for one host test file. */
export function prepareN8n(major: number): { n8n: N8nHost; userFolder: string } {
	const n8n = host.ensureN8n(major) as N8nHost;
	const userFolder = mkdtempSync(join(tmpdir(), `mailbox-n8n${major}-`));
	host.linkPackage(userFolder);
	return { n8n, userFolder };
}

export function importCredential(
	n8n: N8nHost,
	userFolder: string,
	id: string,
	data: Record<string, unknown>,
	type = 'emailCredentials',
): void {
	host.importJson(n8n, userFolder, 'credentials', [{ id, name: `Mailbox ${id}`, type, data }]);
}

export function importWorkflow(n8n: N8nHost, userFolder: string, workflow: Record<string, unknown>): void {
	host.importJson(n8n, userFolder, 'workflow', [workflow]);
}

export async function executeWorkflow(n8n: N8nHost, userFolder: string, id: string): Promise<RunData> {
	return (await host.executeWorkflow(n8n, userFolder, id)) as RunData;
}

/** The json of every item a node emitted on its first output in the run. */
export function nodeOutput(run: RunData, nodeName: string): Array<Record<string, unknown>> {
	const runs = run.data.resultData.runData[nodeName];
	if (!runs)
		throw new Error(
			`node "${nodeName}" did not run: ${JSON.stringify(run.data.resultData.error ?? Object.keys(run.data.resultData.runData))}`,
		);
	if (runs[0].error) throw new Error(`node "${nodeName}" failed: ${runs[0].error.message}`);
	return (runs[0].data?.main[0] ?? []).map((item) => item.json);
}

export function manualTrigger() {
	return {
		id: 'trigger',
		name: 'Start',
		type: 'n8n-nodes-base.manualTrigger',
		typeVersion: 1,
		position: [0, 0],
		parameters: {},
	};
}

/** A Webhook trigger at /webhook/<path> (POST), answering at once; its webhook id is made from the path. */
export function webhookTrigger(path: string) {
	return {
		id: `start-${path}`,
		name: 'Start',
		type: 'n8n-nodes-base.webhook',
		typeVersion: 2,
		position: [0, 0],
		webhookId: `0b6f7c1e-0000-4000-8000-${path.replace(/\W/g, '').padEnd(12, '0').slice(0, 12)}`,
		parameters: { httpMethod: 'POST', path, responseMode: 'onReceived', options: {} },
	};
}

/** Webhook → Recipients → Ask (Send Email and Wait with `parameters`, one per recipient) → Done. */
export function askWorkflow(id: string, path: string, credentialId: string, parameters: Record<string, unknown>) {
	return {
		id,
		name: `Ask ${path}`,
		active: false,
		nodes: [
			webhookTrigger(path),
			// One item per recipient in the POSTed body: {"recipients": [{"to": "..."}, ...]}.
			{
				id: `split-${path}`,
				name: 'Recipients',
				type: 'n8n-nodes-base.splitOut',
				typeVersion: 1,
				position: [100, 0],
				parameters: { fieldToSplitOut: 'body.recipients', include: 'noOtherFields', options: {} },
			},
			{
				id: `ask-${path}`,
				name: 'Ask',
				type: 'n8n-nodes-mailbox.email',
				typeVersion: 1,
				position: [200, 0],
				parameters: { operation: 'sendAndWait', recipients: '={{ $json.to }}', ...parameters },
				credentials: { emailCredentials: { id: credentialId, name: `Mailbox ${credentialId}` } },
			},
			{
				id: `done-${path}`,
				name: 'Done',
				type: 'n8n-nodes-base.noOp',
				typeVersion: 1,
				position: [400, 0],
				parameters: {},
			},
		],
		connections: {
			Start: { main: [[{ node: 'Recipients', type: 'main', index: 0 }]] },
			Recipients: { main: [[{ node: 'Ask', type: 'main', index: 0 }]] },
			Ask: { main: [[{ node: 'Done', type: 'main', index: 0 }]] },
		},
		settings: { saveDataSuccessExecution: 'all' },
	};
}

export function mailboxNode(
	name: string,
	credentialId: string,
	parameters: Record<string, unknown>,
	position: [number, number],
	credentialType = 'emailCredentials',
) {
	return {
		id: name.toLowerCase().replace(/\W+/g, '-'),
		name,
		type: 'n8n-nodes-mailbox.email',
		typeVersion: 1,
		position,
		parameters,
		credentials: { [credentialType]: { id: credentialId, name: `Mailbox ${credentialId}` } },
	};
}

export interface StoredExecution {
	id: number;
	mode: string;
	status: string;
	subjects: string[];
	/** When n8n started the execution (ms since the epoch). */
	startedAt: number;
}

/**
 * The executions n8n stored for a workflow, read from its sqlite database with n8n's own sqlite3
 * and flatted modules, run by n8n's own Node (24 for n8n 2.x).
 */
export function storedExecutions(
	n8n: N8nHost,
	userFolder: string,
	workflowId: string,
	nodeName = 'Mailbox Trigger',
): StoredExecution[] {
	const script = `
		const sqlite3 = require(${JSON.stringify(join(n8n.folder, 'node_modules', 'sqlite3'))});
		const { parse } = require(${JSON.stringify(join(n8n.folder, 'node_modules', 'flatted'))});
		const db = new sqlite3.Database(${JSON.stringify(join(userFolder, '.n8n', 'database.sqlite'))}, sqlite3.OPEN_READONLY);
		db.all('SELECT e.id, e.mode, e.status, e."startedAt", d.data FROM execution_entity e JOIN execution_data d ON d."executionId" = e.id WHERE e."workflowId" = ? ORDER BY e.id', [${JSON.stringify(workflowId)}], (error, rows) => {
			if (error) throw error;
			const out = rows.map((row) => {
				const run = parse(row.data).resultData.runData[${JSON.stringify(nodeName)}] || [];
				const items = run[0] && run[0].data ? run[0].data.main[0] : [];
				return { id: row.id, mode: row.mode, status: row.status, startedAt: new Date(typeof row.startedAt === 'number' ? row.startedAt : String(row.startedAt).replace(' ', 'T') + (/Z|[+-]\\d\\d:?\\d\\d$/.test(String(row.startedAt)) ? '' : 'Z')).getTime(), subjects: items.map((item) => item.json.subject) };
			});
			process.stdout.write(JSON.stringify(out));
			db.close();
		});`;
	const result = spawnSync('node', ['-e', script], { env: host.n8nEnv(n8n, userFolder), encoding: 'utf8' });
	if (result.status !== 0) throw new Error(`reading n8n's database failed: ${result.stderr}`);
	return JSON.parse(result.stdout) as StoredExecution[];
}

export async function waitFor<T>(
	what: string,
	timeoutMs: number,
	read: () => T,
	done: (value: T) => boolean,
): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = read();
		if (done(value)) return value;
		if (Date.now() > deadline)
			throw new Error(`${what}: gave up after ${timeoutMs} ms, last seen ${JSON.stringify(value)}`);
		await new Promise((resolve) => setTimeout(resolve, 1000));
	}
}
