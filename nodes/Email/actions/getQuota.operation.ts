import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { getQuota, type MailAccount } from '../../mail';
import { updateDisplayOptions } from '../../shared/displayOptions';
import { folderProperty, readFolder } from '../descriptions/folder.description';
import { optionsCollection } from '../descriptions/options.description';
import { readItemTimeBudget, timeoutOption } from '../descriptions/timeout.description';

const properties: INodeProperties[] = [
	{
		...folderProperty,
		description: 'Folder whose quota root is read (case-sensitive); usually every folder shares the one of INBOX',
	},
	optionsCollection([timeoutOption]),
];

export const description = updateDisplayOptions({ show: { operation: ['getQuota'] } }, properties);

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	account: MailAccount,
): Promise<INodeExecutionData[]> {
	const result = await getQuota(account, readFolder(this, itemIndex), readItemTimeBudget(this, itemIndex));
	return [{ json: { ...result }, pairedItem: { item: itemIndex } }];
}
