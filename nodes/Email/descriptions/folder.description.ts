import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { MessagePick } from '../../mail';
import { readText } from './parameters';
import { readTimeBudget } from './timeout.description';

/**
 * The `folder` parameter of every operation that reads mail: picked from the server's folders
 * (listSearch `searchFolders`), or typed / set by an expression. Spread it into an operation's
 * properties; read it with `readFolder`.
 */
export const folderProperty: INodeProperties = {
	displayName: 'Folder',
	name: 'folder',
	type: 'resourceLocator',
	default: { mode: 'list', value: 'INBOX', cachedResultName: 'INBOX' },
	required: true,
	description: 'Mailbox folder to read from (case-sensitive)',
	modes: [
		{
			displayName: 'From List',
			name: 'list',
			type: 'list',
			typeOptions: { searchListMethod: 'searchFolders', searchable: true },
		},
		{
			displayName: 'By Name',
			name: 'name',
			type: 'string',
			placeholder: 'e.g. INBOX/Phishing',
		},
	],
};

/** Finds a mail by its Message-ID header (Download Attachments, Get EML File). */
export const messageIdProperty: INodeProperties = {
	displayName: 'Message ID',
	name: 'messageId',
	type: 'string',
	default: '',
	placeholder: '<abc@example.com>',
	description: 'Message-ID header of the mail, with or without angle brackets',
};

/**
 * Finds one mail by UID when Message ID is empty (Get EML File, Analyze Email and the operations that change or
 * answer one mail).
 */
export const emailUidProperty: INodeProperties = {
	displayName: 'Email UID',
	name: 'emailUid',
	type: 'string',
	default: '',
	placeholder: '42',
	description: 'UID of the mail in the folder, used when Message ID is empty',
};

/** Folder, Message ID and Email UID: which mail an operation works on (Move, Delete, Mark, Reply, Forward). */
export const pickedMessageProperties: INodeProperties[] = [folderProperty, messageIdProperty, emailUidProperty];

/** Where Move Email puts the mail: the same picker as `folder`. */
export const destinationFolderProperty: INodeProperties = {
	...folderProperty,
	displayName: 'Destination Folder',
	name: 'destinationFolder',
	default: { mode: 'list', value: '' },
	description: 'Folder the mail is moved to (case-sensitive)',
};

/** The folder name, whether the parameter holds a resource locator or a plain string (older data, expressions). */
export function readFolder(
	context: IExecuteFunctions,
	itemIndex: number,
	parameter = 'folder',
	fallback = 'INBOX',
): string {
	const value = context.getNodeParameter(parameter, itemIndex, fallback, { extractValue: true }) as unknown;
	const name = typeof value === 'object' && value !== null ? (value as { value?: unknown }).value : value;
	return typeof name === 'string' && name.trim() ? name.trim() : fallback;
}

/** Folder, Message ID and Email UID of one item: which mail an operation works on. */
export function readMessagePick(
	context: IExecuteFunctions,
	itemIndex: number,
): MessagePick & { messageId: string; uid: string } {
	const options = context.getNodeParameter('options', itemIndex, {}) as IDataObject;
	return {
		folder: readFolder(context, itemIndex),
		messageId: readText(context, itemIndex, 'messageId'),
		uid: readText(context, itemIndex, 'emailUid'),
		budget: readTimeBudget(options),
	};
}
