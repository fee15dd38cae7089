import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { createFolder, type MailAccount } from '../../mail';
import { updateDisplayOptions } from '../../shared/displayOptions';
import { folderPathProperty, readPath } from '../descriptions/folderPath.description';
import { optionsCollection } from '../descriptions/options.description';
import { readItemTimeBudget, timeoutOption } from '../descriptions/timeout.description';

const properties: INodeProperties[] = [folderPathProperty, optionsCollection([timeoutOption])];

export const description = updateDisplayOptions({ show: { operation: ['createFolder'] } }, properties);

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	account: MailAccount,
): Promise<INodeExecutionData[]> {
	const result = await createFolder(account, readPath(this, itemIndex), {
		budget: readItemTimeBudget(this, itemIndex),
	});
	return [{ json: { ...result }, pairedItem: { item: itemIndex } }];
}
