import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { emlFileName, getOriginalMessage, normalizeMessageId, type MailAccount } from '../../mail';
import { updateDisplayOptions } from '../../shared/displayOptions';
import {
	emailUidProperty,
	folderProperty,
	messageIdProperty,
	readMessagePick,
} from '../descriptions/folder.description';
import { timeoutOption } from '../descriptions/timeout.description';

const properties: INodeProperties[] = [
	folderProperty,
	messageIdProperty,
	emailUidProperty,
	{
		displayName: 'Base64 Encode',
		name: 'base64Encode',
		type: 'boolean',
		default: true,
		description: 'Whether to output the original mail base64-encoded (eml_base64) instead of as text (eml)',
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [timeoutOption],
	},
];

export const description = updateDisplayOptions({ show: { operation: ['getEml'] } }, properties);

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	account: MailAccount,
): Promise<INodeExecutionData[]> {
	const pick = readMessagePick(this, itemIndex);
	const { folder, messageId, uid } = pick;
	const message = await getOriginalMessage(account, pick);
	// A mail that is not there is an answer (found: false), so a workflow can branch on it.
	if (!message) {
		return [
			{
				json: {
					found: false,
					message_id: normalizeMessageId(messageId),
					email_uid: uid.trim() ? Number(uid) : null,
					folder,
					size: 0,
				},
				pairedItem: { item: itemIndex },
			},
		];
	}
	const base64Encode = this.getNodeParameter('base64Encode', itemIndex, true) as boolean;
	return [
		{
			json: {
				found: true,
				...(base64Encode
					? { eml_base64: message.source.toString('base64') }
					: { eml: message.source.toString('utf8') }),
				message_id: message.messageId,
				email_uid: message.uid,
				folder: message.folder,
				size: message.size,
			},
			binary: { data: await this.helpers.prepareBinaryData(message.source, emlFileName(message), 'message/rfc822') },
			pairedItem: { item: itemIndex },
		},
	];
}
