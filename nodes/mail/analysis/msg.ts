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
 * runs in a worker with a time budget and a small heap: a hostile file costs at most that, and is
 * refused with a reason. Written as plain JavaScript so it runs the same from ts-jest and from dist.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const MsgReader = require(workerData.modulePath).default;
const reader = new MsgReader(workerData.bytes);
const data = reader.getFileData();
if (data.error) throw new Error(data.error);
const text = (value) => (typeof value === 'string' ? value : '');
const attachments = (data.attachments || []).slice(0, workerData.maxAttachments).map((attachment) => {
	const file = reader.getAttachment(attachment);
	const isMsg = Boolean(attachment.innerMsgContent);
	const name = text(attachment.fileName) || text(attachment.name) || 'attachment';
	return { fileName: isMsg && !/\\.msg$/i.test(name) ? name + '.msg' : name, content: file.content, isMsg };
});
parentPort.postMessage({
	headers: text(data.headers),
	subject: text(data.subject),
	senderEmail: text(data.senderSmtpAddress) || text(data.senderEmail),
	senderName: text(data.senderName),
	recipients: (data.recipients || []).map((r) => ({ email: text(r.smtpAddress) || text(r.email), name: text(r.name), recipType: text(r.recipType) })),
	body: text(data.body),
	bodyHtml: text(data.bodyHtml),
	messageId: text(data.messageId),
	date: text(data.clientSubmitTime) || text(data.messageDeliveryTime),
	attachments,
});
`;

export interface MsgLimits {
	timeoutMs: number;
	maxHeapMb: number;
	maxAttachments: number;
}

export const DEFAULT_MSG_LIMITS: MsgLimits = { timeoutMs: 2000, maxHeapMb: 96, maxAttachments: 100 };

/** Reads one .msg; a file msgreader cannot read within the limits is refused with INVALID_INPUT. */
export async function readOutlookMsg(bytes: Uint8Array, limits: MsgLimits = DEFAULT_MSG_LIMITS): Promise<OutlookItem> {
	const worker = new Worker(WORKER_SOURCE, {
		eval: true,
		workerData: { modulePath: require.resolve('@kenjiuno/msgreader'), bytes, maxAttachments: limits.maxAttachments },
		resourceLimits: { maxOldGenerationSizeMb: limits.maxHeapMb, maxYoungGenerationSizeMb: 16 },
		stdout: true,
		stderr: true,
	});
	const refuse = (why: string) => new MailError('INVALID_INPUT', `The Outlook .msg file cannot be read (${why}): it is damaged or crafted; open it in Outlook and save it as .eml, or analyse it in a sandbox.`);
	try {
		return await new Promise<OutlookItem>((resolve, reject) => {
			const timer = setTimeout(() => reject(refuse(`not read within ${limits.timeoutMs} ms`)), limits.timeoutMs);
			worker.once('message', (item: OutlookItem) => {
				clearTimeout(timer);
				resolve(item);
			});
			worker.once('error', (error: Error & { code?: string }) => {
				clearTimeout(timer);
				reject(refuse(error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? `needed more than ${limits.maxHeapMb} MB` : error.message));
			});
			worker.once('exit', (code) => {
				clearTimeout(timer);
				reject(refuse(`reader stopped with code ${code}`));
			});
		});
	} finally {
		await worker.terminate();
	}
}
