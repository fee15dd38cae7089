import { entryPaths, listZip, type ArchiveBudget, type ArchiveEntry, type ArchiveListing } from './archives';
import {
	detectKind,
	extensionOf,
	htmlSmuggling,
	oleHasMacros,
	OOXML_MACROS,
	RISKY_EXTENSIONS,
	RISKY_KINDS,
	typeMismatch,
	type FileKind,
} from './fileTypes';
import { urlIndicator, type UrlIndicator } from './indicators';
import { isQrImage, qrUrl, readQrWithin, type ImageBudget } from './qr';
import { signal, SEVERITIES, type AnalysisError, type Signal } from './signals';
import type { MailPart } from './unwrap';

/** What one mail's attachments may still cost: images decoded, bytes decompressed. */
export interface AttachmentBudgets {
	images: ImageBudget;
	archives: ArchiveBudget;
}

/** What the checks add to an attachment's entry in the output. */
export interface AttachmentDetails {
	/** The type its leading bytes say, when known. */
	detected_type?: FileKind;
	/** A zip's entries (see archives.ts). */
	entries?: ArchiveEntry[];
}

export interface AttachmentFindings {
	/** Per attachment, in order. */
	details: AttachmentDetails[];
	/** URLs of QR codes, as `urls[]` entries. */
	qrUrls: UrlIndicator[];
	signals: Signal[];
	errors: AnalysisError[];
}

/** Office formats whose zip is a document, not an archive: only their macros are looked for. */
const OOXML_EXTENSIONS = new Set(['docx', 'docm', 'dotm', 'xlsx', 'xlsm', 'xltm', 'pptx', 'pptm', 'potm', 'ppsm']);
/** Macro-enabled Office names: inside an archive, where only names are seen, they count as risky. */
const MACRO_EXTENSIONS = new Set(['docm', 'dotm', 'xlsm', 'xltm', 'xlam', 'pptm', 'potm', 'ppsm']);
const HTML_EXTENSIONS = new Set(['htm', 'html', 'shtml', 'xhtml', 'svg']);

/** Evidence gathered over all attachments, one list per signal. */
class Evidence {
	readonly mismatch: string[] = [];
	mismatchHigh = false;
	readonly risky: string[] = [];
	readonly archive: string[] = [];
	archiveSeverity: Signal['severity'] = 'info';
	readonly qr: string[] = [];

	signals(): Signal[] {
		const fired: Signal[] = [];
		const severity = this.mismatchHigh ? 'high' : 'medium';
		if (this.mismatch.length)
			fired.push(
				signal('attachment_type_mismatch', severity, 'An attachment is another type than it claims', this.mismatch),
			);
		if (this.risky.length)
			fired.push(
				signal('risky_attachment', 'high', 'Executable, script, macro or self-assembling content', this.risky),
			);
		if (this.archive.length)
			fired.push(signal('archive', this.archiveSeverity, 'Zip archive(s) attached', this.archive));
		if (this.qr.length) fired.push(signal('qr_code', 'high', 'A QR code in an image leads to a URL', this.qr));
		return fired;
	}
}

function raise(current: Signal['severity'], to: Signal['severity']): Signal['severity'] {
	return SEVERITIES.indexOf(to) > SEVERITIES.indexOf(current) ? to : current;
}

function judgeListing(filename: string, listing: ArchiveListing, evidence: Evidence, errors: AnalysisError[]): void {
	const paths = entryPaths(listing.entries);
	const encrypted = paths.filter(({ entry }) => entry.encrypted).map(({ path }) => `${filename}/${path}`);
	evidence.archive.push(
		`${filename}: ${paths.length} entries${encrypted.length ? `, ${encrypted.length} encrypted` : ''}`,
	);
	if (encrypted.length) {
		evidence.archiveSeverity = raise(evidence.archiveSeverity, 'medium');
		evidence.archive.push(...encrypted.map((path) => `encrypted: ${path}`));
	}
	for (const hostile of listing.hostile) {
		evidence.archiveSeverity = 'high';
		evidence.archive.push(`${filename}: ${hostile}`);
	}
	for (const { path } of paths) {
		const extension = extensionOf(path);
		if (RISKY_EXTENSIONS.has(extension)) evidence.risky.push(`${filename}/${path} (.${extension} inside an archive)`);
		else if (MACRO_EXTENSIONS.has(extension))
			evidence.risky.push(`${filename}/${path} (macro-enabled Office file inside an archive)`);
	}
	for (const reason of listing.errors) errors.push({ file: filename, reason });
}

