import {
	NodeConnectionTypes,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
	type IPollFunctions,
} from 'n8n-workflow';

import { pollMailbox, prepareTrigger, type FolderCursors, type PolledMail } from '../mail';
import { emailConnectionTest, getMailAccount, mailboxCredentials, type Authentication } from '../shared/credentials';
import { toNodeError } from '../shared/errors';
import { readSettings, storeBinaries, toItem } from '../shared/triggerItems';
import { triggerProperties } from '../shared/trigger.description';

/**
 * Polls under way, by workflow and node. n8n starts the next poll on schedule even when the last one
 * has not finished (a slow server, a long cycle): both would start from the same cursor, emit the
 * same mail twice and the later one would put the cursor back.
 */
const pollsUnderWay = new Set<string>();

export class EmailTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Mailbox Trigger',
		name: 'emailTrigger',
		icon: { light: 'file:mailboxTrigger.svg', dark: 'file:mailboxTrigger.dark.svg' },
		group: ['trigger'],
		version: 1,
		description: 'Emits one item per incoming email, exactly once (IMAP)',
		subtitle: '={{$parameter["folders"]}}',
		defaults: { name: 'Mailbox Trigger' },
		polling: true,
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: mailboxCredentials,
		properties: triggerProperties,
	};

	methods = {
		credentialTest: { emailConnectionTest },
	};

	async poll(this: IPollFunctions): Promise<INodeExecutionData[][] | null> {
		// A manual run is a preview that leaves the cursor alone: it may run beside a scheduled poll.
		if (this.getMode() === 'manual') return await pollOnce(this, true);
		const node = this.getNode();
		const key = ownerOf(this);
		if (pollsUnderWay.has(key)) {
			this.logger.warn(
				`Mailbox Trigger: the previous poll of "${node.name}" is still running; this one ` +
					`is skipped (a longer Poll Times interval avoids this).`,
			);
			return null;
		}
		pollsUnderWay.add(key);
		try {
			return await pollOnce(this, false);
		} finally {
			pollsUnderWay.delete(key);
		}
	}
}

/** Which trigger this is: its workflow and node. */
function ownerOf(context: IPollFunctions): string {
	const node = context.getNode();
	return `${context.getWorkflow().id}/${node.id ?? node.name}`;
}

async function pollOnce(context: IPollFunctions, manual: boolean): Promise<INodeExecutionData[][] | null> {
	const node = context.getNode();
	const account = await getMailAccount(
		context,
		context.getNodeParameter('authentication', 'password') as Authentication,
	);
	const staticData = context.getWorkflowStaticData('node') as { cursors?: FolderCursors };

	let result;
	try {
		const trigger = prepareTrigger(readSettings(context));
		// A manual run previews one mail of several folders' newest: binaries only for the one kept.
		// Active: the session stays open for the next poll, one per workflow's trigger.
		const active = {
			storeBinaries: (mail: PolledMail) => storeBinaries(context, mail),
			keepSessionFor: ownerOf(context),
		};
		result = await pollMailbox(account, staticData.cursors ?? {}, trigger, { manual, ...(manual ? {} : active) });
	} catch (error) {
		throw toNodeError(node, error, { account });
	}
	// Nothing to emit and a folder failed: n8n must show the failure, not a quiet active trigger.
	if (result.mails.length === 0 && result.failures.length > 0) throw toNodeError(node, result.failures[0], { account });
	for (const failure of result.failures)
		context.logger.warn(`Mailbox Trigger: ${toNodeError(node, failure, { account }).message}`);

	const items = await Promise.all(result.mails.map(async (mail) => await toItem(context, mail)));
	// Moved only once the items are built: n8n keeps this object in memory for the next poll.
	if (!manual) staticData.cursors = result.cursors;
	return items.length > 0 ? [items] : null;
}
