import { isIP } from 'node:net';

import { safeFileName } from '../attachments';
import { MailError } from '../errors';
import type { ParsedMail } from '../message';
import { checkAlignment, registrableDomain, type Alignment } from './alignment';
import { readAuthentication, type Authentication } from './authResults';
import { defangEmail, defangHost, defangUrl, fileHashes, findDomains, findEmails, findIps, messageUrls, ownDomainMatcher, refang, type FileHashes, type UrlIndicator } from './indicators';
import type { MsgLimits } from './msg';
import { headingOf, unwrap, type MailNode, type MessageHeading } from './unwrap';
import { verifyAuthentication, type DnsResolver } from './verify';

export { verifyAuthentication, type DnsResolver } from './verify';
export { parseAuthResults, readAuthentication } from './authResults';
export { refang } from './indicators';

/** The options of Analyze Email (and of the triggers' Analyze), as the nodes read them. */
export interface AnalyzeOptions {
	maxDepth?: number;
	trustedAuthservIds?: string[];
	verifyAuthentication?: boolean;
	ownDomains?: string[];
	defang?: boolean;
	/** DNS for `verifyAuthentication`; n8n's resolver when not given. */
	resolver?: DnsResolver;
	/** Bytes of input at most (default 25 MB, the trigger's message limit). */
	maxBytes?: number;
	msgLimits?: MsgLimits;
}

export interface AnalyzedAttachment extends FileHashes {
	filename: string;
	content_type: string;
	size: number;
}

export interface AnalyzedMessage extends MessageHeading {
	authentication: Authentication;
	alignment: Alignment;
	urls: UrlIndicator[];
	attachments: AnalyzedAttachment[];
	/** What could not be read or was cut, in words; absent when nothing was. */
	warnings?: string[];
}

export interface Indicators {
	urls: string[];
	domains: string[];
	ips: string[];
	emails: string[];
	hashes: Array<FileHashes & { filename: string }>;
}

export interface EmailAnalysis {
	messages: AnalyzedMessage[];
	reporter: AnalyzedMessage;
	original: AnalyzedMessage | null;
	iocs: Indicators;
	iocs_defanged?: Omit<Indicators, 'hashes'>;
}

export interface AnalysisResult {
	analysis: EmailAnalysis;
	/** The original's exact bytes, when it came as .eml or message/rfc822. */
	originalEml?: { content: Buffer; fileName: string };
}

export const DEFAULT_MAX_DEPTH = 3;
/** Deeper than this is never unwrapped, whatever Max Depth says: each level is a parse. */
export const MAX_DEPTH_LIMIT = 10;
const MAX_MESSAGES = 50;
/** Attachments listed and hashed per message (a crafted mail can carry tens of thousands). */
const MAX_ATTACHMENTS = 100;
const DEFAULT_MAX_BYTES = 25 * 1024 * 1024;

/** A comma or newline list as typed in a parameter -> its entries. */
export function listOption(value: string | string[] | undefined): string[] {
	const entries = Array.isArray(value) ? value : (value ?? '').split(/[,\s]+/);
	return entries.map((entry) => entry.trim()).filter(Boolean);
}

interface Extracted {
	message: AnalyzedMessage;
	emails: string[];
	ips: string[];
	/** Host names written as text, outside links and addresses. */
	domains: string[];
}

async function analyzeMessage(node: MailNode, options: AnalyzeOptions, trusted: string[]): Promise<Extracted> {
	const warnings = [...node.warnings];
	const headerValues = (key: string) => node.headers.filter((header) => header.key === key).map((header) => header.value);
	let authentication = readAuthentication(node.headers, trusted);
	if (options.verifyAuthentication && node.raw) {
		try {
			authentication = { ...(await verifyAuthentication(node.raw, { resolver: options.resolver })), source: 'verified', ignored_headers: authentication.ignored_headers };
		} catch (error) {
			authentication.error = (error as Error).message;
		}
	} else if (options.verifyAuthentication) {
		// SPF, DKIM and DMARC are checked on the bytes as sent, which only a MIME mail still has.
		authentication.error = `Not verified: ${node.via === 'inline' ? 'an original forwarded inline' : 'an Outlook .msg'} ` + `keeps no bytes as sent to check.`;
	}
	const { urls, mailto, truncated, htmlText } = messageUrls(node.text, node.html);
	if (truncated) warnings.push(`More than ${urls.length} links: only the first ${urls.length} are listed.`);
	const message: AnalyzedMessage = {
		...headingOf(node),
		authentication,
		alignment: checkAlignment(node.from, node.return_path, node.reply_to),
		urls,
		attachments: node.attachments.slice(0, MAX_ATTACHMENTS).map((part) => ({ filename: part.filename, content_type: part.content_type, size: part.content.length, ...fileHashes(part.content) })),
	};
	if (node.attachments.length > MAX_ATTACHMENTS) warnings.push(`${node.attachments.length} attachments: only the first ${MAX_ATTACHMENTS} are listed and hashed.`);
	if (warnings.length) message.warnings = warnings;
	const bodies = refang(`${node.text}\n${node.html}`);
	const senders = [node.from, node.return_path, ...node.reply_to].filter(Boolean);
	const originIps = [...headerValues('x-originating-ip'), ...headerValues('x-sender-ip')].join(' ');
	// Host names written as text, from what a reader sees: the HTML's text (its text alternative
	// repeats it with link texts such as "paypal.com" spelled out), else the text part. An inline
	// original's HTML can still hold the forwarder's note (when its From line is not found there):
	// its quoted text part is exactly its own.
	const domains = findDomains(node.html && node.via !== 'inline' ? htmlText : node.text);
	return { message, emails: [...senders, ...mailto, ...findEmails(bodies)], ips: [...findIps(bodies), ...findIps(originIps)], domains };
}

