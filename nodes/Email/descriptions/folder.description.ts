import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

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

/** Finds one mail by its UID when Message ID is empty (Get EML File, Analyze Email). */
export const emailUidProperty: INodeProperties = {
	displayName: 'Email UID',
	name: 'emailUid',
	type: 'string',
	default: '',
	placeholder: '42',
	description: 'UID of the mail in the folder, used when Message ID is empty',
};

/** The folder name, whether the parameter holds a resource locator or a plain string (older data, expressions). */
export function readFolder(context: IExecuteFunctions, itemIndex: number): string {
	const value = context.getNodeParameter('folder', itemIndex, 'INBOX', { extractValue: true }) as unknown;
	const name = typeof value === 'object' && value !== null ? (value as { value?: unknown }).value : value;
	return typeof name === 'string' && name.trim() ? name.trim() : 'INBOX';
}
