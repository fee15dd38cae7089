import type { INodeProperties } from 'n8n-workflow';

import { DEFAULT_FORWARDED_REGEXES, DEFAULT_MAX_ATTACHMENTS, DEFAULT_MAX_MESSAGE_SIZE_MB } from '../mail';
import { authenticationProperty } from './credentials';
import { analyzeOptions } from './analyze.description';

/** The parameters of both triggers (Mailbox Trigger and its Instant variant), common ones first. */
export const triggerProperties: INodeProperties[] = [
	authenticationProperty,
	{
		displayName: 'Folders',
		name: 'folders',
		type: 'string',
		default: 'INBOX',
		description: 'Comma-separated folder names (case-sensitive); each folder keeps its own place',
	},
	{
		displayName: 'Unread Only',
		name: 'unreadOnly',
		type: 'boolean',
		default: true,
		description: 'Whether to take only mail without the \\Seen flag',
	},
	{
		displayName: 'Mark as Read',
		name: 'markAsRead',
		type: 'boolean',
		default: true,
		description: 'Whether to set \\Seen on each emitted mail, after its item is built',
	},
	{
		displayName: 'Attach Original EML',
		name: 'attachOriginalEml',
		type: 'boolean',
		default: false,
		description: "Whether to add the server's original bytes as binary property original_eml",
	},
	{
		displayName: 'Offset Days',
		name: 'offsetDays',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 5,
		description: 'Never look at mail that arrived more than this many days ago (0 = today only)',
	},
	{
		displayName: 'Max Emails Per Cycle',
		name: 'maxEmailsPerCycle',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 10,
		description: 'Per folder and poll, oldest first; the rest waits for the next poll',
	},
	{
		displayName: 'Server Time Zone',
		name: 'serverTimeZone',
		type: 'string',
		default: 'UTC',
		description: 'IANA time zone of the mail server (e.g. Europe/Berlin), for the day boundaries of the offset window',
	},
	{
		displayName: 'Extraction Rules',
		name: 'extractionRules',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		default: {},
		placeholder: 'Add Rule',
		description: 'Regexes (RE2 syntax) run over the text body; matches land in regex and regex_&lt;name&gt;',
		options: [
			{
				displayName: 'Rule',
				name: 'rules',
				values: [
					{
						displayName: 'Name',
						name: 'name',
						type: 'string',
						default: '',
						description: 'Key of the matches in the item',
					},
					{
						displayName: 'Regex',
						name: 'regex',
						type: 'string',
						default: '',
						placeholder: '\\b\\d{1,3}(?:\\.\\d{1,3}){3}\\b',
						description: 'First group if the pattern has one, else the whole match',
					},
				],
			},
		],
	},
	{
		displayName: 'Forwarded Email Regexes',
		name: 'forwardedEmailRegexes',
		type: 'json',
		default: JSON.stringify(DEFAULT_FORWARDED_REGEXES, null, 2),
		description:
			'JSON {"subject", "from", "to"} with the regexes (first group) that read the original mail out ' +
			'of a forwarded one',
	},
	{
		displayName: 'Environment Field',
		name: 'environmentField',
		type: 'string',
		default: 'subject',
		description: 'Output field the environment regex reads',
	},
	{
		displayName: 'Environment Regex',
		name: 'environmentRegex',
		type: 'string',
		default: '',
		description: 'First match (or first group) becomes the environment field',
	},
	{
		displayName: 'Default Environment',
		name: 'defaultEnvironment',
		type: 'string',
		default: 'Default Environment',
		description: 'Environment when the regex is empty or finds nothing',
	},
	{
		displayName: 'Product Field Name',
		name: 'productFieldName',
		type: 'string',
		default: 'device_product',
		description: 'Key under which the product "Mail" is written',
	},
	{
		displayName: 'Event Field Name',
		name: 'eventFieldName',
		type: 'string',
		default: 'event_name',
		description: 'Key under which "Monitored Mailbox &lt;address&gt;" is written',
	},
	{
		displayName: 'Script Timeout Seconds',
		name: 'scriptTimeoutSeconds',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 60,
		description: 'Time budget of one poll; mail not reached waits for the next poll',
	},
	{
		displayName: 'Max Message Size MB',
		name: 'maxMessageSizeMb',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: DEFAULT_MAX_MESSAGE_SIZE_MB,
		description:
			'Read and parse at most this much of each mail; a bigger mail is still emitted, from its first ' +
			'part, with truncated.message saying so',
	},
	{
		displayName: 'Max Attachments',
		name: 'maxAttachments',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: DEFAULT_MAX_ATTACHMENTS,
		description: 'Attachments per item at most; the item says how many there were in truncated.attachments',
	},
	{
		displayName: 'Move to Folder',
		name: 'moveToFolder',
		type: 'string',
		default: '',
		placeholder: 'Processed',
		description:
			'Folder each emitted mail is moved to after its item is built (created when missing); empty: ' +
			'mail stays where it is',
	},
	{
		displayName: 'Exclude Subject Regex',
		name: 'excludeSubjectRegex',
		type: 'string',
		default: '',
		placeholder: '(?i)^(out of office|automatic reply)',
		description: 'Mail whose subject matches anywhere (RE2 syntax) is not emitted and left exactly as it was',
	},
	{
		displayName: 'Exclude Body Regex',
		name: 'excludeBodyRegex',
		type: 'string',
		default: '',
		description: 'Mail whose text body matches anywhere (RE2 syntax) is not emitted and left exactly as it was',
	},
	{
		displayName: 'Permitted Senders',
		name: 'permittedSenders',
		type: 'string',
		default: '',
		placeholder: 'reports@example.com, @example.com',
		description:
			'Comma-separated addresses or @domains (From header); mail from anyone else is not emitted and ' +
			'left as it was. Empty: everyone.',
	},
	{
		displayName: 'Headers To Extract',
		name: 'headersToExtract',
		type: 'string',
		default: '',
		placeholder: 'X-Mailer, X-Originating-IP',
		description:
			'Comma-separated header names, output as extra_headers (lower-case names; several values as a ' +
			'list, null when absent)',
	},
	{
		displayName: 'Analyze',
		name: 'analyze',
		type: 'boolean',
		default: false,
		description:
			"Whether to add `analysis` to each item, as the Mailbox node's Analyze Email gives it: the " +
			'reported original unwrapped, its authentication and its indicators',
	},
	{
		displayName: 'Analyze Options',
		name: 'analyzeOptions',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: analyzeOptions,
		displayOptions: { show: { analyze: [true] } },
	},
];
