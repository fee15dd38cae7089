import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
	type IWebhookFunctions,
	type IWebhookResponseData,
} from 'n8n-workflow';

import { authenticationProperty, emailConnectionTest, mailboxCredentials } from '../shared/credentials';
import { router } from './actions/router';
import { operationProperties, operationProperty, operationSubtitle } from './actions/operations';
import { getFolders, searchFolders } from './methods/folders';
import { waitAgain, webhook } from './actions/askPerson';
import { responseWebhooks } from './descriptions/askPerson.description';

export class Email implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Mailbox',
		name: 'email',
		icon: { light: 'file:mailbox.svg', dark: 'file:mailbox.dark.svg' },
		group: ['output'],
		version: 1,
		// The operation's display name under the node on the canvas.
		subtitle: operationSubtitle,
		description: 'Send mail, wait for replies, download attachments and original .eml files over IMAP/SMTP',
		defaults: { name: 'Mailbox' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		usableAsTool: true,
		credentials: mailboxCredentials,
		// Send Email and Wait's Approval and Free Text answers resume the waiting execution here.
		webhooks: responseWebhooks,
		properties: [authenticationProperty, operationProperty, ...operationProperties],
	};

	methods = {
		credentialTest: { emailConnectionTest },
		listSearch: { searchFolders },
		loadOptions: { getFolders },
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		// An approval that needs more answers comes back here after each one, to wait again.
		return (await waitAgain(this)) ?? (await router.call(this));
	}

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		return await webhook.call(this);
	}
}
