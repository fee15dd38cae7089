import { join } from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startQueueCluster } = require('../../scripts/lib/queueCluster.js');

export interface QueueCluster {
	url: string;
	base: string;
	host: { folder: string };
	postgres: { host: string; port: number; user: string; database: string };
	workerDisks: string[];
	workerOf(executionId: string): string | undefined;
	restartMain(): Promise<void>;
	stop(): Promise<void>;
}

export interface StoredExecution {
	id: string;
	mode: string;
	status: string;
	startedAt: Date | null;
	stoppedAt: Date | null;
	/** Run data per node name: the items of each node's first output, and its error if it failed. */
	nodes: Record<string, { items: Array<Record<string, unknown>>; error?: string }>;
	error?: string;
}

export function startCluster(options: {
	base: string;
	concurrency?: number;
	workerDiskPath?: string;
}): Promise<QueueCluster> {
	return startQueueCluster(options) as Promise<QueueCluster>;
}

/** The n8n REST API as the owner: what the editor uses. */
export class N8nRest {
	private cookie = '';

	constructor(private readonly url: string) {}

	private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
		const response = await fetch(`${this.url}/rest${path}`, {
			method,
			headers: { 'content-type': 'application/json', 'browser-id': 'queue-tests', cookie: this.cookie },
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		const text = await response.text();
		if (!response.ok) throw new Error(`${method} /rest${path}: ${response.status} ${text.slice(0, 500)}`);
		const cookie = response.headers.get('set-cookie');
		if (cookie) this.cookie = cookie.split(';')[0];
		return (JSON.parse(text) as { data: T }).data;
	}

	/** Creates the owner on a fresh instance (once) and logs in. */
	async login(): Promise<void> {
		const owner = { email: 'owner@example.test', password: 'Queue-Owner-2041' };
		try {
			await this.call('POST', '/owner/setup', { ...owner, firstName: 'Queue', lastName: 'Owner' });
		} catch (error) {
			if (!/already|setup/i.test(String(error))) throw error;
		}
		await this.call('POST', '/login', { emailOrLdapLoginId: owner.email, password: owner.password });
	}

	async createCredential(name: string, data: Record<string, unknown>, type = 'emailCredentials'): Promise<string> {
		return (await this.call<{ id: string }>('POST', '/credentials', { name, type, data })).id;
	}

	async createWorkflow(workflow: Record<string, unknown>): Promise<{ id: string; versionId: string }> {
		return this.call('POST', '/workflows', workflow);
	}

	/** Publishes the workflow (2.x): its triggers start on the main. */
	async activate(workflow: { id: string; versionId: string }): Promise<void> {
		await this.call('POST', `/workflows/${workflow.id}/activate`, { versionId: workflow.versionId });
	}

	async deactivate(workflowId: string): Promise<void> {
		await this.call('POST', `/workflows/${workflowId}/deactivate`, {});
	}

	/** The node types the editor offers (/types/nodes.json; 2.x serves it only to a logged-in user). */
	async nodeTypes(): Promise<
		Array<{
			name: string;
			displayName: string;
			properties: Array<{ name: string; type: string; default: unknown }>;
			outputs: unknown;
		}>
	> {
		const response = await fetch(`${this.url}/types/nodes.json`, { headers: { cookie: this.cookie } });
		if (!response.ok) throw new Error(`GET /types/nodes.json: ${response.status}`);
		return (await response.json()) as Awaited<ReturnType<N8nRest['nodeTypes']>>;
	}

	/** The workflow's executions, newest first (waiting ones included). */
	async executions(workflowId: string): Promise<Array<{ id: string; status: string }>> {
		const filter = encodeURIComponent(JSON.stringify({ workflowId }));
		const { results } = await this.call<{ results: Array<{ id: string; status: string }> }>(
			'GET',
			`/executions?filter=${filter}`,
		);
		return results.map(({ id, status }) => ({ id: String(id), status }));
	}

	/** One execution with the items of each node, decoded with n8n's own `flatted` module from the n8n install at `n8nFolder`. */
	async execution(id: string, n8nFolder: string): Promise<StoredExecution> {
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		const { parse } = require(join(n8nFolder, 'node_modules', 'flatted')) as { parse: FlattedParse };
		const found = await this.call<{
			id: string;
			mode: string;
			status: string;
			startedAt: string | null;
			stoppedAt: string | null;
			data: string;
		}>('GET', `/executions/${id}`);
		const date = (value: string | null) => (value ? new Date(value) : null);
		return {
			...decodeRunData(found.data, parse),
			id: String(found.id),
			mode: found.mode,
			status: found.status,
			startedAt: date(found.startedAt),
			stoppedAt: date(found.stoppedAt),
		};
	}

	/** Runs a workflow from its Manual Trigger; in queue mode the run is enqueued for a worker. */
	async run(workflowId: string, startNode = 'Start'): Promise<string> {
		const result = await this.call<{ executionId?: string }>('POST', `/workflows/${workflowId}/run`, {
			triggerToStartFrom: { name: startNode },
		});
		if (!result.executionId)
			throw new Error(`the run of ${workflowId} gave no execution id: ${JSON.stringify(result)}`);
		return String(result.executionId);
	}
}

interface PgClient {
	connect(): Promise<void>;
	query(sql: string, values: unknown[]): Promise<{ rows: Array<Record<string, unknown>> }>;
	end(): Promise<void>;
}

type Items = Array<{ json: Record<string, unknown> }>;

type RunData = Record<
	string,
	Array<{ data?: { main?: Array<Items | null>; ai_tool?: Array<Items | null> }; error?: { message: string } }>
>;

type FlattedParse = (text: string) => { resultData: { runData: RunData; error?: { message: string } } };

/** Run data as n8n stores it (`flatted` text) -> the items of each node's first output (an agent tool's output, for a tool node), and errors. */
function decodeRunData(data: string | null, parse: FlattedParse): Pick<StoredExecution, 'nodes' | 'error'> {
	// A queued execution has no run data yet.
	const result = (data ? parse(data).resultData : undefined) ?? { runData: {} as RunData };
	const nodes = Object.fromEntries(
		Object.entries(result.runData ?? {}).map(([name, runs]) => {
			const output = runs[0]?.data?.main?.[0] ?? runs[0]?.data?.ai_tool?.[0] ?? [];
			return [name, { items: output.map((item) => item.json), error: runs[0]?.error?.message }];
		}),
	);
	return { nodes, error: result.error?.message };
}

/**
 * Executions as n8n stored them in PostgreSQL, run data decoded from n8n's `flatted` form with
 * n8n's own pg and flatted modules.
 */
export async function storedExecutions(
	cluster: QueueCluster,
	where: { workflowId?: string; executionId?: string },
): Promise<StoredExecution[]> {
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const { Client } = require(join(cluster.host.folder, 'node_modules', 'pg')) as {
		Client: new (config: unknown) => PgClient;
	};
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const { parse } = require(join(cluster.host.folder, 'node_modules', 'flatted')) as { parse: FlattedParse };
	const client = new Client(cluster.postgres);
	await client.connect();
	try {
		const [column, value] = where.executionId
			? ['e.id', Number(where.executionId)]
			: ['e."workflowId"', where.workflowId];
		const { rows } = await client.query(
			`SELECT e.id, e.mode, e.status, e."startedAt", e."stoppedAt", d.data FROM execution_entity e LEFT JOIN execution_data d ON d."executionId" = e.id WHERE ${column} = $1 ORDER BY e.id`,
			[value],
		);
		return rows.map((row) => ({
			...decodeRunData(row.data as string | null, parse),
			id: String(row.id),
			mode: row.mode as string,
			status: row.status as string,
			startedAt: row.startedAt as Date | null,
			stoppedAt: row.stoppedAt as Date | null,
		}));
	} finally {
		await client.end();
	}
}

const UNFINISHED = new Set(['new', 'running', 'waiting']);

/** Reads until done; on giving up, names what was last seen (through `show`, when the value is large). */
export async function waitFor<T>(
	what: string,
	timeoutMs: number,
	read: () => Promise<T>,
	done: (value: T) => boolean,
	show: (value: T) => unknown = (value) => value,
): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await read();
		if (done(value)) return value;
		if (Date.now() > deadline)
			throw new Error(
				`${what}: gave up after ${timeoutMs} ms, last seen ${JSON.stringify(show(value)).slice(0, 4000)}`,
			);
		await new Promise((resolve) => setTimeout(resolve, 500));
	}
}

/** Waits until the execution has finished (whatever its status) and returns it. */
export async function finishedExecution(
	cluster: QueueCluster,
	executionId: string,
	timeoutMs = 60_000,
): Promise<StoredExecution> {
	const [execution] = await waitFor(
		`execution ${executionId} to finish`,
		timeoutMs,
		() => storedExecutions(cluster, { executionId }),
		(list) => list.length === 1 && !UNFINISHED.has(list[0].status),
	);
	return execution;
}

/** The items a node emitted; fails with the node's error when it failed. */
export function itemsOf(execution: StoredExecution, nodeName: string): Array<Record<string, unknown>> {
	const node = execution.nodes[nodeName];
	if (!node)
		throw new Error(
			`node "${nodeName}" did not run in execution ${execution.id} (${execution.status}): ${execution.error ?? Object.keys(execution.nodes).join(', ')}`,
		);
	if (node.error) throw new Error(`node "${nodeName}" failed in execution ${execution.id}: ${node.error}`);
	return node.items;
}
