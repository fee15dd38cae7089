import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { listFolderDetails, type MailAccount } from '../../mail';
import { updateDisplayOptions } from '../../shared/displayOptions';
import { optionsCollection } from '../descriptions/options.description';
import { readTimeBudget, timeoutOption, type TimeoutOptions } from '../descriptions/timeout.description';

const properties: INodeProperties[] = [
	optionsCollection([
		{
			displayName: 'Subscribed Only',
			name: 'subscribedOnly',
			type: 'boolean',
			default: false,
			description: 'Whether to list only the folders the mailbox is subscribed to (those mail clients show)',
		},
		timeoutOption,
		{
			displayName: 'With Status',
			name: 'withStatus',
			type: 'boolean',
			default: true,
			description:
				"Whether to add each folder's counts: messages, unseen, uid_next " +
				'and size (size where the server has STATUS=SIZE)',
		},
	]),
];

export const description = updateDisplayOptions({ show: { operation: ['listFolders'] } }, properties);

type ListOptions = TimeoutOptions & { withStatus?: boolean; subscribedOnly?: boolean };

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	account: MailAccount,
): Promise<INodeExecutionData[]> {
	const options = this.getNodeParameter('options', itemIndex, {}) as ListOptions;
	const folders = await listFolderDetails(account, {
		withStatus: options.withStatus ?? true,
		subscribedOnly: options.subscribedOnly ?? false,
		budget: readTimeBudget(options),
	});
	return folders.map((folder) => ({ json: { ...folder }, pairedItem: { item: itemIndex } }));
}
