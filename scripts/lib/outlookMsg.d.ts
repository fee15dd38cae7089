/** Types of outlookMsg.js for the TypeScript tests. */
export type MsgAddress = string | { name?: string; email: string };

export type MsgAttachment =
	{ fileName: string; content: Buffer; mimeType?: string; contentId?: string } | { message: MsgMessage; name?: string };

export interface MsgMessage {
	subject?: string;
	from?: MsgAddress;
	to?: MsgAddress[];
	cc?: MsgAddress[];
	bcc?: MsgAddress[];
	date?: Date;
	messageId?: string;
	headers?: string;
	body?: string;
	html?: string;
	messageClass?: string;
	attachments?: MsgAttachment[];
}

export function buildMsg(message: MsgMessage): Buffer;