function indicators(extracted: Extracted, ownDomains: string[]): Indicators {
	const own = ownDomainMatcher(ownDomains);
	const urls = extracted.message.urls.filter((url) => !own(url.domain));
	const domains = new Set<string>();
	const emails = new Set<string>();
	for (const url of urls) {
		if (isIP(url.domain)) continue;
		domains.add(url.domain);
		if (url.domain_unicode) domains.add(url.domain_unicode);
		if (url.registrable_domain) domains.add(url.registrable_domain);
	}
	const addHost = (host: string) => {
		domains.add(host);
		const registrable = registrableDomain(host);
		if (registrable) domains.add(registrable);
	};
	for (const domain of extracted.domains) if (!own(domain)) addHost(domain);
	for (const email of extracted.emails) {
		const address = email.trim().toLowerCase();
		if (!address.includes('@') || own(address)) continue;
		emails.add(address);
		addHost(address.slice(address.lastIndexOf('@') + 1));
	}
	const ips = new Set([...extracted.ips, ...urls.filter((url) => isIP(url.domain)).map((url) => url.domain)]);
	const hashes = new Map<string, FileHashes & { filename: string }>();
	for (const { filename, md5, sha1, sha256 } of extracted.message.attachments) if (!hashes.has(sha256)) hashes.set(sha256, { filename, md5, sha1, sha256 });
	return { urls: [...new Set(urls.map((url) => url.url))], domains: [...domains], ips: [...ips], emails: [...emails], hashes: [...hashes.values()] };
}

/**
 * A reported mail (an .eml or Outlook .msg, as bytes) -> Analyze Email's output: every message in it with
 * its authentication, alignment, links and attachment hashes; the original and its indicators.
 * Plain data in, plain data out: the action node, the trigger and the benchmark all call this; the
 * trigger hands over the parse its item was built from, so that a mail is parsed once.
 */
export async function analyzeEmail(input: Buffer | ParsedMail, options: AnalyzeOptions = {}): Promise<AnalysisResult> {
	const bytes = Buffer.isBuffer(input) ? input : input.source;
	const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
	if (bytes.length > maxBytes) {
		throw new MailError('INVALID_INPUT', `The mail is ${(bytes.length / 1024 / 1024).toFixed(1)} MB, more than the ${(maxBytes / 1024 / 1024).toFixed(0)} ` + `MB one analysis reads: analyse its attachments one by one instead.`);
	}
	const maxDepth = Math.floor(Number(options.maxDepth ?? DEFAULT_MAX_DEPTH));
	if (!Number.isFinite(maxDepth) || maxDepth < 0 || maxDepth > MAX_DEPTH_LIMIT) {
		throw new MailError('INVALID_INPUT', `Max Depth must be a whole number from 0 to ${MAX_DEPTH_LIMIT}.`);
	}
	const trusted = listOption(options.trustedAuthservIds);
	const nodes = await unwrap(input, { maxDepth, maxMessages: MAX_MESSAGES, msgLimits: options.msgLimits });
	const extracted: Extracted[] = [];
	for (const node of nodes) extracted.push(await analyzeMessage(node, options, trusted));

	const deepest = nodes.length > 1 ? nodes.reduce((best, node, index) => (node.depth > nodes[best].depth ? index : best), 1) : -1;
	const iocs = indicators(extracted[deepest === -1 ? 0 : deepest], listOption(options.ownDomains));
	const messages = extracted.map((entry) => entry.message);
	const analysis: EmailAnalysis = { messages, reporter: messages[0], original: deepest === -1 ? null : messages[deepest], iocs };
	if (options.defang ?? true) {
		analysis.iocs_defanged = {
			urls: iocs.urls.map(defangUrl),
			domains: iocs.domains.map(defangHost),
			ips: iocs.ips.map(defangHost),
			emails: iocs.emails.map(defangEmail),
		};
	}
	const original = deepest === -1 ? undefined : nodes[deepest];
	const result: AnalysisResult = { analysis };
	if (original?.raw && original.via === 'attachment') {
		const id = original.message_id.replace(/^<|>$/g, '');
		result.originalEml = { content: original.raw, fileName: (id && safeFileName(`${id}.eml`)) || 'original.eml' };
	}
	return result;
}
