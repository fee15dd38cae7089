import { NodeConnectionTypes, type IExecuteFunctions, type INodeExecutionData, type INodeType, type INodeTypeDescription } from 'n8n-workflow';

import { authenticationProperty, emailConnectionTest, mailboxCredentials } from '../shared/credentials';
import { router } from './actions/router';
import * as ping from './actions/ping.operation';
import * as send from './actions/send.operation';
import * as downloadAttachments from './actions/downloadAttachments.operation';
import * as getEml from './actions/getEml.operation';
import * as sendAndWait from './actions/sendAndWait.operation';
import * as waitForReply from './actions/waitForReply.operation';
import * as analyze from './actions/analyze.operation';
import { getFolders, searchFolders } from './methods/folders';

export class Email implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Mailbox',
		name: 'email',
		icon: { light: 'file:mailbox.svg', dark: 'file:mailbox.dark.svg' },
		group: ['output'],
		version: 1,
		// The operation's display name under the node on the canvas; operations not listed show their value.
		subtitle:
			'={{ ({ ping: "Ping", send: "Send Email", sendAndWait: "Send and Wait for Reply", waitForReply: "Wait for Reply", downloadAttachments: "Download Attachments", getEml: "Get EML File", analyze: "Analyze Email" })[$parameter["operation"]] || $parameter["operation"] }}',
		description: 'Send mail, wait for replies, download attachments and original .eml files over IMAP/SMTP',
		defaults: { name: 'Mailbox' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		usableAsTool: true,
		credentials: mailboxCredentials,
		properties: [
			authenticationProperty,
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				noDataExpression: true,
				options: [
					{ name: 'Analyze Email', value: 'analyze', description: 'Unwrap a reported mail (.eml, .msg, forwarded), judge its authentication and list its indicators', action: 'Analyze an email' },
					{ name: 'Download Attachments', value: 'downloadAttachments', description: 'Save the attachments of matching mails to a folder on the n8n host', action: 'Download attachments' },
					{ name: 'Get EML File', value: 'getEml', description: 'Get the original bytes of a mail as an .eml file', action: 'Get an EML file' },
					{ name: 'Ping', value: 'ping', description: 'Check that IMAP and SMTP logins work', action: 'Ping the mail servers' },
					{ name: 'Send Email', value: 'send', description: 'Send a mail', action: 'Send an email' },
					{ name: 'Send Email and Wait', value: 'sendAndWait', description: 'Send a question and wait for the recipients\' reply', action: 'Send an email and wait for the reply' },
					{ name: 'Wait for Reply', value: 'waitForReply', description: 'Wait for the reply to a mail sent earlier', action: 'Wait for the reply to an email' },
				],
				default: 'send',
			},
			...ping.description,
			...send.description,
			...downloadAttachments.description,
			...getEml.description,
			...sendAndWait.description,
			...waitForReply.description,
			...analyze.description,
		],
	};

	methods = {
		credentialTest: { emailConnectionTest },
		listSearch: { searchFolders },
		loadOptions: { getFolders },
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}
}
