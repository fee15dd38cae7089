import type { AnalyzeOptions } from './analysis';
import { MailError } from './errors';
import { compileEnvironmentRule, compileExtractionRules, compileForwardedRules, type ExtractionRule } from './rules';
import { compileMailFilters, type MailFilterSettings } from './triggerFilters';

/** The trigger's parameters, as the node read them (named as in nodes/shared/trigger.description.ts). */
export interface TriggerSettings extends MailFilterSettings {
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
	/** Emitted mail is moved here after the cycle (created when missing); empty: it stays. */
	moveToFolder?: string;
	/** Adds `analysis` (what Analyze Email returns) to each item, with these options. */
	analyze?: boolean;
	analyzeOptions?: AnalyzeOptions;
}

export const DEFAULT_MAX_MESSAGE_SIZE_MB = 25;
export const DEFAULT_MAX_ATTACHMENTS = 100;

/** Settings checked and compiled once, before any connection is made. */
export type PreparedTrigger = ReturnType<typeof prepareTrigger>;

function whole(value: number, name: string, min: number): number {
	const number = Number(value);
	if (!Number.isFinite(number) || number < min)
		throw new MailError('INVALID_INPUT', `${name} must be a number of at least ${min}.`);
	return Math.floor(number);
}

/** Checks every parameter and compiles every regex: a mistake is an error at the first poll, naming the parameter. */
export function prepareTrigger(settings: TriggerSettings) {
	const folders = [
		...new Set(
			settings.folders
				.split(',')
				.map((folder) => folder.trim())
				.filter(Boolean),
		),
	];
	if (folders.length === 0)
		throw new MailError('INVALID_INPUT', 'Folders is empty: give at least one folder, e.g. INBOX.');
	const timeZone = settings.serverTimeZone.trim() || 'UTC';
	// Fails here, once, for a zone name the runtime does not know.
	sinceDate(new Date(), 0, timeZone);
	const moveToFolder = settings.moveToFolder?.trim() ?? '';
	// INBOX is one folder in any case (RFC 3501); other names are case-sensitive.
	const sameFolder = (a: string, b: string) => a === b || (a.toUpperCase() === 'INBOX' && b.toUpperCase() === 'INBOX');
	if (moveToFolder && folders.some((folder) => sameFolder(folder, moveToFolder))) {
		throw new MailError(
			'INVALID_INPUT',
			`Move to Folder "${moveToFolder}" is also one of the Folders the trigger reads: ` +
				`its mail would be emitted again. Pick another folder.`,
		);
	}
	return {
		folders,
		unreadOnly: settings.unreadOnly,
		markAsRead: settings.markAsRead,
		attachOriginalEml: settings.attachOriginalEml,
		offsetDays: whole(settings.offsetDays, 'Offset Days', 0),
		maxEmailsPerCycle: whole(settings.maxEmailsPerCycle, 'Max Emails Per Cycle', 1),
		timeZone,
		timeoutMs: whole(settings.scriptTimeoutSeconds, 'Script Timeout Seconds', 1) * 1000,
		maxMessageBytes:
			whole(settings.maxMessageSizeMb ?? DEFAULT_MAX_MESSAGE_SIZE_MB, 'Max Message Size MB', 1) * 1024 * 1024,
		maxAttachments: whole(settings.maxAttachments ?? DEFAULT_MAX_ATTACHMENTS, 'Max Attachments', 0),
		rules: compileExtractionRules(settings.extractionRules),
		forwarded: compileForwardedRules(settings.forwardedEmailRegexes),
		environment: compileEnvironmentRule(
			settings.environmentRegex,
			settings.environmentField,
			settings.defaultEnvironment,
		),
		productFieldName: settings.productFieldName.trim() || 'device_product',
		eventFieldName: settings.eventFieldName.trim() || 'event_name',
		moveToFolder,
		filters: compileMailFilters(settings),
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
		parts = new Intl.DateTimeFormat('en-CA', {
			timeZone,
			year: 'numeric',
			month: '2-digit',
			day: '2-digit',
		}).formatToParts(now);
	} catch {
		throw new MailError(
			'INVALID_INPUT',
			`Server Time Zone "${timeZone}" is not an IANA time zone: write e.g. UTC, Europe/Berlin ` +
				`or America/New_York.`,
		);
	}
	const part = (type: string) => Number(parts.find((entry) => entry.type === type)?.value);
	return new Date(Date.UTC(part('year'), part('month') - 1, part('day') - offsetDays));
}
