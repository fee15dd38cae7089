import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { sendMail, type MailAccount } from '../../mail';
import { updateDisplayOptions } from '../../shared/displayOptions';
import { messageFields, messageOptions } from '../descriptions/message.description';
import { readOutgoingMail } from './outgoingMail';

const properties: INodeProperties[] = [
	...messageFields,
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: messageOptions,
	},
];

export const description = updateDisplayOptions({ show: { operation: ['send'] } }, properties);

export async function execute(this: IExecuteFunctions, itemIndex: number, account: MailAccount): Promise<INodeExecutionData[]> {
	const result = await sendMail(account, await readOutgoingMail(this, itemIndex));
	return [{ json: { ...result }, pairedItem: { item: itemIndex } }];
}
