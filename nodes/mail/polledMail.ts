import type { MailAccount } from './account';
import { analyzeEmail } from './analysis';
import type { MovedTo } from './changeMail';
import { parseMail, parseMessage, type MessageAttachment, type MessageFields } from './message';
import { applyExtractionRules, extractEnvironment, extractForwarded, isForwardedSubject } from './rules';
import { admitsMail } from './triggerFilters';
import type { PreparedTrigger } from './triggerSettings';

/** One emitted email: the item json and what becomes binary data. */
export interface PolledMail {
	json: Record<string, unknown>;
	attachments: MessageAttachment[];
	/** The server's exact bytes, when `attachOriginalEml` is set. */
	source?: Buffer;
	/** What `storeBinaries` made of the attachments and source, which are then dropped. */
	binaries?: Record<string, unknown>;
}

/**
 * What the size limits cut from one mail, for the item: the limits protect the n8n process from
 * hostile mail, and a workflow must be able to tell that it did not get everything.
 */
function applyLimits(
	fields: MessageFields,
	attachments: MessageAttachment[],
	source: Buffer,
	size: number,
	trigger: PreparedTrigger,
) {
	const truncated: Record<string, unknown> = {};
	if (size > source.length)
		truncated.message = { size, readBytes: source.length, maxMessageSizeMb: trigger.maxMessageBytes / 1024 / 1024 };
	if (attachments.length > trigger.maxAttachments) {
		truncated.attachments = { total: attachments.length, kept: trigger.maxAttachments };
		attachments = attachments.slice(0, trigger.maxAttachments);
		fields.attachments = fields.attachments.slice(0, trigger.maxAttachments);
	}
	return { attachments, truncated: Object.keys(truncated).length ? truncated : undefined };
}

/** The item of one mail, or null when the trigger's filters (triggerFilters.ts) leave it out. */
export async function buildPolledMail(
	source: Buffer,
	size: number,
	origin: Parameters<typeof parseMessage>[1],
	trigger: PreparedTrigger,
	account: MailAccount,
): Promise<PolledMail | null> {
	// One parse serves the item and the analysis.
	const mail = await parseMail(source);
	const parsed = await parseMessage(mail, origin, { extraHeaders: trigger.filters.headers });
	const fields = parsed.fields;
	if (!admitsMail(trigger.filters, fields)) return null;
	const { attachments, truncated } = applyLimits(fields, parsed.attachments, source, size, trigger);
	const extraction = applyExtractionRules(trigger.rules, fields.body);
	const json: Record<string, unknown> = { ...fields, regex: extraction.regex, ...extraction.flat };
	json.environment = extractEnvironment(trigger.environment, json);
	json[trigger.productFieldName] = 'Mail';
	json[trigger.eventFieldName] = `Monitored Mailbox ${account.emailAddress}`;
	if (isForwardedSubject(fields.subject)) {
		json.forwarded = extractForwarded(trigger.forwarded, fields.body);
		json.last_email_sender = fields.from;
		json.last_email_recipient = fields.to.join(', ');
	}
	if (truncated) json.truncated = truncated;
	// The message limits above already bound what is read; a mail the analysis refuses is still emitted.
	if (trigger.analyze)
		json.analysis = await analyzeEmail(mail, trigger.analyze).then(
			(result) => result.analysis,
			(error: Error) => ({ error: error.message }),
		);
	return { json, attachments, source: trigger.attachOriginalEml ? source : undefined };
}

/**
 * Updates an emitted mail's item after the cycle moved it: the destination, its UID and UIDVALIDITY there (null
 * when the server did not say).
 */
export function locateMoved(mail: PolledMail, folder: string, uid: number, moved: MovedTo): void {
	mail.json.folder = folder;
	mail.json.email_uid = moved.uidMap.get(uid) ?? null;
	mail.json.uid_validity = moved.uidValidity ?? null;
}
