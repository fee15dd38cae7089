import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { moveMessage, type MailAccount } from '../../mail';
import { updateDisplayOptions } from '../../shared/displayOptions';
import { destinationProperties, readDestinationRequest } from '../descriptions/destination.description';

const properties = destinationProperties();

export const description = updateDisplayOptions({ show: { operation: ['move'] } }, properties);

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	account: MailAccount,
): Promise<INodeExecutionData[]> {
	const result = await moveMessage(account, readDestinationRequest(this, itemIndex));
	return [{ json: { ...result }, pairedItem: { item: itemIndex } }];
}
