import { Worker } from 'node:worker_threads';

import { MailError } from '../errors';

/** One Outlook item as @kenjiuno/msgreader reads it: only the fields the analysis uses. */
export interface OutlookItem {
	/** Transport headers (received mail only): the MIME header block as the server saw it. */
	headers: string;
	subject: string;
	senderEmail: string;
	senderName: string;
	recipients: Array<{ email: string; name: string; recipType: string }>;
	body: string;
	bodyHtml: string;
	messageId: string;
	date: string;
	/** An attached .msg comes back as the bytes of a .msg of its own (msgreader rebuilds it). */
	attachments: Array<{ fileName: string; content: Uint8Array; isMsg: boolean }>;
}

/** Compound File Binary signature: every .msg (and old Office file) starts with it. */
const CFB_MAGIC = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);

export function isOutlookMsg(bytes: Uint8Array): boolean {
	return bytes.length >= 8 && Buffer.from(bytes.buffer, bytes.byteOffset, 8).equals(CFB_MAGIC);
}

/*
 * msgreader follows the sector chains of the file as written: a chain that points back into itself
 * (a crafted or broken .msg) makes it loop for ever or allocate without end, synchronously. So it
 * runs in a worker thread with a time budget per file and a small heap: a hostile file costs at most
 * that and is refused with a reason; the worker is then replaced. One worker serves every file in
 * turn (starting one costs more than reading a typical .msg). Plain JavaScript, so that it runs the
 * same from ts-jest and from dist.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const MsgReader = require(workerData.modulePath).default;
const text = (value) => (typeof value === 'string' ? value : '');
function read(bytes, maxAttachments) {
	const reader = new MsgReader(bytes);
	const data = reader.getFileData();
	if (data.error) throw new Error(data.error);
	const attachments = (data.attachments || []).slice(0, maxAttachments).map((attachment) => {
		const file = reader.getAttachment(attachment);
		const isMsg = Boolean(attachment.innerMsgContent);
		const name = text(attachment.fileName) || text(attachment.name) || 'attachment';
		return { fileName: isMsg && !/\\.msg$/i.test(name) ? name + '.msg' : name, content: file.content, isMsg };
	});
	return {
		headers: text(data.headers),
		subject: text(data.subject),
		senderEmail: text(data.senderSmtpAddress) || text(data.senderEmail),
		senderName: text(data.senderName),
		recipients: (data.recipients || []).map((r) => ({
			email: text(r.smtpAddress) || text(r.email),
			name: text(r.name),
			recipType: text(r.recipType),
		})),
		body: text(data.body),
		bodyHtml: text(data.bodyHtml),
		messageId: text(data.messageId),
		date: text(data.clientSubmitTime) || text(data.messageDeliveryTime),
		attachments,
	};
}
parentPort.on('message', ({ id, bytes, maxAttachments }) => {
	try {
		parentPort.postMessage({ id, item: read(bytes, maxAttachments) });
	} catch (error) {
		parentPort.postMessage({ id, error: String((error && error.message) || error) });
	}
});
parentPort.postMessage({ ready: true });
`;

export interface MsgLimits {
	/** Time to read one file: this much, plus `timeoutMsPerMb` for each MB of it. */
	timeoutMs: number;
	timeoutMsPerMb: number;
	maxHeapMb: number;
	maxAttachments: number;
}

export const DEFAULT_MSG_LIMITS: MsgLimits = {
	timeoutMs: 400,
	timeoutMsPerMb: 100,
	maxHeapMb: 128,
	maxAttachments: 100,
};

/** Starting a worker and loading msgreader, which a loaded host can take a while for. */
const START_TIMEOUT_MS = 15_000;

interface Reply {
	id?: number;
	ready?: boolean;
	item?: OutlookItem;
	error?: string;
}

class MsgWorker {
	private readonly worker: Worker;

	private readonly ready: Promise<void>;

	private failure?: Error;

	private pending?: (reply: Reply | Error) => void;

	constructor(maxHeapMb: number) {
		this.worker = new Worker(WORKER_SOURCE, {
			eval: true,
			workerData: { modulePath: require.resolve('@kenjiuno/msgreader') },
			resourceLimits: { maxOldGenerationSizeMb: maxHeapMb, maxYoungGenerationSizeMb: 16 },
			stdout: true,
			stderr: true,
		});
		// An idle worker must not keep n8n (or a test run) from exiting.
		this.worker.unref();
		this.ready = new Promise((resolve, reject) => {
			const timer = setTimeout(
				() => reject(new Error(`the reader did not start within ${START_TIMEOUT_MS} ms`)),
				START_TIMEOUT_MS,
			);
			this.worker.on('message', (reply: Reply) => {
				if (reply.ready) {
					clearTimeout(timer);
					resolve();
				} else this.pending?.(reply);
			});
			const fail = (error: Error) => {
				clearTimeout(timer);
				this.failure ??= error;
				reject(error);
				this.pending?.(error);
			};
			this.worker.on('error', (error: Error & { code?: string }) =>
				fail(error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? new Error(`it needed more than ${maxHeapMb} MB`) : error),
			);
			this.worker.on('exit', (code) => fail(new Error(`the reader stopped (exit code ${code})`)));
		});
		this.ready.catch(() => undefined);
	}

	get broken(): boolean {
		return this.failure !== undefined;
	}

	async read(bytes: Uint8Array, limits: MsgLimits): Promise<OutlookItem> {
		await this.ready;
		const timeoutMs = limits.timeoutMs + Math.ceil((bytes.length / 1024 / 1024) * limits.timeoutMsPerMb);
		return await new Promise<OutlookItem>((resolve, reject) => {
			const timer = setTimeout(() => {
				this.failure ??= new Error(`not read within ${timeoutMs} ms`);
				reject(this.failure);
			}, timeoutMs);
			this.pending = (reply) => {
				clearTimeout(timer);
				this.pending = undefined;
				if (reply instanceof Error) reject(reply);
				else if (reply.error !== undefined || !reply.item) reject(new Error(reply.error ?? 'no answer'));
				else resolve(reply.item);
			};
			this.worker.postMessage({ id: 0, bytes, maxAttachments: limits.maxAttachments });
		});
	}

	async stop(): Promise<void> {
		await this.worker.terminate();
	}
}

let shared: MsgWorker | undefined;
let queue: Promise<unknown> = Promise.resolve();

/** Reads one .msg; a file msgreader cannot read within the limits is refused with INVALID_INPUT. */
export async function readOutlookMsg(bytes: Uint8Array, limits: MsgLimits = DEFAULT_MSG_LIMITS): Promise<OutlookItem> {
	// One file at a time per worker: the budget of one must not run while another is read.
	const turn = queue.then(async () => {
		const worker = shared && !shared.broken ? shared : (shared = new MsgWorker(limits.maxHeapMb));
		try {
			return await worker.read(bytes, limits);
		} catch (error) {
			// A worker stuck in a loop or out of memory is replaced; one that answered with an error is fine.
			if (worker.broken) {
				if (shared === worker) shared = undefined;
				await worker.stop();
			}
			throw new MailError(
				'INVALID_INPUT',
				`The Outlook .msg file cannot be read (${(error as Error).message}): it is damaged ` +
					`or crafted; open it in Outlook and save it as .eml, or analyse it in a sandbox.`,
			);
		}
	});
	queue = turn.catch(() => undefined);
	return await turn;
}
