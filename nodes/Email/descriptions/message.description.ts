import type { INodeProperties } from 'n8n-workflow';

/** The fields of an outgoing mail, shared by Send Email and Send Email and Wait. */
export const messageFields: INodeProperties[] = [
	{
		displayName: 'Recipients',
		name: 'recipients',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'analyst@example.com, lead@example.com',
		description: 'Comma-separated email addresses',
		hint:
			"Separate several addresses with commas; drag a field from the input to address each item's own " + 'recipient',
	},
	{
		displayName: 'Subject',
		name: 'subject',
		type: 'string',
		default: '',
		required: true,
	},
	{
		displayName: 'Content',
		name: 'content',
		type: 'string',
		typeOptions: { rows: 5 },
		default: '',
		required: true,
		description:
			'Body of the mail: HTML by default (a plain-text alternative is added), or text when Content ' + 'Type is Text',
		hint: 'HTML by default: switch to plain text under Options → Content Type',
	},
	{
		displayName: 'CC',
		name: 'cc',
		type: 'string',
		default: '',
		description: 'Comma-separated email addresses',
	},
	{
		displayName: 'BCC',
		name: 'bcc',
		type: 'string',
		default: '',
		description: 'Comma-separated email addresses; they receive the mail but appear in no header',
	},
];

/** Entries of the `options` collection that shape an outgoing mail. */
export const messageOptions: INodeProperties[] = [
	{
		displayName: 'Attachments',
		name: 'attachments',
		type: 'string',
		default: '',
		placeholder: 'data, report',
		description: "Comma-separated names of the input item's binary properties to attach",
	},
	{
		displayName: 'Content Type',
		name: 'contentType',
		type: 'options',
		options: [
			{ name: 'HTML', value: 'html' },
			{ name: 'Text', value: 'text' },
		],
		default: 'html',
	},
	{
		displayName: 'From Name',
		name: 'fromName',
		type: 'string',
		default: '',
		description: "Display name shown with the credential's address",
	},
	{
		displayName: 'Headers',
		name: 'headers',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		default: {},
		placeholder: 'Add Header',
		options: [
			{
				name: 'header',
				displayName: 'Header',
				values: [
					{ displayName: 'Name', name: 'name', type: 'string', default: '', placeholder: 'X-Case-ID' },
					{ displayName: 'Value', name: 'value', type: 'string', default: '' },
				],
			},
		],
	},
	{
		displayName: 'In Reply To',
		name: 'inReplyTo',
		type: 'string',
		default: '',
		placeholder: '<original@example.com>',
		description: 'Message-ID to answer: sets In-Reply-To and References so mail clients thread it',
	},
	{
		displayName: 'Reply To',
		name: 'replyTo',
		type: 'string',
		default: '',
		description: 'Address replies should go to, when not the sender',
	},
];

/** One of the fields or options above by name, for operations that offer only some of them (Reply, Forward). */
export function messageProperty(name: string, overrides: Partial<INodeProperties> = {}): INodeProperties {
	const found = [...messageFields, ...messageOptions].find((property) => property.name === name);
	if (!found) throw new Error(`No message property "${name}"`);
	return { ...found, ...overrides } as INodeProperties;
}
