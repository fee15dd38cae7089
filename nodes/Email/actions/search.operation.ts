import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { searchMessages, type MailAccount } from '../../mail';
import { updateDisplayOptions } from '../../shared/displayOptions';
import { optionsCollection } from '../descriptions/options.description';
import { readText } from '../descriptions/parameters';
import { readTimeBudget, timeoutOption, type TimeoutOptions } from '../descriptions/timeout.description';
import { folderProperty, messageIdProperty, readFolder } from '../descriptions/folder.description';

const properties: INodeProperties[] = [
	folderProperty,
	{
		displayName: 'From',
		name: 'from',
		type: 'string',
		default: '',
		placeholder: 'reporter@example.com',
		description: 'Only mails whose From contains this text',
	},
	{ displayName: 'To', name: 'to', type: 'string', default: '', description: 'Only mails whose To contains this text' },
	{
		displayName: 'Subject',
		name: 'subject',
		type: 'string',
		default: '',
		description: 'Only mails whose subject contains this text',
	},
	{
		displayName: 'Text',
		name: 'text',
		type: 'string',
		default: '',
		description: 'Only mails whose body contains this text',
	},
	{
		displayName: 'Since',
		name: 'since',
		type: 'dateTime',
		default: '',
		description: 'Only mails that arrived at or after this time',
	},
	{
		displayName: 'Before',
		name: 'before',
		type: 'dateTime',
		default: '',
		description: 'Only mails that arrived before this time',
	},
	{
		displayName: 'Unread Only',
		name: 'unreadOnly',
		type: 'boolean',
		default: false,
		description: 'Whether to find only mails not marked as read',
	},
	{ ...messageIdProperty, description: 'Only the mail with this Message-ID header, with or without angle brackets' },
	{
		displayName: 'Limit',
		name: 'limit',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 50,
		description: 'Max number of results to return',
	},
	optionsCollection([
		{
			displayName: 'Gmail Query',
			name: 'gmailQuery',
			type: 'string',
			default: '',
			placeholder: 'has:attachment label:phishing older_than:2d',
			description: "Gmail only: a query in Gmail's own search syntax (X-GM-RAW), combined with the other filters",
		},
		{
			displayName: 'Include Body',
			name: 'includeBody',
			type: 'boolean',
			default: false,
			description: 'Whether to also read each mail: body, html_body and attachment metadata (slower)',
		},
		{
			displayName: 'Keyword',
			name: 'keyword',
			type: 'string',
			default: '',
			placeholder: '$Phishing',
			description: 'Only mails carrying this custom flag (IMAP keyword), as Mark Email sets them',
		},
		{
			displayName: 'Newest First',
			name: 'newestFirst',
			type: 'boolean',
			default: true,
			description: 'Whether the latest arrivals come first (and are the ones kept by Limit)',
		},
		timeoutOption,
	]),
];

export const description = updateDisplayOptions({ show: { operation: ['search'] } }, properties);

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	account: MailAccount,
): Promise<INodeExecutionData[]> {
	const text = (name: string) => readText(this, itemIndex, name);
	const options = this.getNodeParameter('options', itemIndex, {}) as TimeoutOptions & {
		includeBody?: boolean;
		newestFirst?: boolean;
		keyword?: string;
		gmailQuery?: string;
	};
	const found = await searchMessages(account, {
		folder: readFolder(this, itemIndex),
		from: text('from'),
		to: text('to'),
		subject: text('subject'),
		text: text('text'),
		since: text('since'),
		before: text('before'),
		unreadOnly: this.getNodeParameter('unreadOnly', itemIndex, false) as boolean,
		messageId: text('messageId'),
		keyword: options.keyword,
		gmailQuery: options.gmailQuery,
		limit: this.getNodeParameter('limit', itemIndex, 50) as number,
		newestFirst: options.newestFirst ?? true,
		includeBody: options.includeBody ?? false,
		budget: readTimeBudget(options),
	});
	// No match: no items, as n8n's own search operations answer.
	return found.map((summary) => ({ json: { ...summary }, pairedItem: { item: itemIndex } }));
}
