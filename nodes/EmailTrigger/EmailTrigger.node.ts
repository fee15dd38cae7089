import {
	NodeConnectionTypes,
	type IBinaryKeyData,
	type IDataObject,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
	type IPollFunctions,
} from 'n8n-workflow';

import { DEFAULT_MAX_ATTACHMENTS, DEFAULT_MAX_MESSAGE_SIZE_MB, extractionRuleList, pollMailbox, prepareTrigger, type FolderCursors, type PolledMail, type TriggerSettings } from '../mail';
import { emailConnectionTest, getMailAccount, mailboxCredentials, type Authentication } from '../shared/credentials';
import { toNodeError } from '../shared/errors';
import { triggerProperties } from './description';
import { readAnalyzeOptions, type AnalyzeOptionValues } from '../Email/descriptions/analyze.description';

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
		properties: triggerProperties,
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
		analyze: get('analyze', false),
		analyzeOptions: readAnalyzeOptions(get<AnalyzeOptionValues>('analyzeOptions', {})),
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
