import { safeFileName } from '../files';
import { MailError } from '../errors';
import type { ParsedMail } from '../message';
import { newArchiveBudget } from './archives';
import { checkAttachments, type AttachmentBudgets, type AttachmentDetails } from './attachmentChecks';
import { checkAlignment, type Alignment } from './alignment';
import { readAuthentication, type Authentication } from './authResults';
import {
	defangEmail,
	defangHost,
	defangUrl,
	fileHashes,
	findDomains,
	findEmails,
	findIps,
	messageUrls,
	ownDomainMatcher,
	refang,
	type FileHashes,
	type UrlIndicator,
} from './indicators';
import { indicatorsOf, unionOf, type Indicators, type MessageFindings } from './iocs';
import type { MsgLimits } from './msg';
import { newImageBudget } from './qr';
import { unwrapRewrite } from './rewrites';
import { maxSeverity, messageSignals, signalContext, type SignalContext } from './signals';
import type { AnalysisError, Severity, Signal, SignalId } from './signals';
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
	/** People and brands whose names a display name must not claim from outside the own domains. */
	protectedNames?: string[];
	/** Domains besides the own ones that lookalikes are judged against (brands, partners). */
	protectedDomains?: string[];
	/** DNS for `verifyAuthentication`; n8n's resolver when not given. */
	resolver?: DnsResolver;
	/** Bytes of input at most (default 25 MB, the trigger's message limit). */
	maxBytes?: number;
	msgLimits?: MsgLimits;
}

export interface AnalyzedAttachment extends FileHashes, AttachmentDetails {
	filename: string;
	content_type: string;
	size: number;
}

export interface AnalyzedMessage extends MessageHeading {
	authentication: Authentication;
	alignment: Alignment;
	urls: UrlIndicator[];
	attachments: AnalyzedAttachment[];
	signals: Signal[];
	/** Content that could not be judged (a cut image, a lying archive, images past the bound). */
	errors: AnalysisError[];
	/** What could not be read or was cut, in words; absent when nothing was. */
	warnings?: string[];
}

export type { Indicators } from './iocs';
export type { AnalysisError, Severity, Signal, SignalId } from './signals';

/** A reported original with its own indicators. */
export type AnalyzedOriginal = AnalyzedMessage & { iocs: Indicators };

