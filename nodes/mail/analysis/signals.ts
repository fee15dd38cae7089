import type { Alignment } from './alignment';
import { registrableDomain } from './alignment';
import type { Authentication } from './authResults';
import type { UrlIndicator } from './indicators';
import { memoByHost } from './hostMemo';
import { lookalikeOf, protectedDomainList, skeleton, type Lookalike, type ProtectedDomain } from './lookalike';

/** How much a signal weighs for triage, lowest first. */
export const SEVERITIES = ['info', 'low', 'medium', 'high'] as const;
export type Severity = (typeof SEVERITIES)[number];

export type SignalId =
	| 'auth_fail'
	| 'display_name_address'
	| 'display_name_impersonation'
	| 'lookalike_domain'
	| 'reply_to_mismatch'
	| 'link_text_mismatch'
	| 'rewritten_link'
	| 'qr_code'
	| 'attachment_type_mismatch'
	| 'risky_attachment'
	| 'archive';

/** Something in a message that a triage decision weighs; `evidence` holds the exact values that fired it. */
export interface Signal {
	id: SignalId;
	severity: Severity;
	message: string;
	evidence: string[];
}

/** Content that could not be judged: a cut image, a lying archive, images past the bound. */
export interface AnalysisError {
	file: string;
	reason: string;
}

/** What the signals are judged against: the options, read once per analysis. */
export interface SignalContext {
	/** Whether a host or address is in one of `ownDomains` (or a subdomain of one). */
	isOwn: (hostOrAddress: string) => boolean;
	protectedNames: string[];
	protectedDomains: ProtectedDomain[];
	/** What a host imitates among `protectedDomains`, remembered per host for this context's analyses. */
	imitationOf: (host: string) => Lookalike | undefined;
}

export function signalContext(
	ownDomains: string[],
	protectedDomains: string[],
	protectedNames: string[],
	isOwn: SignalContext['isOwn'],
): SignalContext {
	const protectedList = protectedDomainList([...ownDomains, ...protectedDomains]);
	return {
		isOwn,
		protectedNames: protectedNames.map((name) => name.trim()).filter(Boolean),
		protectedDomains: protectedList,
		imitationOf: memoByHost((host) => lookalikeOf(host, protectedList)),
	};
}

/** The parts of an analysed message the sender and link signals read. */
export interface JudgedMessage {
	from: string;
	from_name: string;
	reply_to: string[];
	authentication: Authentication;
	alignment: Alignment;
	urls: UrlIndicator[];
}

export const signal = (id: SignalId, severity: Severity, message: string, evidence: string[]): Signal => ({
	id,
	severity,
	message,
	evidence,
});

/**
 * DMARC fail; or SPF / DKIM fail where nothing passed aligned with From (a DMARC pass, or an SPF
 * pass on an aligned Return-Path).
 */
function authFail(message: JudgedMessage): Signal | undefined {
	const { spf, dkim, dmarc } = message.authentication;
	if (dmarc === 'fail')
		return signal('auth_fail', 'high', 'DMARC fails for the From domain', [
			`dmarc=${dmarc}`,
			`spf=${spf}`,
			`dkim=${dkim}`,
		]);
	const alignedPass = dmarc === 'pass' || (spf === 'pass' && message.alignment.return_path === 'aligned');
	if ((spf === 'fail' || dkim === 'fail') && !alignedPass) {
		return signal('auth_fail', 'medium', 'SPF or DKIM fails, with no pass aligned with From', [
			`spf=${spf}`,
			`dkim=${dkim}`,
			`dmarc=${dmarc}`,
		]);
	}
	return undefined;
}

