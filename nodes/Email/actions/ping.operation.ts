import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { pingAccount, type MailAccount } from '../../mail';

export const description: INodeProperties[] = [
	{
		displayName:
			'Ping logs in to the IMAP and SMTP servers of the credential and reports each result. A failed ' +
			'login is an answer (is_succeed false), not an error.',
		name: 'pingNotice',
		type: 'notice',
		default: '',
		displayOptions: { show: { operation: ['ping'] } },
	},
];

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	account: MailAccount,
): Promise<INodeExecutionData[]> {
	const result = await pingAccount(account);
	return [{ json: { ...result }, pairedItem: { item: itemIndex } }];
}
