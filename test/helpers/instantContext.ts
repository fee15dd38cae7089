import type {
	IDataObject,
	IDeferredPromise,
	INode,
	INodeExecutionData,
	IRun,
	ITriggerFunctions,
	ITriggerResponse,
} from 'n8n-workflow';

import { EmailInstantTrigger } from '../../nodes/EmailInstantTrigger/EmailInstantTrigger.node';
import { prepareBinaryData } from './pollContext';

export interface Emission {
	at: number;
	items: INodeExecutionData[];
}

export interface InstantHarness {
	/** Every emit() call, in order. */
	emissions: Emission[];
	/** Every emitError() call. */
	errors: Error[];
	warnings: string[];
	/** The static data as n8n last saved it: n8n saves a trigger's static data when it emits. */
	saved: IDataObject;
	/** Every emitted item's json, flattened. */
	readonly items: Array<Record<string, unknown>>;
	/** The workflow is deactivated: n8n calls closeFunction. */
	close(): Promise<void>;
}

const node: INode = {
	id: 'test-instant-trigger',
	name: 'Mailbox Trigger (Instant)',
	type: 'n8n-nodes-mailbox.emailInstantTrigger',
	typeVersion: 1,
	position: [0, 0],
	parameters: {},
};

function contextFor(
	harness: InstantHarness,
	mode: 'trigger' | 'manual',
	options: { parameters: IDataObject; credentials: Record<string, unknown>; staticData: IDataObject },
) {
	// n8n keeps one static data object in memory for an active workflow and saves it on emit.
	const staticData = JSON.parse(JSON.stringify(options.staticData)) as IDataObject;
	return {
		getNode: () => node,
		getMode: () => mode,
		getCredentials: async () => options.credentials,
		getWorkflowStaticData: () => staticData,
		getNodeParameter: (name: string, fallback?: unknown) => {
			const value = options.parameters[name];
			return value === undefined ? fallback : value;
		},
		helpers: { prepareBinaryData },
		emit: (data: INodeExecutionData[][], _response?: unknown, done?: IDeferredPromise<IRun>) => {
			harness.saved = JSON.parse(JSON.stringify(staticData)) as IDataObject;
			harness.emissions.push({ at: Date.now(), items: data[0] });
			// As n8n does once the execution has run.
			done?.resolve({} as IRun);
		},
		emitError: (error: Error) => harness.errors.push(error),
		logger: {
			debug: () => undefined,
			info: () => undefined,
			warn: (message: string) => harness.warnings.push(message),
			error: () => undefined,
		},
	} as unknown as ITriggerFunctions;
}

function newHarness(staticData: IDataObject): InstantHarness {
	const harness: InstantHarness = {
		emissions: [],
		errors: [],
		warnings: [],
		saved: staticData,
		get items() {
			return harness.emissions.flatMap((emission) =>
				emission.items.map((item) => item.json as Record<string, unknown>),
			);
		},
		close: async () => undefined,
	};
	return harness;
}

/**
 * Activates the real EmailInstantTrigger.trigger() as n8n's ActiveWorkflowManager does: the
 * returned closeFunction is the deactivation. Every mail comes from the real Dovecot.
 */
export async function activateInstant(options: {
	parameters?: IDataObject;
	credentials: Record<string, unknown>;
	staticData?: IDataObject;
}): Promise<InstantHarness> {
	const harness = newHarness(options.staticData ?? {});
	const context = contextFor(harness, 'trigger', {
		parameters: options.parameters ?? {},
		credentials: options.credentials,
		staticData: harness.saved,
	});
	const response: ITriggerResponse = await new EmailInstantTrigger().trigger.call(context);
	harness.close = async () => await response.closeFunction?.();
	return harness;
}

/** A manual "test step": n8n calls manualTriggerFunction and takes the first emit. */
export async function testStep(options: {
	parameters?: IDataObject;
	credentials: Record<string, unknown>;
	staticData?: IDataObject;
}): Promise<InstantHarness> {
	const harness = newHarness(options.staticData ?? {});
	const context = contextFor(harness, 'manual', {
		parameters: options.parameters ?? {},
		credentials: options.credentials,
		staticData: harness.saved,
	});
	const response: ITriggerResponse = await new EmailInstantTrigger().trigger.call(context);
	await response.manualTriggerFunction?.();
	await response.closeFunction?.();
	return harness;
}

/** Waits until `done` holds, polling every 20 ms; fails with what was last seen. */
export async function until(what: string, timeoutMs: number, done: () => boolean): Promise<number> {
	const started = Date.now();
	while (!done()) {
		if (Date.now() - started > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
		await new Promise((resolve) => setTimeout(resolve, 20));
	}
	return Date.now() - started;
}
