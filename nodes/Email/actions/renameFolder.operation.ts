import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { renameFolder, type MailAccount } from '../../mail';
import { updateDisplayOptions } from '../../shared/displayOptions';
import { folderPathProperty, readPath } from '../descriptions/folderPath.description';
import { optionsCollection } from '../descriptions/options.description';
import { readItemTimeBudget, timeoutOption } from '../descriptions/timeout.description';

const properties: INodeProperties[] = [
	folderPathProperty,
	{
		...folderPathProperty,
		displayName: 'New Path',
		name: 'newPath',
		placeholder: 'e.g. Cases/Closed/2026-117',
		description: 'Full path the folder gets; its mail and child folders go with it',
	},
	optionsCollection([timeoutOption]),
];

export const description = updateDisplayOptions({ show: { operation: ['renameFolder'] } }, properties);

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	account: MailAccount,
): Promise<INodeExecutionData[]> {
	const result = await renameFolder(account, readPath(this, itemIndex), readPath(this, itemIndex, 'newPath'), {
		budget: readItemTimeBudget(this, itemIndex),
	});
	return [{ json: { ...result }, pairedItem: { item: itemIndex } }];
}
