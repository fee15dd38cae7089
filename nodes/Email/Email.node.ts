import { NodeConnectionTypes, type IExecuteFunctions, type INodeExecutionData, type INodeType, type INodeTypeDescription, type IWebhookFunctions, type IWebhookResponseData } from 'n8n-workflow';

import { authenticationProperty, emailConnectionTest, mailboxCredentials } from '../shared/credentials';
import { router } from './actions/router';
import * as ping from './actions/ping.operation';
import * as send from './actions/send.operation';
import * as downloadAttachments from './actions/downloadAttachments.operation';
import * as getEml from './actions/getEml.operation';
import * as sendAndWait from './actions/sendAndWait.operation';
import * as waitForReply from './actions/waitForReply.operation';
import * as analyze from './actions/analyze.operation';
import * as search from './actions/search.operation';
import * as move from './actions/move.operation';
import * as deleteEmail from './actions/delete.operation';
import * as setFlags from './actions/setFlags.operation';
import * as reply from './actions/reply.operation';
import * as forward from './actions/forward.operation';
import { getFolders, searchFolders } from './methods/folders';
import { responseWebhooks, waitAgain, webhook } from './actions/askPerson';

export class Email implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Mailbox',
		name: 'email',
		icon: { light: 'file:mailbox.svg', dark: 'file:mailbox.dark.svg' },
		group: ['output'],
		version: 1,
		// The operation's display name under the node on the canvas; operations not listed show their value.
		subtitle:
			'={{ ({ ping: "Ping", send: "Send Email", sendAndWait: "Send and Wait for Reply", waitForReply: "Wait for Reply", downloadAttachments: "Download Attachments", getEml: "Get EML File", search: "Search Emails", move: "Move Email", delete: "Delete Email", setFlags: "Mark Email", reply: "Reply to Email", forward: "Forward Email", analyze: "Analyze Email" })[$parameter["operation"]] || $parameter["operation"] }}',
		description: 'Send mail, wait for replies, download attachments and original .eml files over IMAP/SMTP',
		defaults: { name: 'Mailbox' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		usableAsTool: true,
		credentials: mailboxCredentials,
		// Send Email and Wait's Approval and Free Text answers resume the waiting execution here.
		webhooks: responseWebhooks,
		properties: [
			authenticationProperty,
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				noDataExpression: true,
				options: [
					{ name: 'Analyze Email', value: 'analyze', description: 'Unwrap a reported mail (.eml, .msg, forwarded), judge its authentication and list its indicators', action: 'Analyze an email' },
					{ name: 'Delete Email', value: 'delete', description: 'Move a mail to the trash folder, or delete it for good', action: 'Delete an email' },
					{ name: 'Download Attachments', value: 'downloadAttachments', description: 'Save the attachments of matching mails to a folder on the n8n host', action: 'Download attachments' },
					{ name: 'Forward Email', value: 'forward', description: 'Forward a mail, attached unchanged or quoted inline', action: 'Forward an email' },
					{ name: 'Get EML File', value: 'getEml', description: 'Get the original bytes of a mail as an .eml file', action: 'Get an EML file' },
					{ name: 'Mark Email', value: 'setFlags', description: 'Mark a mail as read, unread, flagged or unflagged, and tag it with keywords', action: 'Mark an email' },
					{ name: 'Move Email', value: 'move', description: 'Move a mail to another folder', action: 'Move an email' },
					{ name: 'Ping', value: 'ping', description: 'Check that IMAP and SMTP logins work', action: 'Ping the mail servers' },
					{ name: 'Reply to Email', value: 'reply', description: 'Answer a mail in its thread', action: 'Reply to an email' },
					{ name: 'Search Emails', value: 'search', description: 'Find mails in a folder by sender, subject, text or date', action: 'Search emails' },
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
			...search.description,
			...move.description,
			...deleteEmail.description,
			...setFlags.description,
			...reply.description,
			...forward.description,
		],
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
