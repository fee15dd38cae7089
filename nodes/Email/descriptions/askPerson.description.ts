import type { INodeProperties, IWebhookDescription } from 'n8n-workflow';

/*
 * The parameters of Send Email and Wait's response types and the webhooks that receive the answers;
 * what the node does with them is in actions/askPerson.ts.
 */
export type ResponseType = 'reply' | 'approval' | 'freeText';

const forTypes = (types: ResponseType[]) => ({ show: { '/responseType': types } });

export const responseTypeProperty: INodeProperties = {
	displayName: 'Response Type',
	name: 'responseType',
	type: 'options',
	default: 'reply',
	options: [
		{
			name: 'Reply by Email',
			value: 'reply',
			description: 'Wait for a reply mail and read the answer from its text; the node keeps running while it waits',
		},
		{
			name: 'Approval',
			value: 'approval',
			description:
				'Approve and Reject links in the mail; the execution waits in n8n (survives restarts, holds no worker)',
		},
		{
			name: 'Free Text',
			value: 'freeText',
			description: 'A link to a page with a text box; the execution waits in n8n (survives restarts, holds no worker)',
		},
	],
	description: 'How the recipient answers',
};

/** Entries of the `options` collection for Approval and Free Text. */
export const responseOptions: INodeProperties[] = [
	{
		displayName: 'Approvals Required',
		name: 'approvalsRequired',
		type: 'string',
		default: 'first',
		placeholder: 'first, all or a number',
		description:
			'How many recipients must answer: "first" (the first answer decides), "all", or a number. ' +
			'Every recipient gets links of their own.',
		displayOptions: forTypes(['approval', 'freeText']),
	},
	{
		displayName: 'Reject on Any Reject',
		name: 'rejectOnAnyReject',
		type: 'boolean',
		default: true,
		description:
			'Whether one reject ends the wait rejected when more than one approval is required; ' +
			'when off, it ends rejected only once the approvals can no longer be reached',
		displayOptions: forTypes(['approval']),
	},
	{
		displayName: 'Approval Type',
		name: 'approvalType',
		type: 'options',
		options: [
			{ name: 'Approve Only', value: 'single' },
			{ name: 'Approve and Reject', value: 'double' },
		],
		default: 'double',
		displayOptions: forTypes(['approval']),
	},
	{
		displayName: 'Approve Label',
		name: 'approveLabel',
		type: 'string',
		default: 'Approve',
		displayOptions: forTypes(['approval']),
	},
	{
		displayName: 'Reject Label',
		name: 'rejectLabel',
		type: 'string',
		default: 'Reject',
		description: 'Shown when Approval Type is Approve and Reject',
		displayOptions: forTypes(['approval']),
	},
	{
		displayName: 'Limit Wait Time',
		name: 'limitWaitTime',
		type: 'fixedCollection',
		default: { values: { limitType: 'afterTimeInterval', resumeAmount: 1, resumeUnit: 'days' } },
		description:
			'When to stop waiting: the output then has timed_out true and an empty data, so an IF node can branch on it',
		displayOptions: forTypes(['approval', 'freeText']),
		options: [
			{
				displayName: 'Values',
				name: 'values',
				values: [
					{
						displayName: 'Limit Type',
						name: 'limitType',
						type: 'options',
						options: [
							{ name: 'After Time Interval', value: 'afterTimeInterval' },
							{ name: 'At Specified Time', value: 'atSpecifiedTime' },
						],
						default: 'afterTimeInterval',
					},
					{
						displayName: 'Amount',
						name: 'resumeAmount',
						type: 'number',
						typeOptions: { minValue: 0, numberPrecision: 2 },
						default: 1,
						displayOptions: { show: { limitType: ['afterTimeInterval'] } },
					},
					{
						displayName: 'Unit',
						name: 'resumeUnit',
						type: 'options',
						options: [
							{ name: 'Minutes', value: 'minutes' },
							{ name: 'Hours', value: 'hours' },
							{ name: 'Days', value: 'days' },
						],
						default: 'days',
						displayOptions: { show: { limitType: ['afterTimeInterval'] } },
					},
					{
						displayName: 'Max Date and Time',
						name: 'maxDateAndTime',
						type: 'dateTime',
						default: '',
						displayOptions: { show: { limitType: ['atSpecifiedTime'] } },
					},
				],
			},
		],
	},
];

/**
 * The node's waiting webhooks, as n8n's own send-and-wait nodes declare them: restart webhooks on
 * the node's id, which n8n also uses to offer the node to AI agents as a human-review tool.
 */
export const responseWebhooks: IWebhookDescription[] = (['GET', 'HEAD', 'POST'] as const).map((httpMethod) => ({
	name: 'default',
	httpMethod,
	responseMode: 'onReceived',
	responseData: '',
	path: '={{ $nodeId }}',
	restartWebhook: true,
	isFullPath: true,
}));
