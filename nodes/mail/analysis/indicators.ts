import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { domainToASCII, domainToUnicode } from 'node:url';

import { Parser } from 'htmlparser2';
import { parse as parseDomain } from 'tldts';

import { findUrls } from '../message';
import { registrableDomain } from './alignment';
import { memoByHost } from './hostMemo';

/** A link of a message, as Analyze Email lists it. */
export interface UrlIndicator {
	url: string;
	/** The host as DNS writes it (punycode for IDN; the address for an IP host). */
	domain: string;
	/** The host in Unicode, when it is an IDN. */
	domain_unicode?: string;
	registrable_domain: string | null;
	/** The text shown for the link in HTML; empty for a link written in the text. */
	display_text: string;
	/** The shown text names another registrable domain than the link's target. */
	mismatched: boolean;
	/** The link as written, when it was a mail gateway's rewrite of this one (see rewrites.ts). */
	unwrapped_from?: string;
	/** The gateway(s) that rewrote it, outermost first. */
	gateway?: string;
	/** A gateway rewrite that does not carry its target (Mimecast): the gateway's name. */
	opaque_rewrite?: string;
	/** `qr`: decoded from a QR code in the image `filename`. */
	source?: 'qr';
	filename?: string;
}

export interface FileHashes {
	md5: string;
	sha1: string;
	sha256: string;
}

/** Per message, at most this many of each kind; the rest is counted in `truncated`. */
export const MAX_INDICATORS = 1000;
/** Text shown for a link, kept up to this length. */
const MAX_DISPLAY_TEXT = 300;

export function fileHashes(content: Buffer): FileHashes {
	const digest = (algorithm: string) => createHash(algorithm).update(content).digest('hex');
	return { md5: digest('md5'), sha1: digest('sha1'), sha256: digest('sha256') };
}

/**
 * Defanged indicators as analysts write them, made live again: hxxp(s), [.], (.), {.}, [dot],
 * [at], (at), [@], [:]. Literal replacements (indexOf searches) and two short patterns, each only
 * when the text holds what it replaces: linear, and nearly free for mail without defanged text.
 */
const LITERALS: Array<[string, string]> = [
	['[.]', '.'],
	['(.)', '.'],
	['{.}', '.'],
	['[:]', ':'],
	['[@]', '@'],
];
const WORDS = /\[(?:dot|at)\]|\((?:dot|at)\)/i;

export function refang(text: string): string {
	let out = /hxxp/i.test(text) ? text.replace(/\bhxxp(s?)\[:\]/gi, 'http$1:').replace(/\bhxxp/gi, 'http') : text;
	for (const [from, to] of LITERALS) if (out.includes(from)) out = out.replaceAll(from, to);
	if (WORDS.test(out)) out = out.replace(new RegExp(WORDS.source, 'gi'), (word) => (/dot/i.test(word) ? '.' : '@'));
	return out;
}

/** A host written as DNS has it: lower case, punycode; '' when it is not a valid name. */
const asciiHost = memoByHost((host: string): string => domainToASCII(host.replace(/\.$/, '').toLowerCase()));
const unicodeHost = memoByHost(domainToUnicode);