export interface EmailAnalysis {
	messages: AnalyzedMessage[];
	reporter: AnalyzedMessage;
	original: AnalyzedMessage | null;
	/** Every reported original: the deepest message of each branch below the reporter. */
	originals: AnalyzedOriginal[];
	/** The highest severity of any message's signals; `none` when none fired. */
	max_severity: Severity | 'none';
	/** Every signal id that fired in any message. */
	signal_ids: SignalId[];
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
/** Protected names are split at commas and newlines only: "Jane Doe" is one. */
export const NAME_SEPARATORS = /[,\r\n]+/;

/**
 * A list as typed in a parameter -> its entries: split at commas and white space, or at `separators`
 * (names of people hold spaces: they are split at commas and newlines only).
 */
export function listOption(value: string | string[] | undefined, separators = /[,\s]+/): string[] {
	const entries = Array.isArray(value) ? value : (value ?? '').split(separators);
	return entries.map((entry) => entry.trim()).filter(Boolean);
}

interface Extracted extends MessageFindings {
	message: AnalyzedMessage;
}

/** What every message of one analysis shares: the options read once, the budgets of the whole mail. */
interface AnalysisScope {
	options: AnalyzeOptions;
	trusted: string[];
	context: SignalContext;
	budgets: AttachmentBudgets;
}

async function readAuthenticationOf(node: MailNode, scope: AnalysisScope): Promise<Authentication> {
	const authentication = readAuthentication(node.headers, scope.trusted);
	if (!scope.options.verifyAuthentication) return authentication;
	if (!node.raw) {
		// SPF, DKIM and DMARC are checked on the bytes as sent, which only a MIME mail still has.
		const kind = node.via === 'inline' ? 'an original forwarded inline' : 'an Outlook .msg';
		return { ...authentication, error: `Not verified: ${kind} keeps no bytes as sent to check.` };
	}
	try {
		const verified = await verifyAuthentication(node.raw, { resolver: scope.options.resolver });
		return { ...verified, source: 'verified', ignored_headers: authentication.ignored_headers };
	} catch (error) {
		return { ...authentication, error: (error as Error).message };
	}
}

async function analyzeMessage(node: MailNode, scope: AnalysisScope): Promise<Extracted> {
	const warnings = [...node.warnings];
	const headerValues = (key: string) =>
		node.headers.filter((header) => header.key === key).map((header) => header.value);
	const authentication = await readAuthenticationOf(node, scope);
	const { urls: links, mailto, truncated, htmlText } = messageUrls(node.text, node.html);
	if (truncated) warnings.push(`More than ${links.length} links: only the first ${links.length} are listed.`);
	const parts = node.attachments.slice(0, MAX_ATTACHMENTS);
	const checked = await checkAttachments(parts, scope.budgets);
	const urls = [...links, ...checked.qrUrls].map(unwrapRewrite);
	const heading = headingOf(node);
	const alignment = checkAlignment(node.from, node.return_path, node.reply_to);
	const message: AnalyzedMessage = {
		...heading,
		authentication,
		alignment,
		urls,
		attachments: parts.map((part, index) => ({
			filename: part.filename,
			content_type: part.content_type,
			size: part.content.length,
			...fileHashes(part.content),
			...checked.details[index],
		})),
		signals: [...messageSignals({ ...heading, authentication, alignment, urls }, scope.context), ...checked.signals],
		errors: checked.errors,
	};
	if (node.attachments.length > MAX_ATTACHMENTS)
		warnings.push(`${node.attachments.length} attachments: only the first ${MAX_ATTACHMENTS} are listed and hashed.`);
	if (warnings.length) message.warnings = warnings;
	const bodies = refang(`${node.text}\n${node.html}`);
	const senders = [node.from, node.return_path, ...node.reply_to].filter(Boolean);
	const originIps = [...headerValues('x-originating-ip'), ...headerValues('x-sender-ip')].join(' ');
	// Host names written as text, from what a reader sees: the HTML's text (its text alternative
	// repeats it with link texts such as "paypal.com" spelled out), else the text part. An inline
	// original's HTML can still hold the forwarder's note (when its From line is not found there):
	// its quoted text part is exactly its own.
	const domains = findDomains(node.html && node.via !== 'inline' ? htmlText : node.text);
	return {
		message,
		urls,
		attachments: message.attachments,
		emails: [...senders, ...mailto, ...findEmails(bodies)],
		ips: [...findIps(bodies), ...findIps(originIps)],
		domains,
	};
}

/**
 * The reported originals in a depth-first list: each message with none below it, except the
 * reporter itself. A forward that only wraps another is never one: its wrapped mail is.
 */
function originalIndexes(nodes: MailNode[]): number[] {
	return nodes.flatMap((node, index) => (index > 0 && !(nodes[index + 1]?.depth > node.depth) ? [index] : []));
}

interface ReadOptions {
	trusted: string[];
	context: SignalContext;
}

/** The lists typed in the options, read once per options object: a trigger hands the same one for every mail. */
const readOptionsCache = new WeakMap<AnalyzeOptions, ReadOptions>();

function readOptions(options: AnalyzeOptions): ReadOptions {
	const known = readOptionsCache.get(options);
	if (known) return known;
	const ownDomains = listOption(options.ownDomains);
	const read: ReadOptions = {
		trusted: listOption(options.trustedAuthservIds),
		context: signalContext(
			ownDomains,
			listOption(options.protectedDomains),
			listOption(options.protectedNames, NAME_SEPARATORS),
			ownDomainMatcher(ownDomains),
		),
	};
	readOptionsCache.set(options, read);
	return read;
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
		throw new MailError(
			'INVALID_INPUT',
			`The mail is ${(bytes.length / 1024 / 1024).toFixed(1)} MB, more than the ${(maxBytes / 1024 / 1024).toFixed(0)} ` +
				`MB one analysis reads: analyse its attachments one by one instead.`,
		);
	}
	const maxDepth = Math.floor(Number(options.maxDepth ?? DEFAULT_MAX_DEPTH));
	if (!Number.isFinite(maxDepth) || maxDepth < 0 || maxDepth > MAX_DEPTH_LIMIT) {
		throw new MailError('INVALID_INPUT', `Max Depth must be a whole number from 0 to ${MAX_DEPTH_LIMIT}.`);
	}
	const { trusted, context } = readOptions(options);
	const scope: AnalysisScope = {
		options,
		trusted,
		context,
		budgets: { images: newImageBudget(), archives: newArchiveBudget() },
	};
	const nodes = await unwrap(input, { maxDepth, maxMessages: MAX_MESSAGES, msgLimits: options.msgLimits });
	const extracted: Extracted[] = [];
	for (const node of nodes) extracted.push(await analyzeMessage(node, scope));

	const messages = extracted.map((entry) => entry.message);
	const originals = originalIndexes(nodes).map((index) => ({
		...messages[index],
		iocs: indicatorsOf(extracted[index], context.isOwn),
	}));
	// The original of section 8: the deepest message (the first of the deepest).
	const deepest =
		nodes.length > 1 ? nodes.reduce((best, node, index) => (node.depth > nodes[best].depth ? index : best), 1) : -1;
	const iocs = originals.length
		? unionOf(originals.map((original) => original.iocs))
		: indicatorsOf(extracted[0], context.isOwn);
	const signals = messages.flatMap((message) => message.signals);
	const analysis: EmailAnalysis = {
		messages,
		reporter: messages[0],
		original: deepest === -1 ? null : messages[deepest],
		originals,
		max_severity: maxSeverity(signals),
		signal_ids: [...new Set(signals.map((entry) => entry.id))],
		iocs,
	};
	if (options.defang ?? true) {
		analysis.iocs_defanged = {
			urls: iocs.urls.map(defangUrl),
			domains: iocs.domains.map(defangHost),
			ips: iocs.ips.map(defangHost),
			private_ips: iocs.private_ips.map(defangHost),
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
