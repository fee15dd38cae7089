import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { getMailAccount, type Authentication } from '../../shared/credentials';
import { toNodeError } from '../../shared/errors';
import { operations, type EmailOperation } from './operations';

/** Runs the chosen operation once per input item; one output item (or more) per input, paired. */
export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const operation = this.getNodeParameter('operation', 0) as EmailOperation;
	const handler = operations[operation]?.run;
	if (!handler)
		throw toNodeError(this.getNode(), new Error(`The operation "${operation}" is not known: pick one from the list.`));
	// Only an operation that says so (Analyze Email of a file from another node) runs without one.
	const withoutMailbox = handler.needsNoMailbox?.(this) ?? false;
	const account = withoutMailbox
		? undefined
		: await getMailAccount(this, this.getNodeParameter('authentication', 0, 'password') as Authentication);
	// Items run in order, or (for an operation that exports `concurrency`, like Send Email) several at
	// once; outputs stay in item order either way.
	const concurrency = Math.max(1, handler.concurrency ?? 1);
	const outputs: INodeExecutionData[][] = [];
	const failures: Array<{ itemIndex: number; error: Error }> = [];
	let nextItem = 0;
	const runItems = async () => {
		while (nextItem < items.length && failures.length === 0) {
			const itemIndex = nextItem++;
			try {
				outputs[itemIndex] = await handler.execute.call(this, itemIndex, account);
			} catch (error) {
				const nodeError = toNodeError(this.getNode(), error, { itemIndex, account });
				if (!this.continueOnFail()) failures.push({ itemIndex, error: nodeError });
				else outputs[itemIndex] = [{ json: { error: nodeError.message }, pairedItem: { item: itemIndex } }];
			}
		}
	};
	try {
		await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, runItems));
	} finally {
		// An operation that keeps a session open across items (Send Email) closes it here.
		if (account) handler.finish?.(account);
	}
	// The earliest item that failed is the one reported, as when items run one by one.
	if (failures.length > 0) throw failures.sort((a, b) => a.itemIndex - b.itemIndex)[0].error;
	return [outputs.flat()];
}
