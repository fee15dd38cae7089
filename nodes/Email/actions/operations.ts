import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import type { MailAccount } from '../../mail';
import * as analyze from './analyze.operation';
import * as append from './append.operation';
import * as copy from './copy.operation';
import * as createFolder from './createFolder.operation';
import * as deleteFolder from './deleteFolder.operation';
import * as getQuota from './getQuota.operation';
import * as labels from './labels.operation';
import * as listFolders from './listFolders.operation';
import * as renameFolder from './renameFolder.operation';
import * as deleteEmail from './delete.operation';
import * as downloadAttachments from './downloadAttachments.operation';
import * as forward from './forward.operation';
import * as getEml from './getEml.operation';
import * as move from './move.operation';
import * as ping from './ping.operation';
import * as reply from './reply.operation';
import * as search from './search.operation';
import * as send from './send.operation';
import * as sendAndWait from './sendAndWait.operation';
import * as setFlags from './setFlags.operation';
import * as waitForReply from './waitForReply.operation';

/** What an `<op>.operation.ts` file exports: its parameters, its run of one item, and optional hooks. */
export interface OperationModule {
	/** The operation's parameters, shown only when it is chosen. */
	description: INodeProperties[];
	/** One input item -> its output items. `account` is undefined only when `needsNoMailbox` said so. */
	execute(this: IExecuteFunctions, itemIndex: number, account: MailAccount | undefined): Promise<INodeExecutionData[]>;
	/** Items run at once (default 1); outputs stay in item order either way. */
	concurrency?: number;
	/** Called once after the last item, also after a failure: closes what `execute` kept open across items. */
	finish?(account: MailAccount): void;
	/** True when this run needs no mail account (Analyze Email of files from another node): no credential is read. */
	needsNoMailbox?(context: IExecuteFunctions): boolean;
}

/** One entry of the Operation list: what the editor shows, and the file that runs it. */
export interface Operation {
	name: string;
	description: string;
	action: string;
	run: OperationModule;
}

/**
 * Every operation of the action node, declared once: the `operation` parameter's options, the node's
 * properties, the canvas subtitle and the router all come from here. The keys are the `operation`
 * values saved workflows store. Adding an operation is one file and one entry.
 */
const declared = {
	ping: {
		name: 'Ping',
		description: 'Check that IMAP and SMTP logins work',
		action: 'Ping the mail servers',
		run: ping,
	},
	send: { name: 'Send Email', description: 'Send a mail', action: 'Send an email', run: send },
	downloadAttachments: {
		name: 'Download Attachments',
		description: 'Save the attachments of matching mails to a folder on the n8n host',
		action: 'Download attachments',
		run: downloadAttachments,
	},
	getEml: {
		name: 'Get EML File',
		description: 'Get the original bytes of a mail as an .eml file',
		action: 'Get an EML file',
		run: getEml,
	},
	sendAndWait: {
		name: 'Send Email and Wait',
		description: "Send a question and wait for the recipients' reply",
		action: 'Send an email and wait for the reply',
		run: sendAndWait,
	},
	waitForReply: {
		name: 'Wait for Reply',
		description: 'Wait for the reply to a mail sent earlier',
		action: 'Wait for the reply to an email',
		run: waitForReply,
	},
	analyze: {
		name: 'Analyze Email',
		description: 'Unwrap a reported mail (.eml, .msg, forwarded), judge its authentication and list its indicators',
		action: 'Analyze an email',
		run: analyze,
	},
	search: {
		name: 'Search Emails',
		description: 'Find mails in a folder by sender, subject, text or date',
		action: 'Search emails',
		run: search,
	},
	move: { name: 'Move Email', description: 'Move a mail to another folder', action: 'Move an email', run: move },
	delete: {
		name: 'Delete Email',
		description: 'Move a mail to the trash folder, or delete it for good',
		action: 'Delete an email',
		run: deleteEmail,
	},
	setFlags: {
		name: 'Mark Email',
		description: 'Mark a mail as read, unread, flagged or unflagged, and tag it with keywords',
		action: 'Mark an email',
		run: setFlags,
	},
	reply: {
		name: 'Reply to Email',
		description: 'Answer a mail in its thread',
		action: 'Reply to an email',
		run: reply,
	},
	forward: {
		name: 'Forward Email',
		description: 'Forward a mail, attached unchanged or quoted inline',
		action: 'Forward an email',
		run: forward,
	},
	listFolders: {
		name: 'List Folders',
		description: "List the mailbox's folders with their message counts",
		action: 'List folders',
		run: listFolders,
	},
	createFolder: {
		name: 'Create Folder',
		description: 'Create a mailbox folder',
		action: 'Create a folder',
		run: createFolder,
	},
	renameFolder: {
		name: 'Rename Folder',
		description: 'Rename or move a mailbox folder',
		action: 'Rename a folder',
		run: renameFolder,
	},
	deleteFolder: {
		name: 'Delete Folder',
		description: 'Delete a mailbox folder (never INBOX; special-use and non-empty ones only with Force)',
		action: 'Delete a folder',
		run: deleteFolder,
	},
	copy: {
		name: 'Copy Email',
		description: 'Copy a mail to another folder, leaving it where it is',
		action: 'Copy an email',
		run: copy,
	},
	append: {
		name: 'Append Email',
		description: 'Put a mail into a folder without sending it: an .eml file, or a composed mail (a draft)',
		action: 'Append an email',
		run: append,
	},
	labels: {
		name: 'Set Gmail Labels',
		description: 'Add or remove Gmail labels on a mail (Gmail only)',
		action: 'Set labels on an email',
		run: labels,
	},
	getQuota: {
		name: 'Get Quota',
		description: "Read the mailbox's storage and message quota, used and limit",
		action: 'Get the quota',
		run: getQuota,
	},
} satisfies Record<string, Operation>;

export type EmailOperation = keyof typeof declared;

export const operations: Record<EmailOperation, Operation> = declared;

const entries = Object.entries(operations) as Array<[EmailOperation, Operation]>;

/** The `operation` parameter; its options in alphabetical order, as n8n lists actions. */
export const operationProperty: INodeProperties = {
	displayName: 'Operation',
	name: 'operation',
	type: 'options',
	noDataExpression: true,
	options: entries
		.map(([value, { name, description, action }]) => ({ name, value, description, action }))
		.sort((a, b) => a.name.localeCompare(b.name)),
	// The rule reads only literal option lists; 'send' is one of the options built above.
	// eslint-disable-next-line n8n-nodes-base/node-param-default-wrong-for-options
	default: 'send',
};

/** Every operation's parameters, each shown only for its operation. */
export const operationProperties: INodeProperties[] = entries.flatMap(([, operation]) => operation.run.description);

const displayNames = JSON.stringify(Object.fromEntries(entries.map(([value, { name }]) => [value, name])));

/** The canvas subtitle: the chosen operation's display name. */
export const operationSubtitle = `={{ (${displayNames})[$parameter["operation"]] || $parameter["operation"] }}`;
