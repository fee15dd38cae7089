import { NodeConnectionTypes, type IExecuteFunctions, type INodeExecutionData, type INodeType, type INodeTypeDescription } from 'n8n-workflow';

import { emailConnectionTest } from '../shared/credentials';
import { router } from './actions/router';
import * as ping from './actions/ping.operation';
import * as send from './actions/send.operation';

export class Email implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Mailbox',
		name: 'email',
		icon: { light: 'file:mailbox.svg', dark: 'file:mailbox.dark.svg' },
		group: ['output'],
		version: 1,
		// The operation's display name under the node on the canvas; operations not listed show their value.
		subtitle:
			'={{ ({ ping: "Ping", send: "Send Email", sendAndWait: "Send and Wait for Reply", waitForReply: "Wait for Reply", downloadAttachments: "Download Attachments", getEml: "Get EML File" })[$parameter["operation"]] || $parameter["operation"] }}',
		description: 'Send mail, wait for replies, download attachments and original .eml files over IMAP/SMTP',
		defaults: { name: 'Mailbox' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		usableAsTool: true,
		credentials: [{ name: 'emailCredentials', required: true, testedBy: 'emailConnectionTest' }],
		properties: [
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				noDataExpression: true,
				options: [
					{ name: 'Ping', value: 'ping', description: 'Check that IMAP and SMTP logins work', action: 'Ping the mail servers' },
					{ name: 'Send Email', value: 'send', description: 'Send a mail', action: 'Send an email' },
				],
				default: 'send',
			},
			...ping.description,
			...send.description,
		],
	};

	methods = {
		credentialTest: { emailConnectionTest },
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}
}
