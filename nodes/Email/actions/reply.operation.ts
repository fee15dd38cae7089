import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { replyToMessage, type MailAccount } from '../../mail';
import { updateDisplayOptions } from '../../shared/displayOptions';
import { optionsCollection } from '../descriptions/options.description';
import { timeoutOption } from '../descriptions/timeout.description';
import { pickedMessageProperties } from '../descriptions/folder.description';
import { messageProperty } from '../descriptions/message.description';
import { readAnswerParameters, readAttachments } from './outgoingMail';

const properties: INodeProperties[] = [
	...pickedMessageProperties,
	messageProperty('content', {
		description: 'Your answer, above the quoted original: HTML by default, or text when Content Type is Text',
	}),
	optionsCollection([
		messageProperty('attachments'),
		messageProperty('bcc'),
		messageProperty('cc', { description: "Comma-separated email addresses, added to the reply's CC" }),
		messageProperty('contentType'),
		messageProperty('fromName'),
		{
			displayName: 'Quote Original',
			name: 'quoteOriginal',
			type: 'boolean',
			default: true,
			description: "Whether to quote the original mail's text below the answer",
		},
		{
			displayName: 'Reply All',
			name: 'replyAll',
			type: 'boolean',
			default: false,
			description: "Whether to also answer the original's To and CC (the mailbox's own address left out)",
		},
		timeoutOption,
	]),
];

export const description = updateDisplayOptions({ show: { operation: ['reply'] } }, properties);

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	account: MailAccount,
): Promise<INodeExecutionData[]> {
	const { pick, options, composed } = readAnswerParameters(this, itemIndex);
	const result = await replyToMessage(account, pick, {
		content: this.getNodeParameter('content', itemIndex) as string,
		...composed,
		replyAll: (options.replyAll as boolean | undefined) ?? false,
		quoteOriginal: (options.quoteOriginal as boolean | undefined) ?? true,
		fromName: (options.fromName as string) || undefined,
		attachments: options.attachments ? await readAttachments(this, itemIndex, String(options.attachments)) : [],
	});
	return [{ json: { ...result }, pairedItem: { item: itemIndex } }];
}
