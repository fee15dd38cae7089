import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { setMessageLabels, type MailAccount } from '../../mail';
import { updateDisplayOptions } from '../../shared/displayOptions';
import { pickedMessageProperties, readMessagePick } from '../descriptions/folder.description';
import { optionsCollection } from '../descriptions/options.description';
import { timeoutOption } from '../descriptions/timeout.description';

const properties: INodeProperties[] = [
	...pickedMessageProperties,
	{
		displayName: 'Add Labels',
		name: 'addLabels',
		type: 'string',
		default: '',
		placeholder: 'Cases/2026-117, Phishing',
		description: 'Comma-separated Gmail labels to put on the mail (created by Gmail when new)',
	},
	{
		displayName: 'Remove Labels',
		name: 'removeLabels',
		type: 'string',
		default: '',
		description: 'Comma-separated Gmail labels to take off the mail',
	},
	optionsCollection([timeoutOption]),
];

export const description = updateDisplayOptions({ show: { operation: ['labels'] } }, properties);

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	account: MailAccount,
): Promise<INodeExecutionData[]> {
	const result = await setMessageLabels(account, {
		...readMessagePick(this, itemIndex),
		addLabels: String(this.getNodeParameter('addLabels', itemIndex, '') ?? ''),
		removeLabels: String(this.getNodeParameter('removeLabels', itemIndex, '') ?? ''),
	});
	return [{ json: { ...result }, pairedItem: { item: itemIndex } }];
}
