import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import type { MailAccount } from '../../mail';
import { getMailAccount, type Authentication } from '../../shared/credentials';
import { toNodeError } from '../../shared/errors';
import * as ping from './ping.operation';
import * as send from './send.operation';
import * as downloadAttachments from './downloadAttachments.operation';
import * as getEml from './getEml.operation';
import * as sendAndWait from './sendAndWait.operation';
import * as waitForReply from './waitForReply.operation';
import * as analyze from './analyze.operation';
import * as search from './search.operation';
import * as move from './move.operation';
import * as deleteEmail from './delete.operation';
import * as setFlags from './setFlags.operation';
import * as reply from './reply.operation';
import * as forward from './forward.operation';
import * as listFolders from './listFolders.operation';
import * as createFolder from './createFolder.operation';
import * as renameFolder from './renameFolder.operation';
import * as deleteFolder from './deleteFolder.operation';
import * as copy from './copy.operation';
import * as append from './append.operation';
import * as labels from './labels.operation';
import * as getQuota from './getQuota.operation';

const operations = { ping, send, sendAndWait, waitForReply, downloadAttachments, getEml, search, move, delete: deleteEmail, setFlags, reply, forward, analyze,
	listFolders, createFolder, renameFolder, deleteFolder, copy, append, labels, getQuota };

export type EmailOperation = keyof typeof operations;

/** Runs the chosen operation once per input item; one output item (or more) per input, paired. */
export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const operation = this.getNodeParameter('operation', 0) as EmailOperation;
	const handler = operations[operation];
	if (!handler) throw toNodeError(this.getNode(), new Error(`The operation "${operation}" is not known: pick one from the list.`));
	// Only an operation that says so (Analyze Email of a file from another node) runs without one.
	const withoutMailbox = (handler as { needsNoMailbox?: (context: IExecuteFunctions) => boolean }).needsNoMailbox?.(this) ?? false;
	const account = withoutMailbox ? undefined : await getMailAccount(this, this.getNodeParameter('authentication', 0, 'password') as Authentication);
	// Items run in order, or (for an operation that exports `concurrency`, like Send Email) several at
	// once; outputs stay in item order either way.
	const concurrency = Math.max(1, (handler as { concurrency?: number }).concurrency ?? 1);
	const outputs: INodeExecutionData[][] = [];
	const failures: Array<{ itemIndex: number; error: Error }> = [];
	let nextItem = 0;
	const runItems = async () => {
		while (nextItem < items.length && failures.length === 0) {
			const itemIndex = nextItem++;
			try {
				outputs[itemIndex] = await handler.execute.call(this, itemIndex, account as MailAccount);
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
		if (account) (handler as { finish?: (account: MailAccount) => void }).finish?.(account);
	}
	// The earliest item that failed is the one reported, as when items run one by one.
	if (failures.length > 0) throw failures.sort((a, b) => a.itemIndex - b.itemIndex)[0].error;
	return [outputs.flat()];
}
