/** A verdict as RFC 8601 names it; `unknown` when nothing trusted said anything. */
export type AuthVerdict = 'pass' | 'fail' | 'softfail' | 'neutral' | 'none' | 'temperror' | 'permerror' | 'unknown';

export interface Authentication {
	spf: AuthVerdict;
	dkim: AuthVerdict;
	dmarc: AuthVerdict;
	arc: AuthVerdict;
	/** `header`: read from a trusted Authentication-Results header; `verified`: checked here; `none`: neither. */
	source: 'header' | 'verified' | 'none';
	authserv_id?: string;
	/** Authentication-Results headers that were not trusted (another authserv-id, or below one). */
	ignored_headers: number;
	/** Why `verified` could not be done, when it was asked for. */
	error?: string;
}

export interface AuthResultsHeader {
	authservId: string;
	/** method (spf, dkim, dmarc, arc, ...) -> its results in the header, in order. */
	results: Array<{ method: string; result: string; properties: Record<string, string> }>;
}

const METHODS = ['spf', 'dkim', 'dmarc', 'arc'] as const;
const VERDICTS = new Set<string>(['pass', 'fail', 'softfail', 'neutral', 'none', 'temperror', 'permerror']);

/** RFC 8601 values: comments in parentheses (nested, escaped) go, quoted strings stay whole. */
function withoutComments(value: string): string {
	let out = '';
	let depth = 0;
	let quoted = false;
	for (let index = 0; index < value.length; index++) {
		const char = value[index];
		if (char === '\\') {
			if (depth === 0) out += value.slice(index, index + 2);
			index++;
		} else if (quoted) {
			out += char;
			if (char === '"') quoted = false;
		} else if (char === '(') depth++;
		else if (char === ')' && depth > 0) depth--;
		else if (depth === 0) {
			out += char;
			if (char === '"') quoted = true;
		}
	}
	return out;
}

function splitOutsideQuotes(value: string, separator: string): string[] {
	const parts: string[] = [];
	let current = '';
	let quoted = false;
	for (const char of value) {
		if (char === '"') quoted = !quoted;
		if (char === separator && !quoted) {
			parts.push(current);
			current = '';
		} else current += char;
	}
	parts.push(current);
	return parts;
}

/** One Authentication-Results header value -> its authserv-id and method results; undefined if unreadable. */
export function parseAuthResults(value: string): AuthResultsHeader | undefined {
	const [head, ...rest] = splitOutsideQuotes(withoutComments(value.replace(/\r?\n[ \t]*/g, ' ')), ';');
	const first = head.trim().split(/\s+/)[0]?.toLowerCase();
	if (!first) return undefined;
	// Microsoft 365 writes no authserv-id: its header starts with the first result (authservId '').
	const anonymous = first.includes('=');
	const authservId = anonymous ? '' : first;
	const resinfos = anonymous ? [head, ...rest] : rest;
	const results: AuthResultsHeader['results'] = [];
	for (const resinfo of resinfos) {
		const match = /^\s*([a-z0-9_-]+)(?:\/\d+)?\s*=\s*([a-z]+)/i.exec(resinfo);
		if (!match) continue;
		const properties: Record<string, string> = {};
		for (const property of resinfo
			.slice(match[0].length)
			.matchAll(/([a-z0-9_-]+(?:\.[a-z0-9_-]+)?)\s*=\s*("[^"]*"|[^\s";]+)/gi)) {
			properties[property[1].toLowerCase()] = property[2].replace(/^"|"$/g, '');
		}
		results.push({ method: match[1].toLowerCase(), result: match[2].toLowerCase(), properties });
	}
	return { authservId, results };
}

/** Several results of one method (one per DKIM signature): a pass wins, else the first. */
function combine(results: string[]): AuthVerdict {
	if (results.length === 0) return 'unknown';
	if (results.includes('pass')) return 'pass';
	const first = results[0] === 'hardfail' ? 'fail' : results[0];
	return VERDICTS.has(first) ? (first as AuthVerdict) : 'unknown';
}

/**
 * The verdicts of a message's Authentication-Results headers, read from its headers in order (top
 * first, lower-case names). Trusted are only headers whose authserv-id is in `trusted`, and only
 * those above the first header from anyone else: receiving servers add theirs at the top, and
 * anything below may have come with the mail itself (a sender writing "dkim=pass" under the
 * receiver's own authserv-id is the classic trick). So the trusted block also ends at the first
 * Received header below a trusted result: that hop's headers were written before the trusted
 * server saw the mail. Of the trusted headers, the topmost result of each method counts.
 * A header without an authserv-id (Microsoft 365's) is known by the server that received the mail
 * there, the `by` host of the Received header below it, and trusted when that host is a trusted
 * id or under one (`protection.outlook.com`).
 */
export function readAuthentication(headers: Array<{ key: string; value: string }>, trusted: string[]): Authentication {
	const trustedIds = new Set(trusted.map((id) => id.trim().toLowerCase()).filter(Boolean));
	const trustedHost = (host: string) => [...trustedIds].some((id) => host === id || host.endsWith(`.${id}`));
	const receivedBelow = receivedByBelow(headers);
	const accepted: AuthResultsHeader[] = [];
	let ignored = 0;
	let closed = false;
	for (const [index, { key, value }] of headers.entries()) {
		if (key === 'received') {
			closed ||= accepted.length > 0;
			continue;
		}
		if (key !== 'authentication-results') continue;
		const parsed = parseAuthResults(value);
		// A header without authserv-id is known by the host that received the mail there.
		const header = parsed && (parsed.authservId ? parsed : { ...parsed, authservId: receivedBelow[index] });
		const isTrusted =
			header !== undefined && (parsed?.authservId ? trustedIds.has(header.authservId) : trustedHost(header.authservId));
		if (!closed && header && isTrusted) accepted.push(header);
		else {
			closed = true;
			ignored++;
		}
	}
	const authentication: Authentication = {
		spf: 'unknown',
		dkim: 'unknown',
		dmarc: 'unknown',
		arc: 'unknown',
		source: accepted.length ? 'header' : 'none',
		ignored_headers: ignored,
	};
	if (accepted.length) authentication.authserv_id = accepted[0].authservId;
	for (const method of METHODS) {
		const header = accepted.find((candidate) => candidate.results.some((result) => result.method === method));
		if (header)
			authentication[method] = combine(
				header.results.filter((result) => result.method === method).map((result) => result.result),
			);
	}
	return authentication;
}

/** For each header, the `by` host of the first Received header below it ('' when none): one pass, bottom up. */
function receivedByBelow(headers: Array<{ key: string; value: string }>): string[] {
	const below: string[] = new Array(headers.length);
	let host = '';
	for (let index = headers.length - 1; index >= 0; index--) {
		below[index] = host;
		if (headers[index].key === 'received')
			host = /\bby\s+([a-z0-9.-]+)/i.exec(headers[index].value)?.[1].toLowerCase() ?? '';
	}
	return below;
}
