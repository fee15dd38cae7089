import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';

/** ../shared/corpus/mail-fixtures beside the checkout (as CI lays it out), or MAILBOX_CORPUS_DIR. */
const CORPUS = process.env.MAILBOX_CORPUS_DIR ?? path.resolve(__dirname, '../../../shared/corpus/mail-fixtures');

/** ../shared/corpus/outlook-msg: Outlook .msg files (from msgreader's tests), or MAILBOX_MSG_CORPUS_DIR. */
export const OUTLOOK_CORPUS = process.env.MAILBOX_MSG_CORPUS_DIR ?? path.resolve(__dirname, '../../../shared/corpus/outlook-msg');

/** Every mail (.eml, or `extension`) of the shared corpus, recursively, in a stable order. */
export function corpusFiles(directory = CORPUS, extension = '.eml'): string[] {
	if (!existsSync(directory)) {
		throw new Error(`The mail corpus is not at ${directory}: put shared/ beside the checkout, or set MAILBOX_CORPUS_DIR.`);
	}
	return readdirSync(directory, { withFileTypes: true })
		.flatMap((entry) => {
			const file = path.join(directory, entry.name);
			if (entry.isDirectory()) return corpusFiles(file, extension);
			return entry.name.endsWith(extension) ? [file] : [];
		})
		.sort();
}
