import { domainToASCII, domainToUnicode } from 'node:url';

import { distance } from 'fastest-levenshtein';
import { parse as parseDomain } from 'tldts';
import unhomoglyph from 'unhomoglyph';

/**
 * A domain to protect: its registrable domain and its name (the label left of the public suffix,
 * `examplebank` for `examplebank.com`), as written and as the Unicode confusables skeleton has it.
 */
export interface ProtectedDomain {
	domain: string;
	name: string;
	skeleton: string;
}

/** What a domain imitates, and how. */
export interface Lookalike {
	/** The domain as DNS writes it, and its Unicode form beside it for an IDN ("xn--... (pаypal.com)"). */
	shown: string;
	imitates: string;
	reason: string;
}

/** Names shorter than this differ by one or two letters from too many real words to judge by distance. */
const MIN_DISTANCE_NAME = 5;
/** "Protected name plus words" is only judged for names of this length or more ("ing" is in "shopping"). */
const MIN_CONTAINED_NAME = 4;

/**
 * UTS #39 skeleton: NFKC, lower case, then each character mapped to its prototype by Unicode's
 * confusables table (unhomoglyph carries it), so that two names that look alike compare equal.
 */
export function skeleton(name: string): string {
	return unhomoglyph(name.normalize('NFKC').toLowerCase()).toLowerCase();
}

const SCRIPTS = ['Latin', 'Cyrillic', 'Greek', 'Armenian', 'Georgian', 'Cherokee', 'Hebrew', 'Arabic', 'Han', 'Hangul'];
const SCRIPT_PATTERNS = SCRIPTS.map((script) => [script, new RegExp(`\\p{Script=${script}}`, 'u')] as const);

/** The scripts a name's letters are written in (the named ones; others count as "Other"). */
export function scriptsOf(name: string): string[] {
	const found = new Set<string>();
	for (const char of name) {
		if (!/\p{L}/u.test(char)) continue;
		found.add(SCRIPT_PATTERNS.find(([, pattern]) => pattern.test(char))?.[0] ?? 'Other');
	}
	return [...found];
}

/** Own domains and protected domains, as typed in the options -> what lookalikes are judged against. */
export function protectedDomainList(domains: string[]): ProtectedDomain[] {
	const list = new Map<string, ProtectedDomain>();
	for (const entry of domains) {
		const host = domainToASCII(entry.trim().replace(/^@/, '').replace(/\.$/, '').toLowerCase());
		const parsed = host ? parseDomain(host, { allowPrivateDomains: true }) : undefined;
		if (!parsed?.domain || !parsed.domainWithoutSuffix) continue;
		const name = domainToUnicode(parsed.domainWithoutSuffix) || parsed.domainWithoutSuffix;
		list.set(parsed.domain, { domain: parsed.domain, name, skeleton: skeleton(name) });
	}
	return [...list.values()];
}

function containsName(candidate: string, name: string): boolean {
	if (name.length < MIN_CONTAINED_NAME || candidate === name) return false;
	return candidate.split(/[-_0-9]+/).includes(name) || (name.length >= MIN_DISTANCE_NAME && candidate.includes(name));
}

function reasonFor(name: string, nameSkeleton: string, host: string, target: ProtectedDomain): string | undefined {
	if (name === target.name) return `the name "${target.name}" under another suffix`;
	if (nameSkeleton === target.skeleton) {
		const scripts = scriptsOf(name);
		const mixed = scripts.length > 1 ? ` and mixes scripts (${scripts.join(', ')})` : '';
		return `confusable characters: it looks like "${target.name}"${mixed}`;
	}
	if (name.length >= MIN_DISTANCE_NAME && target.name.length >= MIN_DISTANCE_NAME) {
		const edits = Math.min(distance(name, target.name), distance(nameSkeleton, target.skeleton));
		if (edits <= 2) return `${edits} character(s) away from "${target.name}"`;
	}
	if (containsName(name, target.name) || containsName(nameSkeleton, target.skeleton)) {
		return `"${target.name}" with words added`;
	}
	const labels = host.split('.').slice(0, -2);
	if (labels.includes(target.name) || host.startsWith(`${target.domain}.`))
		return `"${target.domain}" in its subdomains`;
	return undefined;
}

/**
 * Whether a host imitates a protected domain. The real domain and its subdomains never do; anything
 * else does when its name is confusable with a protected name (same skeleton, or a mixed-script
 * spelling of it), one or two edits away from it (names of 5 or more characters), holds it plus
 * words, or carries the protected domain in its own subdomains.
 */
export function lookalikeOf(host: string, protectedDomains: ProtectedDomain[]): Lookalike | undefined {
	if (protectedDomains.length === 0) return undefined;
	const ascii = domainToASCII(host.replace(/\.$/, '').toLowerCase());
	const parsed = ascii ? parseDomain(ascii, { allowPrivateDomains: true }) : undefined;
	if (!parsed?.domain || !parsed.domainWithoutSuffix || parsed.isIp) return undefined;
	const registrable = parsed.domain;
	if (protectedDomains.some((target) => target.domain === registrable)) return undefined;
	const name = domainToUnicode(parsed.domainWithoutSuffix) || parsed.domainWithoutSuffix;
	const nameSkeleton = skeleton(name);
	for (const target of protectedDomains) {
		const reason = reasonFor(name, nameSkeleton, ascii, target);
		if (!reason) continue;
		const unicode = domainToUnicode(ascii);
		return { shown: unicode && unicode !== ascii ? `${ascii} (${unicode})` : ascii, imitates: target.domain, reason };
	}
	return undefined;
}
