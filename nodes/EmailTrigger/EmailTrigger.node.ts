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
import { triggerProperties } from './description';

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
		const node = this.getNode();
		const account = await getMailAccount(this, this.getNodeParameter('authentication', 'password') as Authentication);
		const staticData = this.getWorkflowStaticData('node') as { cursors?: FolderCursors };
		const manual = this.getMode() === 'manual';

		let result;
		try {
			const trigger = prepareTrigger(readSettings(this));
			// A manual run previews one mail of several folders' newest: binaries only for the one kept.
			result = await pollMailbox(account, staticData.cursors ?? {}, trigger, { manual, ...(manual ? {} : { storeBinaries: (mail: PolledMail) => storeBinaries(this, mail) }) });
		} catch (error) {
			throw toNodeError(node, error, { account });
		}
		// Nothing to emit and a folder failed: n8n must show the failure, not a quiet active trigger.
		if (result.mails.length === 0 && result.failures.length > 0) throw toNodeError(node, result.failures[0], { account });
		for (const failure of result.failures) this.logger.warn(`Mailbox Trigger: ${toNodeError(node, failure, { account }).message}`);

		if (!manual) staticData.cursors = result.cursors;
		if (result.mails.length === 0) return null;
		const items = await Promise.all(result.mails.map(async (mail) => await toItem(this, mail)));
		return [items];
	}
}
