import type { ImapFlow, MailboxObject } from 'imapflow';

import type { MailAccount } from './account';
import { analyzeEmail, type AnalyzeOptions } from './analysis';
import { connectionLost, imapEndpoint, withImap } from './connection';
import { advanceCursor, firstPendingUid, pendingUids, withUnflagged, type FolderCursor, type FolderCursors, type UidOutcome } from './cursor';
import { describeConnectionError, MailError } from './errors';
import { parseMessage, type MessageAttachment, type MessageFields } from './message';
import {
	applyExtractionRules,
	compileEnvironmentRule,
	compileExtractionRules,
	compileForwardedRules,
	extractEnvironment,
	extractForwarded,
	isForwardedSubject,
	type ExtractionRule,
} from './rules';

/** After the cycle's budget, this long (at most) for an answer already under way, then the connection is closed. */
const HARD_STOP_GRACE_MS = 10_000;

/** The trigger's parameters (SPEC section 4), as the node read them. */
export interface TriggerSettings {
	folders: string;
	unreadOnly: boolean;
	markAsRead: boolean;
	attachOriginalEml: boolean;
	offsetDays: number;
	maxEmailsPerCycle: number;
	serverTimeZone: string;
	extractionRules: ExtractionRule[];
	forwardedEmailRegexes: string;
	environmentField: string;
	environmentRegex: string;
	defaultEnvironment: string;
	productFieldName: string;
	eventFieldName: string;
	scriptTimeoutSeconds: number;
	/** Bytes of a message read and parsed at most, in MB; the rest is left on the server (default 25). */
	maxMessageSizeMb?: number;
	/** Attachments per item at most (default 100). */
	maxAttachments?: number;
	/** Adds `analysis` (SPEC section 8) to each item, with these options. */
	analyze?: boolean;
	analyzeOptions?: AnalyzeOptions;
}

export const DEFAULT_MAX_MESSAGE_SIZE_MB = 25;
export const DEFAULT_MAX_ATTACHMENTS = 100;

/** Settings checked and compiled once, before any connection is made. */
export type PreparedTrigger = ReturnType<typeof prepareTrigger>;

function whole(value: number, name: string, min: number): number {
	const number = Number(value);
	if (!Number.isFinite(number) || number < min) throw new MailError('INVALID_INPUT', `${name} must be a number of at least ${min}.`);
	return Math.floor(number);
}

/** Checks every parameter and compiles every regex: a mistake is an error at the first poll, naming the parameter. */
export function prepareTrigger(settings: TriggerSettings) {
	const folders = [...new Set(settings.folders.split(',').map((folder) => folder.trim()).filter(Boolean))];
	if (folders.length === 0) throw new MailError('INVALID_INPUT', 'Folders is empty: give at least one folder, e.g. INBOX.');
	const timeZone = settings.serverTimeZone.trim() || 'UTC';
	// Fails here, once, for a zone name the runtime does not know.
	sinceDate(new Date(), 0, timeZone);
	return {
		folders,
		unreadOnly: settings.unreadOnly,
		markAsRead: settings.markAsRead,
		attachOriginalEml: settings.attachOriginalEml,
		offsetDays: whole(settings.offsetDays, 'Offset Days', 0),
		maxEmailsPerCycle: whole(settings.maxEmailsPerCycle, 'Max Emails Per Cycle', 1),
		timeZone,
		timeoutMs: whole(settings.scriptTimeoutSeconds, 'Script Timeout Seconds', 1) * 1000,
		maxMessageBytes: whole(settings.maxMessageSizeMb ?? DEFAULT_MAX_MESSAGE_SIZE_MB, 'Max Message Size MB', 1) * 1024 * 1024,
		maxAttachments: whole(settings.maxAttachments ?? DEFAULT_MAX_ATTACHMENTS, 'Max Attachments', 0),
		rules: compileExtractionRules(settings.extractionRules),
		forwarded: compileForwardedRules(settings.forwardedEmailRegexes),
		environment: compileEnvironmentRule(settings.environmentRegex, settings.environmentField, settings.defaultEnvironment),
		productFieldName: settings.productFieldName.trim() || 'device_product',
		eventFieldName: settings.eventFieldName.trim() || 'event_name',
		analyze: settings.analyze ? { ...settings.analyzeOptions, maxBytes: Number.MAX_SAFE_INTEGER } : undefined,
	};
}

/**
 * The first day of the window: today in the server's zone, minus `offsetDays`. IMAP SEARCH SINCE
 * compares calendar days of INTERNALDATE (arrival) as the server sees them, so the day is computed
 * in the server's zone; imapflow writes the date from its UTC calendar day.
 */
export function sinceDate(now: Date, offsetDays: number, timeZone: string): Date {
	let parts: Intl.DateTimeFormatPart[];
	try {
		parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(now);
	} catch {
		throw new MailError('INVALID_INPUT', `Server Time Zone "${timeZone}" is not an IANA time zone: write e.g. UTC, Europe/Berlin or America/New_York.`);
	}
	const part = (type: string) => Number(parts.find((entry) => entry.type === type)?.value);
	return new Date(Date.UTC(part('year'), part('month') - 1, part('day') - offsetDays));
}

