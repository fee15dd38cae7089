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
	const [head, ...resinfos] = splitOutsideQuotes(withoutComments(value.replace(/\r?\n[ \t]*/g, ' ')), ';');
	const authservId = head.trim().split(/\s+/)[0]?.toLowerCase();
	if (!authservId) return undefined;
	const results: AuthResultsHeader['results'] = [];
	for (const resinfo of resinfos) {
		const match = /^\s*([a-z0-9_-]+)(?:\/\d+)?\s*=\s*([a-z]+)/i.exec(resinfo);
		if (!match) continue;
		const properties: Record<string, string> = {};
		for (const property of resinfo.slice(match[0].length).matchAll(/([a-z0-9_-]+(?:\.[a-z0-9_-]+)?)\s*=\s*("[^"]*"|[^\s";]+)/gi)) {
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
 */
export function readAuthentication(headers: Array<{ key: string; value: string }>, trusted: string[]): Authentication {
	const trustedIds = new Set(trusted.map((id) => id.trim().toLowerCase()).filter(Boolean));
	const accepted: AuthResultsHeader[] = [];
	let ignored = 0;
	let closed = false;
	for (const { key, value } of headers) {
		if (key === 'received') {
			closed ||= accepted.length > 0;
			continue;
		}
		if (key !== 'authentication-results') continue;
		const header = parseAuthResults(value);
		if (!closed && header && trustedIds.has(header.authservId)) accepted.push(header);
		else {
			closed = true;
			ignored++;
		}
	}
	const authentication: Authentication = { spf: 'unknown', dkim: 'unknown', dmarc: 'unknown', arc: 'unknown', source: accepted.length ? 'header' : 'none', ignored_headers: ignored };
	if (accepted.length) authentication.authserv_id = accepted[0].authservId;
	for (const method of METHODS) {
		const header = accepted.find((candidate) => candidate.results.some((result) => result.method === method));
		if (header) authentication[method] = combine(header.results.filter((result) => result.method === method).map((result) => result.result));
	}
	return authentication;
}
