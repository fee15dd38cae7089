import {
	NodeConnectionTypes,
	type IBinaryKeyData,
	type IDataObject,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
	type IPollFunctions,
} from 'n8n-workflow';

import { DEFAULT_FORWARDED_REGEXES, DEFAULT_MAX_ATTACHMENTS, DEFAULT_MAX_MESSAGE_SIZE_MB, extractionRuleList, pollMailbox, prepareTrigger, type FolderCursors, type PolledMail, type TriggerSettings } from '../mail';
import { authenticationProperty, emailConnectionTest, getMailAccount, mailboxCredentials, type Authentication } from '../shared/credentials';
import { toNodeError } from '../shared/errors';

export class EmailTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Mailbox Trigger',
		name: 'emailTrigger',
		icon: { light: 'file:mailboxTrigger.svg', dark: 'file:mailboxTrigger.dark.svg' },
		group: ['trigger'],
		version: 1,
		description: 'Emits one item per incoming email, exactly once (IMAP)',
		subtitle: '={{$parameter["folders"]}}',
		defaults: { name: 'Mailbox Trigger' },
		polling: true,
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: mailboxCredentials,
		properties: [
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
				description: 'Whether to add the server\'s original bytes as binary property original_eml',
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
							{ displayName: 'Name', name: 'name', type: 'string', default: '', description: 'Key of the matches in the item' },
							{ displayName: 'Regex', name: 'regex', type: 'string', default: '', placeholder: '\\b\\d{1,3}(?:\\.\\d{1,3}){3}\\b', description: 'First group if the pattern has one, else the whole match' },
						],
					},
				],
			},
			{
				displayName: 'Forwarded Email Regexes',
				name: 'forwardedEmailRegexes',
				type: 'json',
				default: JSON.stringify(DEFAULT_FORWARDED_REGEXES, null, 2),
				description: 'JSON {"subject", "from", "to"} with the regexes (first group) that read the original mail out of a forwarded one',
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
				description: 'Read and parse at most this much of each mail; a bigger mail is still emitted, from its first part, with truncated.message saying so',
			},
			{
				displayName: 'Max Attachments',
				name: 'maxAttachments',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: DEFAULT_MAX_ATTACHMENTS,
				description: 'Attachments per item at most; the item says how many there were in truncated.attachments',
			},
		],
	};

	methods = {
		credentialTest: { emailConnectionTest },
	};

	async poll(this: IPollFunctions): Promise<INodeExecutionData[][] | null> {
		const node = this.getNode();
		const account = await getMailAccount(this, this.getNodeParameter('authentication', 'password') as Authentication);
		const staticData = this.getWorkflowStaticData('node') as { cursors?: FolderCursors };
		const manual = this.getMode() === 'manual';

		let result;
		try {
			const trigger = prepareTrigger(readSettings(this));
			result = await pollMailbox(account, staticData.cursors ?? {}, trigger, { manual });
		} catch (error) {
			throw toNodeError(node, error, { account });
		}
		// Nothing to emit and a folder failed: n8n must show the failure, not a quiet active trigger.
		if (result.mails.length === 0 && result.failures.length > 0) throw toNodeError(node, result.failures[0], { account });
		for (const failure of result.failures) this.logger.warn(`Mailbox Trigger: ${toNodeError(node, failure, { account }).message}`);

		if (!manual) staticData.cursors = result.cursors;
		if (result.mails.length === 0) return null;
		const items = await Promise.all(result.mails.map(async (mail) => await toItem(this, mail)));
		return [items];
	}
}

function readSettings(context: IPollFunctions): TriggerSettings {
	const get = <T>(name: string, fallback: T) => context.getNodeParameter(name, fallback) as T;
	const rules = get<unknown>('extractionRules', {});
	const forwarded = get<unknown>('forwardedEmailRegexes', '');
	return {
		folders: get('folders', 'INBOX'),
		unreadOnly: get('unreadOnly', true),
		markAsRead: get('markAsRead', true),
		attachOriginalEml: get('attachOriginalEml', false),
		offsetDays: get('offsetDays', 5),
		maxEmailsPerCycle: get('maxEmailsPerCycle', 10),
		serverTimeZone: get('serverTimeZone', 'UTC'),
		extractionRules: extractionRuleList(rules),
		// n8n hands a json parameter over parsed when it is valid JSON.
		forwardedEmailRegexes: typeof forwarded === 'string' ? forwarded : JSON.stringify(forwarded),
		environmentField: get('environmentField', 'subject'),
		environmentRegex: get('environmentRegex', ''),
		defaultEnvironment: get('defaultEnvironment', 'Default Environment'),
		productFieldName: get('productFieldName', 'device_product'),
		eventFieldName: get('eventFieldName', 'event_name'),
		scriptTimeoutSeconds: get('scriptTimeoutSeconds', 60),
		maxMessageSizeMb: get('maxMessageSizeMb', DEFAULT_MAX_MESSAGE_SIZE_MB),
		maxAttachments: get('maxAttachments', DEFAULT_MAX_ATTACHMENTS),
	};
}

async function toItem(context: IPollFunctions, mail: PolledMail): Promise<INodeExecutionData> {
	const binary: IBinaryKeyData = {};
	for (const [index, attachment] of mail.attachments.entries()) {
		binary[`attachment_${index}`] = await context.helpers.prepareBinaryData(attachment.content, attachment.filename, attachment.contentType);
	}
	if (mail.source) {
		const name = `${String(mail.json.message_id || mail.json.email_uid).replace(/[<>/\\]/g, '')}.eml`;
		binary.original_eml = await context.helpers.prepareBinaryData(mail.source, name, 'message/rfc822');
	}
	return { json: mail.json as IDataObject, ...(Object.keys(binary).length ? { binary } : {}) };
}