/** One emitted email: the item json and what becomes binary data. */
export interface PolledMail {
	json: Record<string, unknown>;
	attachments: MessageAttachment[];
	/** The server's exact bytes, when `attachOriginalEml` is set. */
	source?: Buffer;
}

export interface PollResult {
	mails: PolledMail[];
	/** The cursors to store: unchanged for folders that failed or in manual runs. */
	cursors: FolderCursors;
	/** Folders that could not be read this cycle (their mail waits for the next one). */
	failures: MailError[];
}

export interface PollOptions {
	/** A manual "test step": the newest matching message, no flags set, no cursor moved. */
	manual?: boolean;
	now?: Date;
}

/**
 * What the size limits cut from one mail, for the item: the limits protect the n8n process from
 * hostile mail, and a workflow must be able to tell that it did not get everything.
 */
function applyLimits(fields: MessageFields, attachments: MessageAttachment[], source: Buffer, size: number, trigger: PreparedTrigger) {
	const truncated: Record<string, unknown> = {};
	if (size > source.length) truncated.message = { size, readBytes: source.length, maxMessageSizeMb: trigger.maxMessageBytes / 1024 / 1024 };
	if (attachments.length > trigger.maxAttachments) {
		truncated.attachments = { total: attachments.length, kept: trigger.maxAttachments };
		attachments = attachments.slice(0, trigger.maxAttachments);
		fields.attachments = fields.attachments.slice(0, trigger.maxAttachments);
	}
	return { attachments, truncated: Object.keys(truncated).length ? truncated : undefined };
}

async function toAlert(source: Buffer, size: number, origin: Parameters<typeof parseMessage>[1], trigger: PreparedTrigger, account: MailAccount): Promise<PolledMail> {
	const parsed = await parseMessage(source, origin);
	const fields = parsed.fields;
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
	if (trigger.analyze) json.analysis = await analyzeEmail(source, trigger.analyze).then((result) => result.analysis, (error: Error) => ({ error: error.message }));
	return { json, attachments, source: trigger.attachOriginalEml ? source : undefined };
}

interface FolderResult {
	mails: PolledMail[];
	cursor?: FolderCursor;
	/** Why the FETCH stopped early, when it did after some mails were built. */
	failure?: unknown;
}

async function openFolder(client: ImapFlow, folder: string, readOnly: boolean) {
	try {
		return await client.getMailboxLock(folder, { readOnly });
	} catch (error) {
		if (!client.usable) throw error;
		const text = `${(error as { responseText?: string }).responseText ?? ''} ${(error as Error).message}`;
		throw new MailError('NOT_FOUND', `Folder "${folder}" cannot be opened (${text.trim()}): check the Folders parameter (names are case-sensitive, e.g. INBOX, Archive/2024).`, { service: 'IMAP', cause: error });
	}
}

/** Sets \Seen on emitted mail; returns the UIDs it could not be set on (the connection failed). */
async function markSeen(client: ImapFlow, uids: number[]): Promise<number[]> {
	if (uids.length === 0) return [];
	// imapflow answers a failed STORE with false rather than an exception.
	const stored = await client.messageFlagsAdd(uids.join(','), ['\\Seen'], { uid: true }).catch(() => false);
	return stored ? [] : uids;
}

/**
 * One folder's share of a cycle: one SEARCH, one FETCH of the oldest pending messages (parsed as
 * they stream in), \Seen on what was built, and the cursor moved past exactly that.
 */
