import type { RE2JS } from 're2js';

import { isValidAddress, normalizeAddress } from './addresses';
import { MailError } from './errors';
import { compileUserRegex } from './rules';

/*
 * Which mail a trigger cycle emits (the trigger's Filters), decided from the parsed mail before any item
 * is built. A mail left out is not emitted, not flagged and not moved: it stays exactly as it was,
 * and the cursor passes it. The regexes run on re2js like the extraction rules (linear time on
 * attacker-controlled mail). The sender check reads the From header, which the sender writes: it
 * sorts mail, it does not authenticate anyone.
 */

export interface MailFilterSettings {
	excludeSubjectRegex?: string;
	excludeBodyRegex?: string;
	/** Comma list of addresses and `@domain`s. */
	permittedSenders?: string;
	/** Comma list of header names, output as `extra_headers`. */
	headersToExtract?: string;
}

export interface MailFilters {
	excludeSubject?: RE2JS;
	excludeBody?: RE2JS;
	permitted?: { addresses: Set<string>; domains: Set<string> };
	/** Header names as the user wrote them (one spelling per name); empty: no `extra_headers` field. */
	headers: string[];
}

function commaList(value: string | undefined): string[] {
	return (value ?? '')
		.split(',')
		.map((entry) => entry.trim())
		.filter(Boolean);
}

function permittedSenders(value: string | undefined): MailFilters['permitted'] {
	const entries = commaList(value).map(normalizeAddress);
	if (entries.length === 0) return undefined;
	const permitted = { addresses: new Set<string>(), domains: new Set<string>() };
	for (const entry of entries) {
		if (/^@[^\s@]+\.[^\s@]+$/.test(entry)) permitted.domains.add(entry.slice(1));
		else if (isValidAddress(entry)) permitted.addresses.add(entry);
		else
			throw new MailError(
				'INVALID_INPUT',
				`Permitted Senders: "${entry}" is neither an email address nor an @domain (e.g. ` +
					`soc@example.com, @example.com).`,
			);
	}
	return permitted;
}

function headerNames(value: string | undefined): string[] {
	const names = commaList(value);
	for (const name of names) {
		if (!/^[!-9;-~]+$/.test(name))
			throw new MailError(
				'INVALID_INPUT',
				`Headers To Extract: "${name}" is not a header name (letters, digits and dashes, ` +
					`no colon), e.g. X-Mailer, Received.`,
			);
	}
	// Header names are case-insensitive: the first spelling of a name is the one the item shows.
	const byKey = new Map<string, string>();
	for (const name of names) if (!byKey.has(name.toLowerCase())) byKey.set(name.toLowerCase(), name);
	return [...byKey.values()];
}

/** Checks and compiles the filters once per cycle; a mistake names the parameter. */
export function compileMailFilters(settings: MailFilterSettings): MailFilters {
	const regex = (value: string | undefined, what: string) => (value ? compileUserRegex(value, what) : undefined);
	return {
		excludeSubject: regex(settings.excludeSubjectRegex, 'Exclude Subject Regex'),
		excludeBody: regex(settings.excludeBodyRegex, 'Exclude Body Regex'),
		permitted: permittedSenders(settings.permittedSenders),
		headers: headerNames(settings.headersToExtract),
	};
}

/** Whether a mail is emitted: from a permitted sender (when a list is set) and matching no exclusion anywhere. */
export function admitsMail(filters: MailFilters, mail: { subject: string; body: string; from: string }): boolean {
	if (filters.permitted) {
		const from = normalizeAddress(mail.from);
		const domain = from.slice(from.lastIndexOf('@') + 1);
		if (!filters.permitted.addresses.has(from) && !(from.includes('@') && filters.permitted.domains.has(domain)))
			return false;
	}
	if (filters.excludeSubject?.matcher(mail.subject).find()) return false;
	if (filters.excludeBody?.matcher(mail.body).find()) return false;
	return true;
}
