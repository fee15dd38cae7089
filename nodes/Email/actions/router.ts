import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { getMailAccount, type Authentication } from '../../shared/credentials';
import { toNodeError } from '../../shared/errors';
import * as ping from './ping.operation';
import * as send from './send.operation';
import * as downloadAttachments from './downloadAttachments.operation';
import * as getEml from './getEml.operation';
import * as sendAndWait from './sendAndWait.operation';
import * as waitForReply from './waitForReply.operation';

const operations = { ping, send, sendAndWait, waitForReply, downloadAttachments, getEml };

export type EmailOperation = keyof typeof operations;

/** Runs the chosen operation once per input item; one output item (or more) per input, paired. */
export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const operation = this.getNodeParameter('operation', 0) as EmailOperation;
	const handler = operations[operation];
	if (!handler) throw toNodeError(this.getNode(), new Error(`The operation "${operation}" is not known: pick one from the list.`));
	const account = await getMailAccount(this, this.getNodeParameter('authentication', 0, 'password') as Authentication);
	const results: INodeExecutionData[] = [];
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			results.push(...(await handler.execute.call(this, itemIndex, account)));
		} catch (error) {
			const nodeError = toNodeError(this.getNode(), error, { itemIndex, account });
			if (!this.continueOnFail()) throw nodeError;
			results.push({ json: { error: nodeError.message }, pairedItem: { item: itemIndex } });
		}
	}
	return [results];
}
