import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { setMessageFlags, type MailAccount, type MarkAs } from '../../mail';
import { updateDisplayOptions } from '../../shared/displayOptions';
import { optionsCollection } from '../descriptions/options.description';
import { timeoutOption } from '../descriptions/timeout.description';
import { pickedMessageProperties, readMessagePick } from '../descriptions/folder.description';

const properties: INodeProperties[] = [
	...pickedMessageProperties,
	{
		displayName: 'Mark As',
		name: 'markAs',
		type: 'options',
		options: [
			{ name: 'Read', value: 'read' },
			{ name: 'Unread', value: 'unread' },
			{ name: 'Flagged', value: 'flagged' },
			{ name: 'Unflagged', value: 'unflagged' },
		],
		default: 'read',
	},
	optionsCollection([
		{
			displayName: 'Add Keywords',
			name: 'addKeywords',
			type: 'string',
			default: '',
			placeholder: '$Phishing, Triaged',
			description: 'Comma-separated IMAP keywords (tags) to set on the mail',
		},
		{
			displayName: 'Remove Keywords',
			name: 'removeKeywords',
			type: 'string',
			default: '',
			description: 'Comma-separated IMAP keywords (tags) to take off the mail',
		},
		timeoutOption,
	]),
];

export const description = updateDisplayOptions({ show: { operation: ['setFlags'] } }, properties);

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	account: MailAccount,
): Promise<INodeExecutionData[]> {
	const options = this.getNodeParameter('options', itemIndex, {}) as { addKeywords?: string; removeKeywords?: string };
	const result = await setMessageFlags(account, {
		...readMessagePick(this, itemIndex),
		markAs: this.getNodeParameter('markAs', itemIndex, 'read') as MarkAs,
		addKeywords: options.addKeywords,
		removeKeywords: options.removeKeywords,
	});
	return [{ json: { ...result }, pairedItem: { item: itemIndex } }];
}
