import { dirname, join } from 'node:path';

/**
 * Two speed-ups of postal-mime's body decoders, for the one release they were written and proven
 * against. Both give the same bytes as the stock code: test/unit/postalMimeDecoderPatch.test.ts
 * parses the whole corpus with and without them. On any other release nothing is changed and
 * `postalMimeDecoderPatch` says why; that test fails until the patch is brought to the new release
 * (or dropped). Figures in BENCHMARKS.md.
 */
export const PATCHED_POSTAL_MIME = '4.2.0';

export interface PatchStatus {
	applied: boolean;
	/** Why the stock decoders run, when they do. */
	reason?: string;
}

type Chunk = ArrayBuffer | Uint8Array;
type Prototype = Record<string, unknown>;

interface ChunkWriterState {
	chunks: Chunk[];
	flush(): void;
}

interface PassThroughState {
	chunks: Chunk[];
	pendingLineBreak: Uint8Array | null;
	runEnd: number;
	continuesRun(bytes: Uint8Array): boolean;
	flushRun(): void;
}

interface Base64State {
	gathered?: Uint8Array[];
	gatheredBytes?: number;
	output: { append(bytes: Uint8Array): void };
}

/** Base64 lines a decoder gathers before it decodes them: a few hundred KB, as its own chunks are 100 KB. */
const BASE64_BATCH_BYTES = 256 * 1024;

const postalMimeFolder = () => dirname(require.resolve('postal-mime'));

function prototypeOf(file: string): Prototype {
	return (require(join(postalMimeFolder(), file)) as { prototype: Prototype }).prototype;
}

/** The chunks as one ArrayBuffer: one allocation, one copy per chunk. */
function joined(chunks: Chunk[]): ArrayBuffer {
	const views = chunks.map((chunk) => (chunk instanceof Uint8Array ? chunk : new Uint8Array(chunk)));
	const whole = new Uint8Array(views.reduce((length, view) => length + view.length, 0));
	let offset = 0;
	for (const view of views) {
		whole.set(view, offset);
		offset += view.length;
	}
	return whole.buffer;
}

/** What each replaced method must still read like, word for word, for the replacement to hold. */
const EXPECTED: Array<[file: string, method: string, fragment: string]> = [
	['chunk-writer.js', 'finalize', 'blobToArrayBuffer)(new Blob(this.chunks'],
	['pass-through-decoder.js', 'finalize', 'blobToArrayBuffer)(new Blob(this.chunks'],
	['pass-through-decoder.js', 'finalize', 'this.continuesRun(pending)'],
	['base64-decoder.js', 'pushChunk', 'decodeBase64)(base64Str)'],
	['base64-decoder.js', 'update', "indexOf('=', start)"],
	['base64-decoder.js', 'flushRemainder', 'this.pushChunk(this.remainder)'],
];

function whyNot(): string | undefined {
	const { version } = require('postal-mime/package.json') as { version: string };
	if (version !== PATCHED_POSTAL_MIME) {
		return `postal-mime is ${version}, the patch is written for ${PATCHED_POSTAL_MIME}`;
	}
	for (const [file, method, fragment] of EXPECTED) {
		const code = prototypeOf(file)[method];
		if (typeof code !== 'function' || !String(code).includes(fragment)) {
			return `postal-mime's ${file} ${method}() is not the one the patch replaces`;
		}
	}
	return undefined;
}

/**
 * Every decoded part ends in `new Blob(chunks).arrayBuffer()`: a copy into the Blob, and an
 * asynchronous read back that Node finishes on a later turn of the event loop. Profiled on an
 * ingest of typical alert mails, those turns, taken while the IMAP stream is also being read,
 * cost a third of the rate. The chunks are joined in place instead: the same bytes.
 */
function joinWithoutBlob(): void {
	prototypeOf('chunk-writer.js').finalize = function (this: ChunkWriterState) {
		this.flush();
		return joined(this.chunks);
	};
	// As the stock finalize: the last line break is content unless a boundary ended the part.
	prototypeOf('pass-through-decoder.js').finalize = function (this: PassThroughState, boundaryEnded = false) {
		const pending = this.pendingLineBreak;
		if (!boundaryEnded && pending) {
			if (this.continuesRun(pending)) this.runEnd += pending.byteLength;
			else {
				this.flushRun();
				this.chunks.push(pending);
			}
		}
		this.flushRun();
		return joined(this.chunks);
	};
}

/**
 * The base64 decoder is handed one line of 76 letters at a time; each line is decoded to a string,
 * cleaned by a pattern and split at padding, and every 100 KB is decoded by a loop in JavaScript:
 * for a 15 MB attachment, most of the parse. It now gathers its lines (views on the message, not
 * copies), gives them to its own update a batch at a time, and decodes with Node's native base64.
 * The bytes are the same: update's result does not depend on how its input is cut, and what it
 * decodes holds only base64 letters, which Node and postal-mime decode alike.
 */
function decodeBase64InBatches(): void {
	const decoder = prototypeOf('base64-decoder.js');
	const update = decoder.update as (this: Base64State, bytes: Uint8Array) => void;
	const flushRemainder = decoder.flushRemainder as (this: Base64State) => void;
	const updateGathered = function (this: Base64State) {
		const lines = this.gathered;
		if (!lines?.length) return;
		// Taken before update runs: update calls flushRemainder, which comes back here.
		this.gathered = [];
		this.gatheredBytes = 0;
		update.call(this, Buffer.concat(lines));
	};
	decoder.pushChunk = function (this: Base64State, letters: string) {
		if (letters.length) this.output.append(Buffer.from(letters, 'base64'));
	};
	decoder.update = function (this: Base64State, line: Uint8Array) {
		(this.gathered ??= []).push(line);
		this.gatheredBytes = (this.gatheredBytes ?? 0) + line.length;
		if (this.gatheredBytes >= BASE64_BATCH_BYTES) updateGathered.call(this);
	};
	decoder.flushRemainder = function (this: Base64State) {
		updateGathered.call(this);
		flushRemainder.call(this);
	};
}

function applyPatch(): PatchStatus {
	const reason = whyNot();
	if (reason) return { applied: false, reason };
	joinWithoutBlob();
	decodeBase64InBatches();
	return { applied: true };
}

/** Whether the decoders are the patched ones; applied once, when this module is first loaded. */
export const postalMimeDecoderPatch: PatchStatus = applyPatch();