async function checkZip(
	part: MailPart,
	budget: ArchiveBudget,
	evidence: Evidence,
	errors: AnalysisError[],
): Promise<ArchiveEntry[] | undefined> {
	const listing = await listZip(part.content, budget);
	if (!OOXML_EXTENSIONS.has(extensionOf(part.filename))) {
		judgeListing(part.filename, listing, evidence, errors);
		return listing.entries;
	}
	const macros = listing.entries.find((entry) => OOXML_MACROS.test(entry.name));
	if (macros) evidence.risky.push(`${part.filename} (Office macros: ${macros.name})`);
	for (const reason of listing.errors) errors.push({ file: part.filename, reason });
	return undefined;
}

function checkQr(part: MailPart, budget: ImageBudget, evidence: Evidence, findings: AttachmentFindings): void {
	const reading = readQrWithin(part.content, budget);
	if (reading.skipped) {
		findings.errors.push({ file: part.filename, reason: `not read for QR codes: ${reading.skipped}` });
		return;
	}
	if (reading.error) findings.errors.push({ file: part.filename, reason: reading.error });
	const url = reading.text ? qrUrl(reading.text) : undefined;
	const indicator = url ? urlIndicator(url) : undefined;
	if (!indicator) return;
	findings.qrUrls.push({ ...indicator, source: 'qr', filename: part.filename });
	evidence.qr.push(`${part.filename}: ${indicator.url}`);
}

/**
 * Every attachment (and inline image) of a message judged by its bytes: its real type against its
 * name and declared type, executable and macro content, HTML that assembles a file, zip entries, and
 * QR codes in images. Bounded by the mail's budgets; what cannot be judged goes to `errors`.
 */
export async function checkAttachments(parts: MailPart[], budgets: AttachmentBudgets): Promise<AttachmentFindings> {
	const evidence = new Evidence();
	const findings: AttachmentFindings = { details: [], qrUrls: [], signals: [], errors: [] };
	for (const part of parts) {
		const kind = detectKind(part.content);
		const extension = extensionOf(part.filename);
		const details: AttachmentDetails = kind ? { detected_type: kind } : {};
		findings.details.push(details);
		const mismatch = typeMismatch(part.filename, part.content_type, kind);
		if (mismatch) {
			evidence.mismatch.push(mismatch);
			if (kind && (RISKY_KINDS.has(kind) || kind === 'html')) evidence.mismatchHigh = true;
		}
		if (RISKY_EXTENSIONS.has(extension)) evidence.risky.push(`${part.filename} (.${extension})`);
		else if (kind && RISKY_KINDS.has(kind)) evidence.risky.push(`${part.filename} (${kind} by its leading bytes)`);
		try {
			if (kind === 'ole' && extension !== 'msg' && extension !== 'msi' && oleHasMacros(part.content)) {
				evidence.risky.push(`${part.filename} (Office macros: VBA streams)`);
			}
		} catch (error) {
			findings.errors.push({
				file: part.filename,
				reason: `the Office file could not be read: ${(error as Error).message}`,
			});
		}
		if (kind === 'html' || HTML_EXTENSIONS.has(extension)) {
			const smuggling = htmlSmuggling(part.content);
			if (smuggling) evidence.risky.push(`${part.filename} (assembles a file in the browser: ${smuggling})`);
		}
		if (kind === 'zip') {
			const entries = await checkZip(part, budgets.archives, evidence, findings.errors);
			if (entries) details.entries = entries;
		}
		if (isQrImage(part.content)) checkQr(part, budgets.images, evidence, findings);
	}
	findings.signals = evidence.signals();
	return findings;
}
