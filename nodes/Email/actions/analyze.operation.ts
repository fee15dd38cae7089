import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { analyzeEmail, getOriginalMessage, MailError, normalizeMessageId, type MailAccount } from '../../mail';
import { updateDisplayOptions } from '../../shared/displayOptions';
import { analyzeOptions, readAnalyzeOptions, type AnalyzeOptionValues } from '../../shared/analyze.description';
import { emailUidProperty, folderProperty, messageIdProperty, readFolder } from '../descriptions/folder.description';

const fromMailbox = { show: { source: ['mailbox'] } };

const properties: INodeProperties[] = [
	{
		displayName: 'Source',
		name: 'source',
		type: 'options',
		options: [
			{ name: 'Mailbox', value: 'mailbox', description: 'A mail in a folder, by Message-ID or UID' },
			{
				name: 'Binary File',
				value: 'binary',
				description: "An .eml or Outlook .msg file from a previous node (a webhook, a mail's attachment, a file)",
			},
		],
		default: 'mailbox',
	},
	{ ...folderProperty, displayOptions: fromMailbox },
	{ ...messageIdProperty, displayOptions: fromMailbox },
	{ ...emailUidProperty, displayOptions: fromMailbox },
	{
		displayName: 'Input Binary Field',
		name: 'binaryPropertyName',
		type: 'string',
		default: 'data',
		required: true,
		description: 'Name of the binary property holding the .eml or .msg file',
		displayOptions: { show: { source: ['binary'] } },
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: analyzeOptions,
	},
];

export const description = updateDisplayOptions({ show: { operation: ['analyze'] } }, properties);

const fromBinary = (context: IExecuteFunctions, itemIndex: number) =>
	context.getNodeParameter('source', itemIndex, 'mailbox') === 'binary';

/** A file handed on by another node is analysed without a mailbox, so without a credential. */
export function needsNoMailbox(context: IExecuteFunctions): boolean {
	return context.getInputData().every((_, itemIndex) => fromBinary(context, itemIndex));
}

async function inputBytes(
	context: IExecuteFunctions,
	itemIndex: number,
	account: MailAccount | undefined,
): Promise<Buffer | INodeExecutionData> {
	if (fromBinary(context, itemIndex)) {
		const name = String(context.getNodeParameter('binaryPropertyName', itemIndex, 'data') ?? '').trim() || 'data';
		if (!context.getInputData()[itemIndex].binary?.[name]) {
			throw new MailError(
				'INVALID_INPUT',
				`The input item has no binary property "${name}": set Input Binary Field to the ` +
					`property holding the .eml or .msg file.`,
			);
		}
		return await context.helpers.getBinaryDataBuffer(itemIndex, name);
	}
	if (!account)
		throw new MailError(
			'INVALID_INPUT',
			'Source is Mailbox for this item: choose a mailbox credential, or set Source to Binary File.',
		);
	const folder = readFolder(context, itemIndex);
	const messageId = String(context.getNodeParameter('messageId', itemIndex, '') ?? '');
	const uid = String(context.getNodeParameter('emailUid', itemIndex, '') ?? '');
	const message = await getOriginalMessage(account, { folder, messageId, uid });
	// A mail that is not there is an answer (found: false), so a workflow can branch on it.
	if (!message)
		return {
			json: {
				found: false,
				message_id: normalizeMessageId(messageId),
				email_uid: uid.trim() ? Number(uid) : null,
				folder,
			},
			pairedItem: { item: itemIndex },
		};
	return message.source;
}

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	account: MailAccount | undefined,
): Promise<INodeExecutionData[]> {
	const input = await inputBytes(this, itemIndex, account);
	if (!Buffer.isBuffer(input)) return [input];
	const options = readAnalyzeOptions(this.getNodeParameter('options', itemIndex, {}) as AnalyzeOptionValues);
	const { analysis, originalEml } = await analyzeEmail(input, options);
	const item: INodeExecutionData = { json: { ...analysis }, pairedItem: { item: itemIndex } };
	if (originalEml)
		item.binary = {
			original_eml: await this.helpers.prepareBinaryData(originalEml.content, originalEml.fileName, 'message/rfc822'),
		};
	return [item];
}
