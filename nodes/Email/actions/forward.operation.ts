import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { forwardMessage, type MailAccount } from '../../mail';
import { updateDisplayOptions } from '../../shared/displayOptions';
import { optionsCollection } from '../descriptions/options.description';
import { timeoutOption } from '../descriptions/timeout.description';
import { pickedMessageProperties } from '../descriptions/folder.description';
import { messageProperty } from '../descriptions/message.description';
import { readAnswerParameters } from './outgoingMail';

const properties: INodeProperties[] = [
	...pickedMessageProperties,
	messageProperty('recipients'),
	messageProperty('content', {
		required: false,
		description: 'A note above the forwarded mail: HTML by default, or text when Content Type is Text',
	}),
	optionsCollection([
		{
			displayName: 'As Attachment',
			name: 'asAttachment',
			type: 'boolean',
			default: true,
			description:
				'Whether to attach the original mail unchanged (.eml, message/rfc822) instead of quoting it ' +
				'inline with its attachments',
		},
		messageProperty('bcc'),
		messageProperty('cc'),
		messageProperty('contentType'),
		timeoutOption,
	]),
];

export const description = updateDisplayOptions({ show: { operation: ['forward'] } }, properties);

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	account: MailAccount,
): Promise<INodeExecutionData[]> {
	const { pick, options, composed } = readAnswerParameters(this, itemIndex);
	const result = await forwardMessage(account, pick, {
		recipients: this.getNodeParameter('recipients', itemIndex) as string,
		content: (this.getNodeParameter('content', itemIndex, '') as string) ?? '',
		...composed,
		asAttachment: (options.asAttachment as boolean | undefined) ?? true,
	});
	return [{ json: { ...result }, pairedItem: { item: itemIndex } }];
}
