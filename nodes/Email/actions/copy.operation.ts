import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { copyMessage, type MailAccount } from '../../mail';
import { updateDisplayOptions } from '../../shared/displayOptions';
import {
	destinationFolderProperty,
	pickedMessageProperties,
	readFolder,
	readMessagePick,
} from '../descriptions/folder.description';
import { createFolderOption } from '../descriptions/folderPath.description';
import { optionsCollection } from '../descriptions/options.description';
import { timeoutOption } from '../descriptions/timeout.description';

const properties: INodeProperties[] = [
	...pickedMessageProperties,
	{
		...destinationFolderProperty,
		description: 'Folder the copy goes to (case-sensitive); the mail stays where it is',
	},
	optionsCollection([createFolderOption, timeoutOption]),
];

export const description = updateDisplayOptions({ show: { operation: ['copy'] } }, properties);

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	account: MailAccount,
): Promise<INodeExecutionData[]> {
	const options = this.getNodeParameter('options', itemIndex, {}) as { createFolder?: boolean };
	const result = await copyMessage(account, {
		...readMessagePick(this, itemIndex),
		destination: readFolder(this, itemIndex, 'destinationFolder', ''),
		createFolder: options.createFolder ?? false,
	});
	return [{ json: { ...result }, pairedItem: { item: itemIndex } }];
}
