import { promises as fs } from 'node:fs';

import type { IBinaryKeyData, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { downloadAttachments, type MailAccount } from '../../mail';
import { updateDisplayOptions } from '../../shared/displayOptions';
import { folderProperty, messageIdProperty, readFolder } from '../descriptions/folder.description';
import { readText } from '../descriptions/parameters';
import { readTimeBudget, timeoutOption, type TimeoutOptions } from '../descriptions/timeout.description';

const properties: INodeProperties[] = [
	folderProperty,
	{
		displayName: 'Download Path',
		name: 'downloadPath',
		type: 'string',
		default: '',
		required: true,
		placeholder: '/data/attachments',
		description:
			'Folder on the n8n host where the files are saved; created when missing. Existing files are ' +
			'never overwritten.',
	},
	messageIdProperty,
	{
		displayName: 'Subject Filter',
		name: 'subjectFilter',
		type: 'string',
		default: '',
		description: 'Only mails whose subject contains this text',
	},
	{
		displayName: 'Email UID',
		name: 'emailUid',
		type: 'string',
		default: '',
		placeholder: '42 or 42,57',
		description: 'One UID or a comma-separated list of UIDs in the folder',
	},
	{
		displayName: 'Only Unread',
		name: 'onlyUnread',
		type: 'boolean',
		default: false,
		description: 'Whether to take only mails that are not marked as read. The mails stay unread either way.',
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Binary Output',
				name: 'binaryOutput',
				type: 'boolean',
				default: true,
				description: 'Whether to also attach each file to the item as binary attachment_0, attachment_1,',
			},
			{
				displayName: 'Include Inline',
				name: 'includeInline',
				type: 'boolean',
				default: false,
				description: 'Whether to also save parts shown inside the body, such as embedded images',
			},
			timeoutOption,
		],
	},
];

export const description = updateDisplayOptions({ show: { operation: ['downloadAttachments'] } }, properties);

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	account: MailAccount,
): Promise<INodeExecutionData[]> {
	const options = this.getNodeParameter('options', itemIndex, {}) as TimeoutOptions & {
		binaryOutput?: boolean;
		includeInline?: boolean;
	};
	const { attachments, parseErrors } = await downloadAttachments(account, {
		folder: readFolder(this, itemIndex),
		downloadPath: readText(this, itemIndex, 'downloadPath'),
		filter: {
			messageId: readText(this, itemIndex, 'messageId'),
			subject: readText(this, itemIndex, 'subjectFilter'),
			uids: readText(this, itemIndex, 'emailUid'),
			onlyUnread: this.getNodeParameter('onlyUnread', itemIndex, false) as boolean,
		},
		includeInline: options.includeInline ?? false,
		budget: readTimeBudget(options),
	});
	const item: INodeExecutionData = {
		json: {
			attachments_local_paths: attachments.map((entry) => entry.path).join(','),
			attachments: attachments.map((entry) => ({ ...entry })),
			// Mail the parser gave up on (hostile or broken MIME): said, never skipped silently.
			...(parseErrors.length ? { parse_errors: parseErrors.map((entry) => ({ ...entry })) } : {}),
		},
		pairedItem: { item: itemIndex },
	};
	if (options.binaryOutput ?? true) {
		const binary: IBinaryKeyData = {};
		for (const [index, entry] of attachments.entries()) {
			binary[`attachment_${index}`] = await this.helpers.prepareBinaryData(
				await fs.readFile(entry.path),
				entry.filename,
				entry.contentType,
			);
		}
		if (attachments.length > 0) item.binary = binary;
	}
	return [item];
}
