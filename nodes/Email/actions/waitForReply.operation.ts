import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import type { MailAccount } from '../../mail';
import { updateDisplayOptions } from '../../shared/displayOptions';
import { exclusionFields, waitOptionsCollection } from '../descriptions/wait.description';
import { readWaitOptions, waitForReplyTo } from './waitForReplyItem';

const properties: INodeProperties[] = [
	{
		displayName: 'Message ID',
		name: 'messageId',
		type: 'string',
		default: '',
		required: true,
		placeholder: '<abc123@example.com>',
		description:
			'Message-ID of the mail sent earlier (e.g. the message_id output of Send Email), with or without ' +
			'angle brackets',
	},
	{
		displayName: 'Recipients',
		name: 'recipients',
		type: 'string',
		default: '',
		placeholder: 'analyst@example.com, lead@example.com',
		description: 'Comma-separated addresses whose replies count; empty = a reply from anyone',
	},
	...exclusionFields,
	waitOptionsCollection(),
];

export const description = updateDisplayOptions({ show: { operation: ['waitForReply'] } }, properties);

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	account: MailAccount,
): Promise<INodeExecutionData[]> {
	const messageId = this.getNodeParameter('messageId', itemIndex) as string;
	const recipients = this.getNodeParameter('recipients', itemIndex, '') as string;
	const options = readWaitOptions(this, itemIndex, recipients);
	return [{ json: await waitForReplyTo(account, messageId, options), pairedItem: { item: itemIndex } }];
}