/** Domains a display name spells out ("PayPal.com Support", "service@paypal.com"), as registrable domains. */
function namedDomains(displayName: string): string[] {
	const found = new Set<string>();
	for (const token of displayName.split(/[\s<>()"',;:[\]]+/)) {
		const host = token.slice(token.lastIndexOf('@') + 1).replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '');
		const domain = host.includes('.') ? registrableDomain(host) : null;
		if (domain) found.add(domain);
	}
	return [...found];
}

function displayNameAddress(message: JudgedMessage): Signal | undefined {
	if (!message.from_name || !message.from) return undefined;
	const own = registrableDomain(message.from);
	const others = namedDomains(message.from_name).filter((domain) => domain !== own);
	if (others.length === 0) return undefined;
	return signal(
		'display_name_address',
		'medium',
		`The display name names ${others.join(', ')}, not the sender's own domain`,
		[message.from_name, message.from],
	);
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Whether a name holds a protected name as whole words, in any case (also when spelt with confusable characters). */
function holdsName(displayName: string, name: string): boolean {
	const words = (text: string, entry: string) =>
		new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegExp(entry)}(?![\\p{L}\\p{N}])`, 'iu').test(text);
	return words(displayName, name) || words(skeleton(displayName), skeleton(name));
}

function displayNameImpersonation(message: JudgedMessage, context: SignalContext): Signal | undefined {
	if (!message.from_name || context.protectedNames.length === 0 || (message.from && context.isOwn(message.from)))
		return undefined;
	const names = context.protectedNames.filter((name) => holdsName(message.from_name, name));
	if (names.length === 0) return undefined;
	return signal(
		'display_name_impersonation',
		'high',
		`The display name claims ${names.join(', ')} from outside the own domains`,
		[message.from_name, message.from],
	);
}

function replyToMismatch(message: JudgedMessage): Signal | undefined {
	if (message.alignment.reply_to !== 'misaligned') return undefined;
	const from = registrableDomain(message.from);
	const others = message.reply_to.filter((address) => registrableDomain(address) !== from);
	return signal('reply_to_mismatch', 'low', "Replies go to another domain than the sender's", [
		message.from,
		...others,
	]);
}

const linkText = (url: UrlIndicator) => `${url.display_text} -> ${url.url}`;

function linkSignals(urls: UrlIndicator[]): Signal[] {
	const signals: Signal[] = [];
	const mismatched = urls.filter((url) => url.mismatched);
	if (mismatched.length) {
		signals.push(
			signal(
				'link_text_mismatch',
				'medium',
				`${mismatched.length} link(s) show another domain than they lead to`,
				mismatched.map(linkText),
			),
		);
	}
	const rewritten = urls.filter((url) => url.unwrapped_from || url.opaque_rewrite);
	if (rewritten.length) {
		const evidence = rewritten.map((url) =>
			url.unwrapped_from ? `${url.gateway}: ${url.url}` : `${url.opaque_rewrite}: ${url.url}`,
		);
		const opaque = rewritten.filter((url) => url.opaque_rewrite && !url.unwrapped_from).length;
		const note = opaque ? ` (${opaque} opaque: the gateway keeps the target)` : '';
		signals.push(
			signal('rewritten_link', 'info', `${rewritten.length} link(s) were rewritten by a mail gateway${note}`, evidence),
		);
	}
	return signals;
}

function lookalikes(message: JudgedMessage, context: SignalContext): Signal | undefined {
	if (context.protectedDomains.length === 0) return undefined;
	const hosts = new Map<string, string>();
	const add = (host: string, role: string) => {
		if (host && !hosts.has(host)) hosts.set(host, role);
	};
	const hostOf = (address: string) => address.slice(address.lastIndexOf('@') + 1).toLowerCase();
	if (message.from) add(hostOf(message.from), 'sender');
	for (const address of message.reply_to) add(hostOf(address), 'reply-to');
	for (const url of message.urls) if (!url.opaque_rewrite) add(url.domain, url.source === 'qr' ? 'QR link' : 'link');
	const evidence: string[] = [];
	for (const [host, role] of hosts) {
		const lookalike = context.imitationOf(host);
		if (lookalike) evidence.push(`${role} ${lookalike.shown} imitates ${lookalike.imitates}: ${lookalike.reason}`);
	}
	if (evidence.length === 0) return undefined;
	return signal('lookalike_domain', 'high', `${evidence.length} domain(s) imitate a protected domain`, evidence);
}

/** The sender and link signals of one message (attachment signals come from attachmentChecks). */
export function messageSignals(message: JudgedMessage, context: SignalContext): Signal[] {
	const fired = [
		authFail(message),
		displayNameAddress(message),
		displayNameImpersonation(message, context),
		lookalikes(message, context),
		replyToMismatch(message),
	];
	return [...fired.filter((entry): entry is Signal => entry !== undefined), ...linkSignals(message.urls)];
}

/** The highest severity among signals; `none` when none fired. */
export function maxSeverity(signals: Signal[]): Severity | 'none' {
	let highest = -1;
	for (const entry of signals) highest = Math.max(highest, SEVERITIES.indexOf(entry.severity));
	return highest === -1 ? 'none' : SEVERITIES[highest];
}
