import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { deleteMessage, type MailAccount } from '../../mail';
import { updateDisplayOptions } from '../../shared/displayOptions';
import { optionsCollection } from '../descriptions/options.description';
import { timeoutOption } from '../descriptions/timeout.description';
import { pickedMessageProperties, readMessagePick } from '../descriptions/folder.description';

const properties: INodeProperties[] = [
	...pickedMessageProperties,
	optionsCollection([
		{
			displayName: 'Permanent',
			name: 'permanent',
			type: 'boolean',
			default: false,
			description:
				'Whether to delete the mail for good instead of moving it to the trash folder (needs a server ' +
				'with UIDPLUS)',
		},
		timeoutOption,
	]),
];

export const description = updateDisplayOptions({ show: { operation: ['delete'] } }, properties);

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	account: MailAccount,
): Promise<INodeExecutionData[]> {
	const options = this.getNodeParameter('options', itemIndex, {}) as { permanent?: boolean };
	const result = await deleteMessage(account, {
		...readMessagePick(this, itemIndex),
		permanent: options.permanent ?? false,
	});
	return [{ json: { ...result }, pairedItem: { item: itemIndex } }];
}
