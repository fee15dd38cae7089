import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { MailError, type OutgoingAttachment, type OutgoingMail } from '../../mail';
import { readMessagePick } from '../descriptions/folder.description';

export async function readAttachments(
	context: IExecuteFunctions,
	itemIndex: number,
	names: string,
): Promise<OutgoingAttachment[]> {
	const attachments: OutgoingAttachment[] = [];
	for (const name of names
		.split(',')
		.map((n) => n.trim())
		.filter(Boolean)) {
		const binary = context.getInputData()[itemIndex].binary?.[name];
		if (!binary) {
			throw new MailError(
				'INVALID_INPUT',
				`The input item has no binary property "${name}": check the Attachments option (binary ` +
					`property names, comma-separated).`,
			);
		}
		attachments.push({
			filename: binary.fileName || `${name}${binary.fileExtension ? `.${binary.fileExtension}` : ''}`,
			content: await context.helpers.getBinaryDataBuffer(itemIndex, name),
			contentType: binary.mimeType,
		});
	}
	return attachments;
}

/** What Reply to Email and Forward Email read alike: the picked mail, their options, Content Type, CC and BCC. */
export function readAnswerParameters(context: IExecuteFunctions, itemIndex: number) {
	const options = context.getNodeParameter('options', itemIndex, {}) as IDataObject;
	return {
		pick: readMessagePick(context, itemIndex),
		options,
		composed: {
			contentType: (options.contentType as 'html' | 'text' | undefined) ?? 'html',
			cc: (options.cc as string) || undefined,
			bcc: (options.bcc as string) || undefined,
		},
	};
}

/** Reads the outgoing-mail parameters of Send Email (and Send Email and Wait) for one item. */
export async function readOutgoingMail(context: IExecuteFunctions, itemIndex: number): Promise<OutgoingMail> {
	const options = context.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const headers =
		((options.headers as IDataObject | undefined)?.header as Array<{ name: string; value: string }> | undefined) ?? [];
	return {
		recipients: context.getNodeParameter('recipients', itemIndex) as string,
		cc: context.getNodeParameter('cc', itemIndex, '') as string,
		bcc: context.getNodeParameter('bcc', itemIndex, '') as string,
		subject: context.getNodeParameter('subject', itemIndex) as string,
		content: context.getNodeParameter('content', itemIndex) as string,
		contentType: (options.contentType as 'html' | 'text' | undefined) ?? 'html',
		attachments: options.attachments ? await readAttachments(context, itemIndex, String(options.attachments)) : [],
		replyTo: (options.replyTo as string) || undefined,
		inReplyTo: (options.inReplyTo as string) || undefined,
		fromName: (options.fromName as string) || undefined,
		headers,
	};
}
