import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { deleteFolder, type MailAccount } from '../../mail';
import { updateDisplayOptions } from '../../shared/displayOptions';
import { folderPathProperty, readPath } from '../descriptions/folderPath.description';
import { optionsCollection } from '../descriptions/options.description';
import { readTimeBudget, timeoutOption } from '../descriptions/timeout.description';

const properties: INodeProperties[] = [
	folderPathProperty,
	optionsCollection([
		{
			displayName: 'Force',
			name: 'force',
			type: 'boolean',
			default: false,
			description:
				'Whether to delete also a special-use folder (Trash, Sent, ...) or one holding mail ' +
				'or child folders, with everything in it. INBOX is never deleted.',
		},
		timeoutOption,
	]),
];

export const description = updateDisplayOptions({ show: { operation: ['deleteFolder'] } }, properties);

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	account: MailAccount,
): Promise<INodeExecutionData[]> {
	const options = this.getNodeParameter('options', itemIndex, {}) as { force?: boolean; timeoutSeconds?: number };
	const result = await deleteFolder(account, readPath(this, itemIndex), {
		force: options.force ?? false,
		budget: readTimeBudget(options),
	});
	return [{ json: { ...result }, pairedItem: { item: itemIndex } }];
}
