/**
 * The queue-mode test's workflows (test/queue/queue.test.ts), and what it reads back from the cluster:
 * which worker ran an execution, and what a trigger emitted over several executions.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { storedExecutions, type N8nRest, type QueueCluster, type StoredExecution } from '../queue/cluster';
import { appendMessages, credentialsFor } from './servers';

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A Mailbox node (the action node) at position x, with this credential. */
export function mailboxNode(
	name: string,
	credential: { id: string; name: string },
	parameters: Record<string, unknown>,
	x: number,
) {
	return {
		id: `node-${name.toLowerCase().replace(/\W+/g, '-')}`,
		name,
		type: 'n8n-nodes-mailbox.email',
		typeVersion: 1,
		position: [x, 0],
		parameters,
		credentials: { emailCredentials: credential },
	};
}

const manualTrigger = {
	id: 'node-start',
	name: 'Start',
	type: 'n8n-nodes-base.manualTrigger',
	typeVersion: 1,
	position: [0, 0],
	parameters: {},
};

/** The connections of a workflow Start → first → second → ... */
function chain(nodes: Array<{ name: string }>) {
	const all = [manualTrigger, ...nodes];
	return Object.fromEntries(
		all
			.slice(0, -1)
			.map((node, index) => [node.name, { main: [[{ node: all[index + 1].name, type: 'main', index: 0 }]] }]),
	);
}

/** A workflow Start → first → second → ..., as the REST API creates it. */
export function chainWorkflow(name: string, nodes: Array<{ name: string }>) {
	return { name, nodes: [manualTrigger, ...nodes], connections: chain(nodes), settings: {} };
}

/** A workflow of one Mailbox trigger node, keeping the data of every successful execution. */
export function triggerWorkflow(
	name: string,
	credential: { id: string; name: string },
	trigger: { name: string; type: string; parameters: Record<string, unknown> },
) {
	return {
		name,
		nodes: [
			{
				id: `node-${trigger.type.split('.')[1]}`,
				name: trigger.name,
				type: trigger.type,
				typeVersion: 1,
				position: [0, 0],
				parameters: trigger.parameters,
				credentials: { emailCredentials: credential },
			},
		],
		connections: {},
		settings: { saveDataSuccessExecution: 'all' },
	};
}

/** An attacker's mail to `to` with `pdf` attached as evidence.pdf, as raw text for APPEND. */
export function caseMail(to: string, messageId: string, pdf: Buffer): string {
	return [
		'From: attacker@example.test',
		`To: ${to}`,
		'Subject: Invoice overdue',
		`Message-ID: ${messageId}`,
		'MIME-Version: 1.0',
		'Content-Type: multipart/mixed; boundary="b1"',
		'',
		'--b1',
		'Content-Type: text/plain',
		'',
		'see attachment',
		'--b1',
		'Content-Type: application/pdf',
		'Content-Disposition: attachment; filename="evidence.pdf"',
		'Content-Transfer-Encoding: base64',
		'',
		pdf.toString('base64'),
		'--b1--',
		'',
	].join('\r\n');
}

/** A Mailbox credential for `address`, created through the REST API. */
export async function credentialFor(rest: N8nRest, address: string): Promise<{ id: string; name: string }> {
	const name = `Mailbox ${address}`;
	return { id: await rest.createCredential(name, credentialsFor(address)), name };
}

export const otherWorker = (worker: string) => (worker === 'n8n-worker1' ? 'n8n-worker2' : 'n8n-worker1');

function rawAlert(messageId: string, subject: string): string {
	return [
		`From: reporter@example.test`,
		'To: soc@example.test',
		`Subject: ${subject}`,
		`Message-ID: ${messageId}`,
		`Date: ${new Date().toUTCString()}`,
		'Content-Type: text/plain',
		'',
		`Report ${subject}`,
		'',
	].join('\r\n');
}

/** Mails arrive one by one, a little apart, so that a cycle may land in the middle of a burst. */
export function alertStream(address: string) {
	const sent: string[] = [];
	const burst = async (label: string, count: number) => {
		for (let index = 1; index <= count; index++) {
			const messageId = `<queue-${label}-${index}-${Date.now()}@example.test>`;
			await appendMessages(address, [rawAlert(messageId, `Alert ${label} ${index}`)]);
			sent.push(messageId);
			await sleep(300);
		}
	};
	return { sent, burst };
}

/** The executions of a trigger's workflow and the Message-IDs its trigger node emitted in them. */
export async function emittedBy(cluster: QueueCluster, workflowId: string, nodeName: string) {
	const executions = await storedExecutions(cluster, { workflowId });
	return {
		executions,
		messageIds: executions.flatMap((execution) =>
			(execution.nodes[nodeName]?.items ?? []).map((item) => item.message_id as string),
		),
	};
}

/**
 * What a trigger's executions hold, short enough to read when a wait gives up: which mails are still
 * missing, each execution's outcome, and the main's log lines about the workflow or an error.
 */
export function emittedSummary(base: string, sent: string[], workflowId: string) {
	return ({ executions, messageIds }: Awaited<ReturnType<typeof emittedBy>>) => {
		const mainLog = path.join(base, 'main.log');
		const logLines = existsSync(mainLog)
			? readFileSync(mainLog, 'utf8')
					.split('\n')
					.filter((line) => line.includes(workflowId) || /error|warn|mailbox/i.test(line))
			: [];
		return {
			emitted: messageIds.length,
			missing: sent.filter((id) => !messageIds.includes(id)),
			executions: executions.map((execution) => ({
				id: execution.id,
				status: execution.status,
				items: Object.values(execution.nodes)[0]?.items.length ?? 0,
				error: execution.error,
			})),
			mainLog: logLines.slice(-15),
		};
	};
}

/** Each sent mail emitted exactly once, every execution a successful trigger run on a worker. */
export function expectExactlyOnceOnWorkers(
	cluster: QueueCluster,
	sent: string[],
	executions: StoredExecution[],
	messageIds: string[],
	what: string,
) {
	const counts = new Map<string, number>();
	for (const id of messageIds) counts.set(id, (counts.get(id) ?? 0) + 1);
	const duplicates = [...counts.values()].filter((count) => count > 1).length;
	const misses = sent.filter((id) => !counts.has(id));
	const strangers = [...counts.keys()].filter((id) => !sent.includes(id));
	console.log(
		`queue-mode ${what}: ${sent.length} mails sent, ${messageIds.length} items emitted in ${executions.length} executions, ${duplicates} duplicated, ${misses.length} missed`,
	);
	expect({ sent: sent.length, emitted: messageIds.length, duplicates, misses, strangers }).toEqual({
		sent: 30,
		emitted: 30,
		duplicates: 0,
		misses: [],
		strangers: [],
	});
	expect(executions.map((execution) => [execution.mode, execution.status])).toEqual(
		executions.map(() => ['trigger', 'success']),
	);
	const workers = executions.map((execution) => cluster.workerOf(execution.id));
	expect(workers.every((worker) => worker === 'n8n-worker1' || worker === 'n8n-worker2')).toBe(true);
}
