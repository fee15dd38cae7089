import type { IBinaryData, IDataObject, INode, INodeExecutionData, IPollFunctions } from 'n8n-workflow';

import { EmailTrigger } from '../../nodes/EmailTrigger/EmailTrigger.node';
import { keptSessions } from '../../nodes/mail';

// Sessions the triggers of a test file kept for their next poll: logged out when the file is done.
afterAll(async () => await keptSessions.closeAll());

export interface TriggerHarness {
	/** One poll in mode 'trigger' (or 'manual'): the items emitted, [] when poll() returned null. */
	poll(mode?: 'trigger' | 'manual'): Promise<INodeExecutionData[]>;
	/** The node's static data, persisted between polls as n8n does for an active workflow. */
	staticData: IDataObject;
	parameters: IDataObject;
	warnings: string[];
}

const node: INode = {
	id: 'test-trigger',
	name: 'Mailbox Trigger',
	type: 'n8n-nodes-mailbox.emailTrigger',
	typeVersion: 1,
	position: [0, 0],
	parameters: {},
};

/** n8n's prepareBinaryData in its default (in-memory) binary mode. */
export async function prepareBinaryData(data: Buffer, fileName?: string, mimeType?: string): Promise<IBinaryData> {
	return {
		data: data.toString('base64'),
		fileName,
		mimeType: mimeType ?? 'application/octet-stream',
		fileSize: String(data.length),
	};
}

/**
 * Calls the real EmailTrigger.poll() the way n8n's poller does: parameters, credentials, static
 * data that survives between polls (a JSON round trip, as n8n stores it in its database), the mode,
 * and binary helpers. Every mail still comes from the real Dovecot.
 */
export function triggerHarness(options: {
	parameters?: IDataObject;
	credentials: Record<string, unknown>;
	staticData?: IDataObject;
	workflowId?: string;
}): TriggerHarness {
	const trigger = new EmailTrigger();
	// Each harness is a workflow of its own, as each n8n workflow is, unless it is told which.
	const workflow = { id: options.workflowId ?? `workflow-${Math.random().toString(16).slice(2)}` };
	const harness: TriggerHarness = {
		staticData: options.staticData ?? {},
		parameters: { ...(options.parameters ?? {}) },
		warnings: [],
		async poll(mode = 'trigger') {
			// n8n hands poll() a fresh copy loaded from the database each time.
			const staticData = JSON.parse(JSON.stringify(harness.staticData)) as IDataObject;
			const context = {
				getNode: () => node,
				getWorkflow: () => workflow,
				getMode: () => mode,
				getCredentials: async () => options.credentials,
				getWorkflowStaticData: () => staticData,
				getNodeParameter: (name: string, fallback?: unknown) => {
					const value = harness.parameters[name];
					return value === undefined ? fallback : value;
				},
				helpers: { prepareBinaryData },
				logger: {
					debug: () => undefined,
					info: () => undefined,
					warn: (message: string) => harness.warnings.push(message),
					error: () => undefined,
				},
			} as unknown as IPollFunctions;
			const result = await trigger.poll.call(context);
			// Saved only after a poll that returned, as n8n does.
			harness.staticData = JSON.parse(JSON.stringify(staticData)) as IDataObject;
			return result ? result[0] : [];
		},
	};
	return harness;
}

/** The json of the items, for assertions. */
export function jsonOf(items: INodeExecutionData[]): Array<Record<string, unknown>> {
	return items.map((item) => item.json as Record<string, unknown>);
}
