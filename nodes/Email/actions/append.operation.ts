import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { appendMessage, composeMessage, MailError, type MailAccount } from '../../mail';
import { updateDisplayOptions } from '../../shared/displayOptions';
import { folderProperty, readFolder } from '../descriptions/folder.description';
import { messageFields, messageOptions } from '../descriptions/message.description';
import { optionsCollection } from '../descriptions/options.description';
import { readTimeBudget, timeoutOption, type TimeoutOptions } from '../descriptions/timeout.description';
import { readOutgoingMail } from './outgoingMail';

const composing = { show: { source: ['compose'] } };
// Inside the options collection, `/source` names the operation's parameter, not an option.
const composingOption = { show: { '/source': ['compose'] } };

const properties: INodeProperties[] = [
	{
		...folderProperty,
		description:
			'Folder the mail is put into (case-sensitive), created when ' +
			'missing. Drafts with the \\Draft flag saves a draft.',
	},
	{
		displayName: 'Source',
		name: 'source',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Compose',
				value: 'compose',
				description: 'Build the mail from the fields below, as Send Email would, without sending it',
			},
			{
				name: 'Binary File (.eml)',
				value: 'binary',
				description: 'Put an .eml file from the input item into the folder byte for byte',
			},
		],
		default: 'compose',
	},
	{
		displayName: 'Input Binary Field',
		name: 'binaryPropertyName',
		type: 'string',
		default: 'data',
		required: true,
		description: 'Name of the binary property holding the .eml file',
		displayOptions: { show: { source: ['binary'] } },
	},
	...messageFields.map((field) => ({ ...field, displayOptions: composing })),
	optionsCollection(
		(
			[
				{
					displayName: 'Date',
					name: 'date',
					type: 'dateTime',
					default: '',
					description:
						'Arrival date the server keeps for the mail (and, when ' + 'composing, its Date header); now when empty',
				},
				{
					displayName: 'Flags',
					name: 'flags',
					type: 'string',
					default: '',
					placeholder: '\\Seen, \\Draft',
					description: 'Comma-separated flags the mail gets: \\Seen, ' + '\\Flagged, \\Draft, \\Answered, or keywords',
				},
				...messageOptions.map((option) => ({ ...option, displayOptions: composingOption })),
				timeoutOption,
			] as INodeProperties[]
		).sort((a, b) => a.displayName.localeCompare(b.displayName)),
	),
];

export const description = updateDisplayOptions({ show: { operation: ['append'] } }, properties);

async function messageBytes(
	context: IExecuteFunctions,
	itemIndex: number,
	account: MailAccount,
	date: string | undefined,
): Promise<Buffer> {
	if (context.getNodeParameter('source', itemIndex, 'compose') !== 'binary')
		return composeMessage(account, await readOutgoingMail(context, itemIndex), date);
	const name = String(context.getNodeParameter('binaryPropertyName', itemIndex, 'data') ?? '').trim() || 'data';
	if (!context.getInputData()[itemIndex].binary?.[name]) {
		throw new MailError(
			'INVALID_INPUT',
			`The input item has no binary property "${name}": set Input ` +
				`Binary Field to the property holding the .eml file.`,
		);
	}
	return context.helpers.getBinaryDataBuffer(itemIndex, name);
}

type AppendOptions = TimeoutOptions & { flags?: string; date?: string };

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	account: MailAccount,
): Promise<INodeExecutionData[]> {
	const options = this.getNodeParameter('options', itemIndex, {}) as AppendOptions;
	const date = options.date || undefined;
	const result = await appendMessage(account, {
		folder: readFolder(this, itemIndex),
		message: await messageBytes(this, itemIndex, account, date),
		flags: options.flags,
		date,
		budget: readTimeBudget(options),
	});
	return [{ json: { ...result }, pairedItem: { item: itemIndex } }];
}
