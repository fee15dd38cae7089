import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { copyMessage, type MailAccount } from '../../mail';
import { updateDisplayOptions } from '../../shared/displayOptions';
import { destinationProperties, readDestinationRequest } from '../descriptions/destination.description';

const properties = destinationProperties('Folder the copy goes to (case-sensitive); the mail stays where it is');

export const description = updateDisplayOptions({ show: { operation: ['copy'] } }, properties);

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	account: MailAccount,
): Promise<INodeExecutionData[]> {
	const result = await copyMessage(account, readDestinationRequest(this, itemIndex));
	return [{ json: { ...result }, pairedItem: { item: itemIndex } }];
}