/** The registrable domain a link's text names ("paypal.com", "https://www.paypal.com/x"), if any. */
function shownDomain(text: string): string | null {
	const candidate =
		/(?:[a-z][a-z0-9+.-]*:\/\/)?(?:[^\s/?#<>"'@:]+@)?([^\s/?#<>"'@:()[\]]+\.[^\s/?#<>"'@:()[\],;!]+)/iu.exec(
			refang(text).slice(0, MAX_DISPLAY_TEXT),
		);
	if (!candidate) return null;
	const host = asciiHost(candidate[1].replace(/[.,;:!?]+$/, ''));
	return host ? domainNamedBy(host) : null;
}

/** The registrable domain a host names; only under a suffix the public suffix list knows: "report.pdf" names none. */
const domainNamedBy = memoByHost((host: string): string | null => {
	if (isIP(host)) return host;
	const parsed = parseDomain(host, { allowPrivateDomains: true });
	return parsed.domain && (parsed.isIcann || parsed.isPrivate) ? parsed.domain : null;
});

/** A link -> its indicator, or undefined for anything but a valid http(s)/ftp URL. */
export function urlIndicator(raw: string, displayText = ''): UrlIndicator | undefined {
	let parsed: URL;
	try {
		parsed = new URL(refang(raw.trim()));
	} catch {
		return undefined;
	}
	if (!['http:', 'https:', 'ftp:'].includes(parsed.protocol) || !parsed.hostname) return undefined;
	// WHATWG URL already writes IDN hosts in punycode and IPv6 hosts in brackets.
	const host = parsed.hostname.replace(/^\[|\]$/g, '');
	const ip = isIP(host) !== 0;
	const registrable = ip ? null : registrableDomain(host);
	const shown = displayText.trim().slice(0, MAX_DISPLAY_TEXT);
	const named = shown ? shownDomain(shown) : null;
	const indicator: UrlIndicator = {
		url: parsed.href,
		domain: host,
		registrable_domain: registrable,
		display_text: shown,
		mismatched: named !== null && named !== (ip ? host : registrable),
	};
	const unicode = ip ? host : unicodeHost(host);
	if (unicode && unicode !== host) indicator.domain_unicode = unicode;
	return indicator;
}

export interface HtmlLinks {
	/** Link targets with the text shown for them (a, area, form action). */
	links: Array<{ href: string; text: string }>;
	/** The text of the document outside links, for links and addresses written as text. */
	text: string;
}

/**
 * Links and text of an HTML body with htmlparser2's streaming callbacks: no tree is built, so
 * nesting depth costs nothing, and the work is one pass over the markup.
 */
export function htmlLinks(html: string, maxLinks = MAX_INDICATORS): HtmlLinks {
	const links: HtmlLinks['links'] = [];
	const text: string[] = [];
	let open: { href: string; text: string } | undefined;
	let skip = 0;
	const parser = new Parser(
		{
			onopentag(name, attributes) {
				if (name === 'script' || name === 'style') skip++;
				const href =
					name === 'a' || name === 'area' ? attributes.href : name === 'form' ? attributes.action : undefined;
				if (name === 'a') open = undefined;
				if (href === undefined || links.length >= maxLinks) return;
				const link = { href, text: '' };
				links.push(link);
				if (name === 'a') open = link;
			},
			ontext(data) {
				if (skip > 0) return;
				// A link's text is what it pretends to be (often the brand's real address): it is judged
				// against the link's target, never reported as a link of its own.
				if (!open) text.push(data);
				else if (open.text.length < MAX_DISPLAY_TEXT) open.text += data;
			},
			onclosetag(name) {
				if (name === 'script' || name === 'style') skip = Math.max(0, skip - 1);
				if (name === 'a') open = undefined;
			},
		},
		{ decodeEntities: true, lowerCaseTags: true },
	);
	parser.end(html);
	return { links, text: text.join(' ') };
}

/** Every URL of a message: links of its HTML (with their text) and URLs written in its text. */
export function messageUrls(
	text: string,
	html: string,
): { urls: UrlIndicator[]; mailto: string[]; truncated: boolean; htmlText: string } {
	const urls = new Map<string, UrlIndicator>();
	const mailto: string[] = [];
	let truncated = false;
	const add = (indicator: UrlIndicator | undefined) => {
		if (!indicator) return;
		const key = `${indicator.url}\n${indicator.display_text}`;
		if (urls.has(key)) return;
		if (urls.size >= MAX_INDICATORS) truncated = true;
		else urls.set(key, indicator);
	};
	const parsed = html ? htmlLinks(html) : { links: [], text: '' };
	if (parsed.links.length >= MAX_INDICATORS) truncated = true;
	for (const link of parsed.links) {
		const href = link.href.trim();
		if (/^mailto:/i.test(href)) mailto.push(decodeURIComponent(href.slice(7).split('?')[0]).trim());
		else add(urlIndicator(href, link.text.replace(/\s+/g, ' ')));
	}
	// Text written in the HTML or the text part, defanged forms made live first.
	const written = new Set(parsed.links.map((link) => link.href.trim()));
	for (const url of findUrls(refang(text), refang(parsed.text))) {
		if (!written.has(url)) add(urlIndicator(url));
	}
	return { urls: [...urls.values()], mailto, truncated, htmlText: parsed.text };
}

const LOCAL = /[A-Za-z0-9._%+'-]/;
const DOMAIN = /[A-Za-z0-9.-]/;

/**
 * Email addresses written in a text (refang it first). Each "@" is grown left and
 * right over the characters an address may hold; neither side can cross another "@", so every
 * character is looked at a bounded number of times: linear, whatever the input.
 */
export function findEmails(text: string, max = MAX_INDICATORS): string[] {
	const found = new Set<string>();
	const source = text;
	for (let at = source.indexOf('@'); at !== -1 && found.size < max; at = source.indexOf('@', at + 1)) {
		let start = at;
		while (start > 0 && at - start < 64 && LOCAL.test(source[start - 1])) start--;
		let end = at + 1;
		while (end < source.length && end - at < 255 && DOMAIN.test(source[end])) end++;
		const local = source.slice(start, at).replace(/^[.']+/, '');
		const domain = source.slice(at + 1, end).replace(/[.-]+$/, '');
		if (local && /^[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$/.test(domain))
			found.add(`${local}@${domain.toLowerCase()}`);
	}
	return [...found];
}

// A dotted quad not inside a longer run of digits and dots (a sentence's closing period is fine);
// bounded repetition, so linear.
const IPV4 = /(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?!\.?\d)/g;
// An IPv6 candidate (at most 8 groups of 4 hex digits, the last two as a dotted quad in a mapped
// address), tried only where a run of hex digits and colons starts (see ipv6Candidates): net.isIP decides.
const IPV6 = /(?:[0-9A-Fa-f]{0,4}:){2,7}(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f]{0,4})(?![0-9A-Fa-f:])/y;

/** The run of characters `inRun` accepts around `at` (itself one of them): `text.slice(start, end)`. */
function runAround(text: string, at: number, inRun: (code: number) => boolean): { start: number; end: number } {
	let start = at;
	while (start > 0 && inRun(text.charCodeAt(start - 1))) start--;
	let end = at + 1;
	while (end < text.length && inRun(text.charCodeAt(end))) end++;
	return { start, end };
}

const isHexOrColon = (code: number) =>
	(code >= 48 && code <= 58) || (code >= 65 && code <= 70) || (code >= 97 && code <= 102);

/**
 * IPv6 candidates: from each colon, back to where its run of hex digits and colons starts, the
 * pattern tried there once. A pattern searched over the whole text tries every position of it (two
 * thirds of finding addresses in a typical mail); this looks only at colons, each once.
 */
function* ipv6Candidates(text: string): Generator<string> {
	for (let colon = text.indexOf(':'); colon !== -1;) {
		const { start, end } = runAround(text, colon, isHexOrColon);
		IPV6.lastIndex = start;
		const match = IPV6.exec(text);
		if (match) yield match[0];
		colon = text.indexOf(':', Math.max(end, IPV6.lastIndex));
	}
}

/** IPv4 and IPv6 addresses written in a text (refang it first), each checked by net.isIP. */
export function findIps(text: string, max = MAX_INDICATORS): string[] {
	const found = new Set<string>();
	const candidates = [...(text.match(IPV4) ?? []), ...ipv6Candidates(text)];
	for (const candidate of candidates) {
		if (found.size >= max) break;
		if (isIP(candidate) !== 0 && candidate !== '::' && !/^0+(?:\.0+){3}$/.test(candidate))
			found.add(candidate.toLowerCase());
	}
	return [...found];
}

/** Top-level domains that are also common file extensions: "invoice.zip" in prose is a file. */
const FILE_LIKE_TLDS = new Set(['zip', 'mov', 'md', 'py', 'sh', 'pl', 'rs', 'ps', 'so', 'sc', 'cc', 'nu']);
/** Names reserved for tests and documentation (RFC 2606): not on the public suffix list, yet names. */
const RESERVED_TLDS = new Set(['test', 'example', 'invalid']);
const HAS_LETTER = /[A-Za-z]/;
const DEFANGED_DOT = /\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)/i;

/**
 * Host names written as text, outside any link: "evil[.]com" (defanged: always an indicator, as the
 * reporter meant it) and "www.bad-site.org" (written plainly: only in lower case, under a suffix
 * the public suffix list knows or one reserved for tests, and not a file extension, so that
 * "Thanks.Best" or "invoice.zip" are not reported). A token is a run of the characters a written
 * host holds; only runs around a dot are cut out (from each dot not yet in one, grown both ways), so
 * the words between them cost nothing. Linear; each token is judged on its own.
 */
export function findDomains(text: string, max = MAX_INDICATORS): string[] {
	const found = new Set<string>();
	const seen = new Set<string>();
	for (let dot = text.indexOf('.'); dot !== -1 && found.size < max;) {
		const { start, end } = runAround(text, dot, isTokenCharacter);
		dot = text.indexOf('.', end);
		const token = text.slice(start, end);
		// A name ends in letters: a run of digits and dots (an address, a version) is none.
		if (token.length < 4 || token.length > 300 || !HAS_LETTER.test(token) || seen.has(token)) continue;
		seen.add(token);
		const host = DEFANGED_DOT.test(token) ? defangedHost(withoutEdges(refang(token))) : plainHost(withoutEdges(token));
		if (host) found.add(host);
	}
	return [...found];
}

/** A-Z, a-z, 0-9 and . - [ ] ( ) { }: what a host, written plainly or defanged, is made of. */
function isTokenCharacter(code: number): boolean {
	return (
		(code >= 48 && code <= 57) ||
		(code >= 65 && code <= 90) ||
		(code >= 97 && code <= 122) ||
		code === 46 ||
		code === 45 ||
		code === 91 ||
		code === 93 ||
		code === 40 ||
		code === 41 ||
		code === 123 ||
		code === 125
	);
}

const HOST_NAME = /^[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,63}$/;

/** A token without the punctuation around it: "(evil.com)." -> "evil.com". */
const withoutEdges = (token: string) => token.replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');

function defangedHost(name: string): string {
	return HOST_NAME.test(name) ? asciiHost(name) : '';
}

function plainHost(name: string): string {
	if (name !== name.toLowerCase() || !HOST_NAME.test(name)) return '';
	const tld = name.slice(name.lastIndexOf('.') + 1);
	if (FILE_LIKE_TLDS.has(tld)) return '';
	const parsed = parseDomain(name, {
		allowPrivateDomains: true,
		extractHostname: false,
		validateHostname: false,
		detectIp: false,
	});
	return parsed.domain && (parsed.isIcann || RESERVED_TLDS.has(tld)) ? name : '';
}

/** Registrable domains (and their subdomains) that are never reported. */
export function ownDomainMatcher(ownDomains: string[]): (host: string) => boolean {
	const own = ownDomains.map((domain) => asciiHost(domain.trim().replace(/^@/, ''))).filter(Boolean);
	return (host: string) => {
		const name = asciiHost(host.slice(host.lastIndexOf('@') + 1)) || host.toLowerCase();
		return own.some((domain) => name === domain || name.endsWith(`.${domain}`));
	};
}

/** Defanged copies as analysts share them: hxxp, [.] in hosts, [at] in addresses, [:] in IPv6. */
export function defangUrl(url: string): string {
	const match = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)(.*)$/is.exec(url);
	if (!match) return url.replace(/\./g, '[.]');
	return `${match[1].replace(/^http/i, 'hxxp').replace(/^ftp/i, 'fxp')}://${defangHost(match[2])}${match[3]}`;
}

export function defangHost(host: string): string {
	const dotted = host.replaceAll('.', '[.]');
	return dotted.includes(':') ? dotted.replaceAll(':', '[:]') : dotted;
}

export function defangEmail(email: string): string {
	const at = email.lastIndexOf('@');
	return `${email.slice(0, at)}[at]${defangHost(email.slice(at + 1))}`;
}
