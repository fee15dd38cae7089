import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { moveMessage, type MailAccount } from '../../mail';
import { updateDisplayOptions } from '../../shared/displayOptions';
import { optionsCollection } from '../descriptions/options.description';
import { timeoutOption } from '../descriptions/timeout.description';
import { createFolderOption } from '../descriptions/folderPath.description';
import {
	destinationFolderProperty,
	pickedMessageProperties,
	readFolder,
	readMessagePick,
} from '../descriptions/folder.description';

const properties: INodeProperties[] = [
	...pickedMessageProperties,
	destinationFolderProperty,
	optionsCollection([createFolderOption, timeoutOption]),
];

export const description = updateDisplayOptions({ show: { operation: ['move'] } }, properties);

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	account: MailAccount,
): Promise<INodeExecutionData[]> {
	const options = this.getNodeParameter('options', itemIndex, {}) as { createFolder?: boolean };
	const result = await moveMessage(account, {
		...readMessagePick(this, itemIndex),
		destination: readFolder(this, itemIndex, 'destinationFolder', ''),
		createFolder: options.createFolder ?? false,
	});
	return [{ json: { ...result }, pairedItem: { item: itemIndex } }];
}
