import type { IBinaryKeyData, IDataObject, INodeExecutionData, IPollFunctions, ITriggerFunctions } from 'n8n-workflow';

import { readAnalyzeOptions, type AnalyzeOptionValues } from './analyze.description';
import {
	DEFAULT_MAX_ATTACHMENTS,
	DEFAULT_MAX_MESSAGE_SIZE_MB,
	extractionRuleList,
	type PolledMail,
	type TriggerSettings,
} from '../mail';

/** Both Mailbox Triggers: the poll trigger's poll() and the instant trigger's trigger(). */
export type TriggerContext = IPollFunctions | ITriggerFunctions;

/** The trigger parameters as the mail module takes them; shared by both triggers. */
export function readSettings(context: TriggerContext): TriggerSettings {
	const get = <T>(name: string, fallback: T) => (context as IPollFunctions).getNodeParameter(name, fallback) as T;
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
		moveToFolder: get('moveToFolder', ''),
		excludeSubjectRegex: get('excludeSubjectRegex', ''),
		excludeBodyRegex: get('excludeBodyRegex', ''),
		permittedSenders: get('permittedSenders', ''),
		headersToExtract: get('headersToExtract', ''),
		analyze: get('analyze', false),
		analyzeOptions: readAnalyzeOptions(get<AnalyzeOptionValues>('analyzeOptions', {})),
	};
}

/** The mail's attachments (and original source) as n8n binary data: in files in n8n's filesystem mode. */
export async function storeBinaries(context: TriggerContext, mail: PolledMail): Promise<IBinaryKeyData> {
	const binary: IBinaryKeyData = {};
	for (const [index, attachment] of mail.attachments.entries()) {
		binary[`attachment_${index}`] = await context.helpers.prepareBinaryData(
			attachment.content,
			attachment.filename,
			attachment.contentType,
		);
	}
	if (mail.source) {
		const name = `${String(mail.json.message_id || mail.json.email_uid).replace(/[<>/\\]/g, '')}.eml`;
		binary.original_eml = await context.helpers.prepareBinaryData(mail.source, name, 'message/rfc822');
	}
	return binary;
}

/**
 * One emitted mail -> one n8n item: json, one binary per attachment, and original_eml when asked. A
 * cycle run with `storeBinaries` has stored them already, mail by mail (mail.binaries).
 */
export async function toItem(context: TriggerContext, mail: PolledMail): Promise<INodeExecutionData> {
	const binary = (mail.binaries as IBinaryKeyData | undefined) ?? (await storeBinaries(context, mail));
	return { json: mail.json as IDataObject, ...(Object.keys(binary).length ? { binary } : {}) };
}
