import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';

/** ../shared/corpus/mail-fixtures beside the checkout (as CI lays it out), or MAILBOX_CORPUS_DIR. */
const CORPUS = process.env.MAILBOX_CORPUS_DIR ?? path.resolve(__dirname, '../../../shared/corpus/mail-fixtures');

/** Every mail (.eml) of the shared corpus, recursively, in a stable order. */
export function corpusFiles(directory = CORPUS): string[] {
	if (!existsSync(directory)) {
		throw new Error(`The mail corpus is not at ${directory}: put shared/ beside the checkout, or set MAILBOX_CORPUS_DIR.`);
	}
	return readdirSync(directory, { withFileTypes: true })
		.flatMap((entry) => {
			const file = path.join(directory, entry.name);
			if (entry.isDirectory()) return corpusFiles(file);
			return entry.name.endsWith('.eml') ? [file] : [];
		})
		.sort();
}