async function pollFolder(client: ImapFlow, folder: string, cursor: FolderCursor | undefined, trigger: PreparedTrigger, account: MailAccount, options: { manual: boolean; since: Date; deadline: number }): Promise<FolderResult> {
	const lock = await openFolder(client, folder, options.manual || !trigger.markAsRead);
	try {
		const mailbox = client.mailbox as MailboxObject;
		const uidValidity = String(mailbox.uidValidity);
		// A manual run shows the newest match whatever the cursor says: it is a preview.
		const fromUid = options.manual ? 1 : firstPendingUid(cursor, uidValidity);
		const flagging = trigger.markAsRead && !options.manual;
		// \Seen that a lost connection kept from the server last cycle (UIDs are void under a new UIDVALIDITY).
		const unflagged = flagging && cursor?.uidValidity === uidValidity ? await markSeen(client, cursor.unflagged ?? []) : [];
		if (mailbox.exists === 0) return { mails: [], cursor: withUnflagged(advanceCursor(cursor, uidValidity, [], () => 'gone'), unflagged) };

		const found = await client.search({ uid: `${fromUid}:*`, since: options.since, ...(trigger.unreadOnly ? { seen: false } : {}) }, { uid: true });
		const matching = pendingUids(found || [], fromUid, Number.MAX_SAFE_INTEGER);
		const pending = options.manual ? matching.slice(-1) : matching.slice(0, trigger.maxEmailsPerCycle);
		if (pending.length === 0) return { mails: [], cursor: withUnflagged(advanceCursor(cursor, uidValidity, [], () => 'gone'), unflagged) };

		const built = new Map<number, PolledMail>();
		const returned = new Set<number>();
		let fetchError: unknown;
		try {
			for await (const message of client.fetch(pending.join(','), { uid: true, flags: true, internalDate: true, size: true, source: { maxLength: trigger.maxMessageBytes } }, { uid: true })) {
				returned.add(message.uid);
				// Past the budget the rest of the answer is only drained; those messages come next cycle.
				if (Date.now() >= options.deadline || !message.source) continue;
				const internalDate = message.internalDate ? new Date(message.internalDate) : undefined;
				built.set(message.uid, await toAlert(message.source, message.size ?? message.source.length, { uid: message.uid, uidValidity, folder, flags: [...(message.flags ?? [])], internalDate }, trigger, account));
			}
		} catch (error) {
			// Cut off in the middle (a dropped or hung connection): the mails built so far are emitted,
			// so that a server which fails every time still lets the folder move forward.
			if (built.size === 0) throw error;
			fetchError = error;
		}

		// Not returned by a completed FETCH: expunged since the SEARCH; UIDs are never reused.
		// After an incomplete FETCH, a mail not returned may simply not have come yet.
		const outcome = (uid: number): UidOutcome => (built.has(uid) ? 'emitted' : returned.has(uid) || fetchError ? 'not-reached' : 'gone');
		const emitted: number[] = [];
		for (const uid of pending) {
			if (outcome(uid) === 'not-reached') break;
			if (built.has(uid)) emitted.push(uid);
		}

		// The items are built: a failed flag must not drop them; it is set again next cycle.
		if (flagging) unflagged.push(...(await markSeen(client, emitted)));
		return {
			mails: emitted.map((uid) => built.get(uid) as PolledMail),
			cursor: options.manual ? cursor : withUnflagged(advanceCursor(cursor, uidValidity, pending, outcome), unflagged),
			failure: fetchError,
		};
	} finally {
		lock.release();
	}
}

/**
 * One cycle of the trigger over every folder. Login failures throw; a folder that fails is
 * reported in `failures` with its cursor unchanged, while the other folders' mail is still returned.
 */
export async function pollMailbox(account: MailAccount, cursors: FolderCursors, trigger: PreparedTrigger, options: PollOptions = {}): Promise<PollResult> {
	const manual = options.manual ?? false;
	const deadline = Date.now() + trigger.timeoutMs;
	const since = sinceDate(options.now ?? new Date(), trigger.offsetDays, trigger.timeZone);
	const result: PollResult = { mails: [], cursors: { ...cursors }, failures: [] };
	// A silent or stalled server must not hold the poll past its budget: no wait on the network is
	// longer than the budget, and the connection is closed once the budget and a grace are spent.
	const bounded: MailAccount = {
		...account,
		connectTimeoutMs: Math.min(account.connectTimeoutMs ?? trigger.timeoutMs, trigger.timeoutMs),
		socketTimeoutMs: Math.min(account.socketTimeoutMs ?? trigger.timeoutMs, trigger.timeoutMs),
	};
	await withImap(bounded, async (client) => {
		const hardStop = setTimeout(() => client.close(), trigger.timeoutMs + Math.min(trigger.timeoutMs, HARD_STOP_GRACE_MS));
		hardStop.unref();
		try {
			await pollFolders(client, cursors, trigger, bounded, { manual, since, deadline }, result);
		} finally {
			clearTimeout(hardStop);
		}
	});
	const arrival = (mail: PolledMail) => Date.parse(String(mail.json.received_date)) || 0;
	if (manual) result.mails = result.mails.sort((a, b) => arrival(b) - arrival(a)).slice(0, 1);
	return result;
}

/** Every folder in turn; a folder that fails is reported and, while the connection lives, the next one is read. */
async function pollFolders(client: ImapFlow, cursors: FolderCursors, trigger: PreparedTrigger, account: MailAccount, options: { manual: boolean; since: Date; deadline: number }, result: PollResult): Promise<void> {
	for (const folder of trigger.folders) {
		if (Date.now() >= options.deadline) break;
		const fail = (error: unknown) => {
			const failure = error instanceof MailError ? error : client.usable ? describeConnectionError(error, imapEndpoint(account)) : connectionLost(error, account);
			result.failures.push(new MailError(failure.code, `Folder "${folder}": ${failure.message}`, { service: 'IMAP', cause: error }));
		};
		try {
			const { mails, cursor, failure } = await pollFolder(client, folder, cursors[folder], trigger, account, options);
			result.mails.push(...mails);
			if (cursor && !options.manual) result.cursors[folder] = cursor;
			if (failure) fail(failure);
		} catch (error) {
			fail(error);
		}
		if (result.failures.length > 0 && !client.usable) break;
	}
}
